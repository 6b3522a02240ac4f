"""A platform cannot be registered without a contract case, and its spec must make sense."""

from __future__ import annotations

import dataclasses

import pytest

from tests.contract.cases import CASES, KNOWN_DEFECTS, SPECS, registered_platforms
from tests.contract.checks import CONTEXT_FIELDS, record_type


def test_every_registered_platform_has_a_contract_case() -> None:
    missing = registered_platforms() - {case.platform for case in CASES}
    assert not missing, f"platforms registered without a contract case: {sorted(missing)}"


def test_every_case_is_of_a_registered_platform_with_a_spec() -> None:
    for case in CASES:
        assert case.platform in registered_platforms(), case.id
        assert case.platform in SPECS, case.id
        assert SPECS[case.platform].name == case.platform


def test_case_ids_are_unique_and_known_defects_name_real_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert {case_id for _, case_id in KNOWN_DEFECTS} <= set(ids)


@pytest.mark.parametrize("platform", sorted(SPECS))
def test_declared_keys_and_cursor_fields_are_fields_of_the_records(platform: str) -> None:
    spec = SPECS[platform]
    assert spec.streams, f"{platform} declares no streams"
    for stream in spec.streams:
        fields = {f.name for f in dataclasses.fields(record_type(stream))}
        assert stream.primary_key, f"{platform}.{stream.name} has no primary key"
        assert set(stream.primary_key) <= fields | CONTEXT_FIELDS, stream
        assert stream.cursor_field is None or stream.cursor_field in fields, stream
        assert stream.order in ("asc", "desc", "none"), stream
