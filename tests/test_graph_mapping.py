"""The Graph payload helpers shared by the Facebook and Instagram mappings: the fast time
parser reads exactly what the `strptime` parser it replaced read, and the records mapped
from our fixtures are the same as with that parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.facebook import mapping as facebook
from connectors.graph.mapping import GRAPH_TIME, count, get_path, parse_time, string
from connectors.instagram import mapping as instagram
from tests.samples import FIXTURES


def strptime_parse_time(value: Any) -> datetime | None:
    """The parser both mappings used before (the reference)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, GRAPH_TIME)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None


TIMES = [
    "2021-07-21T21:05:14+0000",
    "2026-11-10T02:50:51+0000",
    "2024-02-29T23:59:59+0000",
    "2021-07-21T21:05:14+0900",
    "2021-07-21T21:05:14-0330",
    "2021-07-21T21:05:14+00:00",
    "2021-07-21T21:05:14Z",
    "2021-07-21T21:05:14.123456+0000",
    "2021-07-21 21:05:14+0000",
    "2021-7-1T1:05:14+0000",
    "2021-02-30T21:05:14+0000",
    "2021-07-21T25:05:14+0000",
    "2021-07-21T21:05:14",
    "2021-07-21",
    "20210721T210514+0000",
    "2021-07-21T21:05:1x+0000",
    "xxxx-07-21T21:05:14+0000",
    "",
    "+0000",
    None,
    1626901514,
    ["2021-07-21T21:05:14+0000"],
]


@pytest.mark.parametrize("value", TIMES)
def test_parse_time_reads_what_strptime_read(value: Any) -> None:
    expected = strptime_parse_time(value)
    parsed = parse_time(value)
    assert parsed == expected
    if expected is not None:
        assert parsed is not None
        assert parsed.utcoffset() == expected.utcoffset()


def test_graph_time_is_utc_and_aware() -> None:
    parsed = parse_time("2021-07-21T21:05:14+0000")
    assert parsed == datetime(2021, 7, 21, 21, 5, 14, tzinfo=UTC)
    assert parsed is not None
    assert parsed.tzinfo is UTC
    other = parse_time("2021-07-21T21:05:14+0900")
    assert other is not None
    assert other.utcoffset() == timedelta(hours=9)
    assert other == datetime(2021, 7, 21, 12, 5, 14, tzinfo=UTC)


def test_helpers_are_total() -> None:
    assert get_path({"a": {"b": {"c": 3}}}, "a", "b", "c") == 3
    assert get_path({"a": [1]}, "a", "b") is None
    assert get_path(None, "a") is None
    strings = [string(v) for v in ("x", "", 12, True, None, 1.5)]
    assert strings == ["x", None, "12", None, None, None]
    assert [count(v) for v in (0, 3, -1, True, "3", None)] == [0, 3, None, None, None, None]


def _payloads(folder: str) -> Iterator[dict[str, Any]]:
    """Every mapping with an id in our fixtures of one platform (nested ones too)."""

    def walk(value: Any) -> Iterator[dict[str, Any]]:
        if isinstance(value, dict):
            if "id" in value:
                yield value
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for path in sorted((FIXTURES / folder).glob("*.json")):
        yield from walk(json.loads(path.read_text(encoding="utf-8")))


def test_facebook_fixtures_map_as_with_strptime(monkeypatch: pytest.MonkeyPatch) -> None:
    comments = [p for p in _payloads("facebook") if "created_time" in p and "message" in p]
    assert len(comments) >= 5

    def mapped() -> list[Any]:
        return [
            facebook.to_comment(p, page_id="104392018734562", post_id="1_2", source_url="u")
            for p in comments
        ]

    fast = mapped()
    monkeypatch.setattr(facebook, "parse_time", strptime_parse_time)
    assert fast == mapped()


def test_instagram_fixtures_map_as_with_strptime(monkeypatch: pytest.MonkeyPatch) -> None:
    comments = [p for p in _payloads("instagram") if "timestamp" in p and "text" in p]
    assert len(comments) >= 5
    owner = instagram.Owner("17841400000000000", "hanbit_gu")

    def mapped() -> list[Any]:
        return [
            instagram.to_comment(p, media_id="m", owner=owner, source_url="u") for p in comments
        ]

    fast = mapped()
    monkeypatch.setattr(instagram, "parse_time", strptime_parse_time)
    assert fast == mapped()
