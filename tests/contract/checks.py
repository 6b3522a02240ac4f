"""What the contract asserts about records, read from the platform's declared streams."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from aggregator.records import CommentRecord, PostRecord
from tests.contract.cases import ContractCase, Stream

RECORD_TYPES: dict[str, type[PostRecord] | type[CommentRecord]] = {
    "posts": PostRecord,
    "comments": CommentRecord,
}
"""Which record type a declared stream yields; a new stream name needs its line here."""
CONTEXT_FIELDS = frozenset({"account"})
"""Key fields that come from the run (the account's name), not from the record."""


def record_type(stream: Stream) -> type[PostRecord] | type[CommentRecord]:
    """The record type of a declared stream; fail naming the stream when unknown."""
    if stream.name not in RECORD_TYPES:
        pytest.fail(f"stream {stream.name!r} has no record type in RECORD_TYPES")
    return RECORD_TYPES[stream.name]


def key_of(record: PostRecord | CommentRecord, stream: Stream, account: str) -> tuple[Any, ...]:
    """The record's primary key as its stream declares it."""
    return tuple(
        account if name in CONTEXT_FIELDS else getattr(record, name) for name in stream.primary_key
    )


def of_stream(records: Sequence[PostRecord | CommentRecord], stream: Stream) -> list[Any]:
    """The records that belong to `stream`."""
    kind = record_type(stream)
    return [r for r in records if isinstance(r, kind)]


def times_of(record: PostRecord | CommentRecord) -> dict[str, datetime]:
    """Every datetime field of a record that is set, by name."""
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return {name: value for name, value in values.items() if isinstance(value, datetime)}


def assert_utc(record: PostRecord | CommentRecord) -> None:
    """Every time of `record` is timezone-aware and in UTC."""
    for name, value in times_of(record).items():
        assert value.tzinfo is UTC, f"{record.external_id}.{name} = {value!r} is not aware UTC"


def assert_raw_and_source(record: PostRecord | CommentRecord, base_url: str) -> None:
    """The raw payload is kept (JSON-safe) and the URL it was read from is named."""
    assert record.raw, f"{record.external_id} keeps no raw payload"
    json.dumps(record.raw)
    assert record.source_url, f"{record.external_id} has no source_url"
    assert record.source_url.startswith(base_url), record.source_url


def declared_streams(case: ContractCase) -> tuple[Stream, ...]:
    """The case's record streams: comments only where the platform can read them."""
    streams = case.spec.streams
    if not case.spec.comments_readable:
        assert all(record_type(s) is not CommentRecord for s in streams), (
            f"{case.platform} declares comments unreadable but has a comments stream"
        )
    return streams
