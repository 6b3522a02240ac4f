"""The contract of a platform's runs: keys, times, raw payloads, idempotence, resume.

Every check runs for every case of `tests.contract.cases` against a small frozen sandbox,
through `sync_account` as the CLI runs it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from aggregator.records import CommentRecord, PostRecord
from aggregator.sandbox import Sandbox
from aggregator.sync import RunResult
from tests.contract.cases import ContractCase
from tests.contract.checks import (
    assert_raw_and_source,
    assert_utc,
    declared_streams,
    key_of,
    of_stream,
)
from tests.contract.harness import Harness, Recorder

HarnessFactory = Callable[[], Harness]
DEADLINE_SECONDS = 2.0
"""Long enough for a whole sandbox run on a busy machine; a hang reaches it."""


@pytest.fixture
def first(case: ContractCase, harness: Harness) -> Recorder:
    """The batches of a successful first run of the case's account."""
    recorder = Recorder(case.platform)
    result = harness.run(recorder)
    assert result.ok, result.error
    return recorder


def test_first_run_yields_records_of_every_declared_stream(
    case: ContractCase, first: Recorder
) -> None:
    records = first.records()
    for stream in declared_streams(case):
        found = of_stream(records, stream)
        if stream.name in case.silent_streams:
            assert not found, f"{case.id} yields {stream.name} it declares silent"
        else:
            assert found, f"no {stream.name} from {case.id}"
    if not case.spec.comments_readable:
        posts = [r for r in records if isinstance(r, PostRecord)]
        assert len(posts) == len(records), "a platform without readable comments yields none"
        assert not any(p.comments_readable for p in posts)


def test_primary_keys_are_unique_within_each_page_stream_of_a_run(
    case: ContractCase, harness: Harness, first: Recorder
) -> None:
    for stream in declared_streams(case):
        for page_stream, batches in first.by_stream().items():
            records = of_stream([r for b in batches for r in (*b.posts, *b.comments)], stream)
            keys = [key_of(r, stream, harness.account.name) for r in records]
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            assert not repeated, f"{page_stream} yielded {stream.name} twice: {repeated[:5]}"


def test_a_record_read_by_two_endpoints_in_one_run_is_the_same_record(
    case: ContractCase, harness: Harness, first: Recorder
) -> None:
    """A WordPress comment is in the site feed and in its post's; an X reply is a mention
    and part of its conversation: both readings must agree, or the last one would win."""
    for stream in declared_streams(case):
        seen: dict[tuple[Any, ...], Any] = {}
        for record in of_stream(first.records(), stream):
            key = key_of(record, stream, harness.account.name)
            content = without_provenance(record)
            assert seen.setdefault(key, content) == content, f"{key} read two ways differs"


def test_cursor_fields_are_set_on_every_record(case: ContractCase, first: Recorder) -> None:
    for stream in declared_streams(case):
        if stream.cursor_field is None:
            continue
        unset = [
            r.external_id
            for r in of_stream(first.records(), stream)
            if getattr(r, stream.cursor_field) is None
        ]
        assert not unset, f"{stream.name} records without {stream.cursor_field}: {unset[:5]}"


def test_every_time_is_timezone_aware_utc(first: Recorder) -> None:
    for record in first.records():
        assert_utc(record)


def test_raw_payload_is_kept_and_source_url_set(first: Recorder, sandbox: Sandbox) -> None:
    for record in first.records():
        assert_raw_and_source(record, sandbox.base_url)
    for batch in first.batches:
        json.dumps(batch.cursor_updates)


def test_every_page_counts_its_api_calls(first: Recorder) -> None:
    assert all(batch.api_calls >= 1 for batch in first.batches)


def test_second_run_adds_and_changes_nothing_and_keeps_the_cursor(
    case: ContractCase, sandbox: Sandbox, db_url: str
) -> None:
    """On SQLite and PostgreSQL: a run that finds nothing new writes nothing."""
    harness = Harness.open(case, sandbox, db_url)
    try:
        assert harness.run().ok
        rows, cursors = harness.rows(), harness.cursors()
        second = harness.run()
        assert second.ok, second.error
        assert (second.posts.new, second.posts.updated) == (0, 0)
        assert (second.comments.new, second.comments.updated) == (0, 0)
        assert harness.rows() == rows
        assert harness.cursors() == cursors
    finally:
        harness.close()


def test_keys_are_unique_across_runs(case: ContractCase, harness: Harness, first: Recorder) -> None:
    harness.run()
    posts, comments = harness.rows()
    stored = {(r[0], r[1]) for r in posts} | {(r[0], r[1]) for r in comments}
    assert len(stored) == len(posts) + len(comments), "one record stored in two rows"
    assert stored == {(str(r.platform), r.external_id) for r in first.records()}


def without_provenance(record: PostRecord | CommentRecord) -> dict[str, Any]:
    """A record's fields except where it was read from (raw payload, source URL)."""
    fields = dataclasses.asdict(record)
    return {k: v for k, v in fields.items() if k not in ("raw", "source_url")}


def network_failure_after(sandbox: Sandbox, case: ContractCase, pages: int) -> dict[str, Any]:
    """Options that make every request fail (connection reset) once `pages` are stored."""

    def on_batch(result: RunResult) -> None:
        if result.batches == pages:
            sandbox.faults.add("reset", case.api_path)

    return {"on_batch": on_batch}


def shutdown_after(sandbox: Sandbox, case: ContractCase, pages: int) -> dict[str, Any]:
    """Options that stop the run for shutdown once `pages` are stored."""
    stored: list[RunResult] = []
    return {"on_batch": stored.append, "should_stop": lambda: len(stored) >= pages}


def deadline_after(sandbox: Sandbox, case: ContractCase, pages: int) -> dict[str, Any]:
    """Options that let the run reach its deadline once `pages` are stored (the API hangs)."""

    def on_batch(result: RunResult) -> None:
        if result.batches == pages:
            sandbox.faults.add("hang", case.api_path)

    return {"on_batch": on_batch, "deadline_seconds": DEADLINE_SECONDS}


@pytest.mark.parametrize("interrupt", [network_failure_after, shutdown_after, deadline_after])
def test_interrupted_run_resumes_to_what_an_uninterrupted_run_stores(
    case: ContractCase,
    sandbox: Sandbox,
    open_harness: HarnessFactory,
    interrupt: Callable[[Sandbox, ContractCase, int], dict[str, Any]],
) -> None:
    whole, full = open_harness(), Recorder(case.platform)
    assert whole.run(full).ok
    expected_posts, expected_comments = whole.rows()
    for pages in sorted({1, max(1, len(full.batches) // 2)}):
        broken = open_harness()
        cut = broken.run(**interrupt(sandbox, case, pages))
        sandbox.faults.clear()
        if pages < len(full.batches):
            assert not cut.ok, f"the run went on after page {pages}"
        posts, comments = broken.rows()
        assert posts <= expected_posts
        assert comments <= expected_comments
        resumed = broken.run()
        assert resumed.ok, resumed.error
        assert broken.rows() == (expected_posts, expected_comments), f"lost after page {pages}"
        assert broken.cursors() == whole.cursors()
