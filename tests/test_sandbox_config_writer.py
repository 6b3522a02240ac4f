"""The sandbox's config writer is driven by the registry: each platform's sandbox module
declares its accounts and variables, and the writer names no platform itself."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Literal

import pytest

from aggregator.sandbox import config_writer
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config, sandbox_platforms
from aggregator.sandbox.platform import SandboxPlatform, sandbox_of
from aggregator.settings_base import AccountBase
from connectors.registry import PLATFORMS

FIXTURES = Path(__file__).parent / "fixtures" / "sandbox"
PLATFORM_WORDS = re.compile(
    r"\b(facebook|graph|instagram|twitter|x|pinterest|blog|wordpress|naver|tistory|youtube)\b",
    re.IGNORECASE,
)
"""Every registered platform's name, and the words its sandbox goes by."""


def test_the_written_config_is_byte_for_byte_what_the_hand_written_table_wrote() -> None:
    """`config-main*.yaml` were written by the config writer before it read the registry;
    one deliberate change since: YouTube's account refreshes its access tokens at the
    sandbox's token endpoint (`client_id`, `client_secret`, `refresh_token`, `token_url`)
    instead of a fixed `write_access_token`."""
    expected = (FIXTURES / "config-main.yaml").read_text(encoding="utf-8")
    assert render_config("http://127.0.0.1:8800") == expected


def test_the_written_config_with_a_database_and_an_ipv6_base_is_unchanged_too() -> None:
    expected = (FIXTURES / "config-main-postgres.yaml").read_text(encoding="utf-8")
    database = "postgresql+psycopg://aggregator@127.0.0.1:55433/demo"
    assert render_config("http://[::1]:54321/", database) == expected


def test_the_sandbox_variables_keep_every_value_they_had() -> None:
    before = json.loads((FIXTURES / "sandbox-env-main.json").read_text(encoding="utf-8"))
    assert {name: SANDBOX_ENV.get(name) for name in before} == before


def test_config_writer_names_no_platform() -> None:
    source = Path(config_writer.__file__).read_text(encoding="utf-8")
    assert PLATFORM_WORDS.findall(source) == []


def test_every_registered_platform_declares_its_sandbox_part() -> None:
    found = sandbox_platforms()
    assert list(found) == list(PLATFORMS)
    for name, platform in found.items():
        accounts = platform.accounts("http://127.0.0.1:1", 15)
        assert accounts, name
        assert {entry["platform"] for entry in accounts} == {name}


def test_every_variable_a_written_account_names_has_its_sandbox_value() -> None:
    named = set(re.findall(r"^ +env: (\w+)$", render_config("http://127.0.0.1:1"), re.MULTILINE))
    assert named <= set(SANDBOX_ENV)


def test_a_platform_without_a_sandbox_module_is_named() -> None:
    spec = dataclasses.replace(PLATFORMS["pinterest"], sandbox="aggregator.sandbox.nowhere:X")
    with pytest.raises(LookupError, match=r"pinterest: no sandbox module aggregator\.sandbox"):
        sandbox_of(spec)


def test_a_sandbox_attribute_that_is_not_a_declaration_is_named() -> None:
    spec = dataclasses.replace(
        PLATFORMS["pinterest"], sandbox="aggregator.sandbox.pinterest:TOKEN_ENV"
    )
    with pytest.raises(LookupError, match="is not a SandboxPlatform"):
        sandbox_of(spec)


class NewAccount(AccountBase):
    platform: Literal["newplatform"]


SEEN: list[tuple[str, int]] = []


def new_accounts(base: str, minutes: int) -> list[dict[str, object]]:
    SEEN.append((base, minutes))
    return []


NEW_SANDBOX = SandboxPlatform({"NEW_PLATFORM_TOKEN": "sandbox-only"}, new_accounts)
CLASH_SANDBOX = SandboxPlatform({"HANBIT_PINTEREST_TOKEN": "another"}, new_accounts)


def register(monkeypatch: pytest.MonkeyPatch, declaration: str) -> None:
    """Register `newplatform` for this test, its sandbox part at `declaration` here."""
    spec = dataclasses.replace(
        PLATFORMS["pinterest"], name="newplatform", settings=NewAccount,
        sandbox=f"{__name__}:{declaration}",
    )  # fmt: skip
    monkeypatch.setitem(PLATFORMS, "newplatform", spec)


def test_a_new_platform_reaches_the_written_config_through_the_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A platform registered with a `SANDBOX` declaration needs no edit of the writer."""
    register(monkeypatch, "NEW_SANDBOX")
    SEEN.clear()
    config_writer.build_config("http://127.0.0.1:1/")
    assert SEEN == [("http://127.0.0.1:1", config_writer.INTERVAL_MINUTES)]
    assert config_writer.sandbox_env()["NEW_PLATFORM_TOKEN"] == "sandbox-only"


def test_two_platforms_wanting_one_variable_with_different_values_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(monkeypatch, "CLASH_SANDBOX")
    with pytest.raises(ValueError, match="newplatform: HANBIT_PINTEREST_TOKEN wanted with two"):
        config_writer.sandbox_env()
