"""Pinterest mapping on our fixtures (tests/fixtures/pinterest: a board's pins and a board
feed, kept faithful to ../shared/samples/pinterest by test_fixtures_faithful.py), inline
payloads, and the official v5 description itself (recorded)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.common.feeds import parse_feed_bytes
from connectors.pinterest.mapping import (
    api_error,
    api_pin_id,
    comment_count,
    lifetime_metrics,
    media_url,
    parse_api_time,
    pin_id_from_url,
    rss_pin_id,
    rss_to_post,
    to_post,
)
from tests.samples import fixture, fixture_json, recorded_json

FETCHED_AT = datetime(2026, 3, 10, tzinfo=UTC)
RSS_TYPE = "application/rss+xml; charset=utf-8"


def spec() -> dict[str, Any]:
    """The recorded excerpt of Pinterest's official v5 OpenAPI description."""
    data: dict[str, Any] = recorded_json("pinterest", "pinterest-v5-openapi-excerpt.json")
    return data


def fixture_pin() -> dict[str, Any]:
    """The first pin of our board-pins fixture (every field the mapping reads, metrics)."""
    pin: dict[str, Any] = fixture_json("pinterest", "board_pins.json")["items"][0]
    return pin


def api_post(pin: dict[str, Any]) -> Any:
    return to_post(pin, owner="hanbitgu", source_url=None, fetched_at=FETCHED_AT)


# ------------------------------------------------------------------ official description


def test_every_pin_field_the_mapping_reads_is_in_the_official_schema() -> None:
    properties = spec()["components"]["schemas"]["Pin"]["properties"]
    read = {"id", "created_at", "title", "description", "link", "board_owner", "media"}
    assert read | {"pin_metrics"} <= set(properties)
    assert spec()["components"]["schemas"]["Pin"]["required"] == ["id"]


def test_list_answers_are_items_and_a_nullable_bookmark() -> None:
    paginated = spec()["components"]["schemas"]["Paginated"]
    assert paginated["required"] == ["items"]
    assert paginated["properties"]["bookmark"] == {"type": "string", "nullable": True}


def test_generic_error_example_gives_code_and_message() -> None:
    example = spec()["components"]["schemas"]["Pinterest.Lib.Error"]["example"]
    assert api_error(json.dumps(example).encode()) == (2, "AdAccount not found.")


# ------------------------------------------------------------------ pins (fixture)


def test_pin_metrics_give_comment_count_and_lifetime_metrics() -> None:
    post = api_post(fixture_pin())
    assert post.comment_count == 3
    assert post.metrics == {
        "pin_click": 15,
        "impression": 410,
        "clickthrough": 6,
        "reaction": 9,
        "comment": 3,
    }
    assert post.comments_readable is False


def test_pin_maps_to_a_post_with_its_page_url_and_raw_kept() -> None:
    pin = fixture_pin()
    post = api_post(pin)
    assert post.platform == "pinterest"
    assert post.external_id == "pin:1093745000001048601"
    assert post.url == "https://www.pinterest.com/pin/1093745000001048601/"
    assert post.title == "한빛구 김장 나눔 행사"
    assert post.text == "11월 22일(토) 오전 10시, 한빛구청 앞 광장"
    assert post.created_at == datetime(2026, 11, 12, 1, 30, tzinfo=UTC)
    assert post.author_name == "hanbitgu"
    assert post.raw == pin
    assert post.raw["link"] == "https://www.hanbit-gu.example/news/kimjang"


def test_pin_without_title_or_metrics_has_no_count() -> None:
    untitled = api_post(fixture_json("pinterest", "board_pins.json")["items"][1])
    assert untitled.title is None
    assert untitled.comment_count is None
    assert untitled.text == "한빛천 산책로 정비 구간 지도"


def test_largest_image_of_the_pin_is_the_media_url() -> None:
    assert media_url(fixture_pin()) == "https://i.pinimg.com/1200x/4b/9a/2c/4b9a2c0001.jpg"


def test_error_body_gives_code_and_message() -> None:
    body = fixture("pinterest", "error_board_not_found.json").read_bytes()
    assert api_error(body) == (404, "Board not found.")


# ------------------------------------------------------------------ board feed (fixture)


def test_board_rss_gives_pin_ids_times_and_text() -> None:
    body = fixture("pinterest", "board_rss.xml").read_bytes()
    feed = parse_feed_bytes(body, RSS_TYPE, "https://www.pinterest.com/hanbitgu/hanbit-news.rss")
    posts = [
        rss_to_post(e, owner="hanbitgu", source_url=None, fetched_at=FETCHED_AT)
        for e in feed.entries
    ]
    assert [p.external_id for p in posts] == [
        "pin:1093745000001048611",
        "pin:1093745000001048612",
    ]
    first, untitled = posts
    assert first.title == "한빛구 겨울 제설함 위치"
    assert first.text == "동별 제설함 위치를 지도로 확인하세요"
    assert first.created_at == datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    assert first.url == "https://www.pinterest.com/pin/1093745000001048611/"
    assert untitled.title is None
    assert untitled.text == "한빛도서관 야간 개관 안내"
    assert all(p.comment_count is None and p.comments_readable is False for p in posts)
    assert all(p.author_name == "hanbitgu" for p in posts)
    assert media_url(first.raw) == "https://i.pinimg.com/236x/5c/1d/8e/5c1d8e01.jpg"


# ------------------------------------------------------------------ own fixtures


def test_api_and_rss_forms_of_one_pin_are_the_same_post() -> None:
    pin = {
        "id": "1093745000001048583",
        "created_at": "2026-11-03T05:12:33",
        "title": "가을 축제",
        "description": "11월 7일  한빛공원\n\n 오후 2시",
        "board_owner": {"username": "hanbitgu"},
    }
    entry = {
        "id": "https://www.pinterest.com/pin/1093745000001048583/",
        "title": "가을 축제",
        "summary": '<a href="/pin/1093745000001048583/"><img src="x.jpg"></a>'
        "11월 7일 한빛공원\n오후 2시",
        "published": "Tue, 03 Nov 2026 05:12:33 GMT",
        "published_parsed": "2026-11-03T05:12:33Z",
    }
    by_api = to_post(pin, owner="hanbitgu", source_url=None, fetched_at=FETCHED_AT)
    by_rss = rss_to_post(entry, owner="hanbitgu", source_url=None, fetched_at=FETCHED_AT)
    assert by_api.external_id == by_rss.external_id
    assert by_api.content_hash == by_rss.content_hash
    assert (by_api.created_at, by_api.url) == (by_rss.created_at, by_rss.url)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-03T05:12:33", datetime(2026, 11, 3, 5, 12, 33, tzinfo=UTC)),
        ("2026-11-03T05:12:33Z", datetime(2026, 11, 3, 5, 12, 33, tzinfo=UTC)),
        ("2026-11-03T14:12:33+09:00", datetime(2026, 11, 3, 5, 12, 33, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1762146753, None),
    ],
)
def test_api_times_are_utc_and_zone_less_means_utc(value: Any, expected: datetime | None) -> None:
    assert parse_api_time(value) == expected


def test_pin_without_a_usable_time_falls_back_to_fetch_time() -> None:
    post = api_post({"id": "1", "created_at": "soon"})
    assert post.created_at == FETCHED_AT


def test_pin_without_metrics_has_no_count_and_empty_metrics() -> None:
    post = api_post({"id": "42", "title": "", "description": None})
    assert post.comment_count is None
    assert post.metrics == {}
    assert post.title is None
    assert post.text == ""
    assert post.author_name == "hanbitgu", "the account's name when no owner is given"


def test_only_integer_lifetime_metrics_are_kept() -> None:
    pin = {"id": "7", "pin_metrics": {"lifetime_metrics": {"comment": 3, "x": True, "y": "9"}}}
    assert lifetime_metrics(pin) == {"comment": 3}
    assert comment_count(pin) == 3
    assert lifetime_metrics({"id": "7", "pin_metrics": None}) == {}
    assert comment_count({"id": "7", "pin_metrics": {"90d": {"comment": 5}}}) is None


@pytest.mark.parametrize("pin_id", [None, "", "abc", 123, "12a"])
def test_pins_without_a_numeric_id_are_refused(pin_id: Any) -> None:
    pin = {"id": pin_id}
    assert api_pin_id(pin) is None
    with pytest.raises(ValueError, match="numeric id"):
        api_post(pin)


def test_rss_entry_without_a_pin_link_is_refused() -> None:
    entry = {"id": "https://www.pinterest.com/hanbitgu/", "link": "https://example.com/"}
    assert rss_pin_id(entry) is None
    with pytest.raises(ValueError, match="pin link"):
        rss_to_post(entry, owner="hanbitgu", source_url=None, fetched_at=FETCHED_AT)


def test_rss_entry_without_guid_takes_the_id_from_its_link() -> None:
    entry = {"link": "https://www.pinterest.com/pin/555/", "summary": "hi"}
    assert rss_pin_id(entry) == "555"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.pinterest.com/pin/1123456789012345678/", "1123456789012345678"),
        ("https://kr.pinterest.com/pin/99", "99"),
        ("https://www.pinterest.com/pin/99/?utm_source=x", "99"),
        ("https://www.pinterest.com/hanbitgu/events/", None),
        ("https://www.pinterest.com/pin/abc/", None),
        (None, None),
    ],
)
def test_pin_ids_come_from_pin_page_urls(url: str | None, expected: str | None) -> None:
    assert pin_id_from_url(url) == expected


def test_media_url_of_video_and_multi_image_pins() -> None:
    video = {"media": {"media_type": "video", "cover_image_url": "https://i.pinimg.com/v.jpg"}}
    images = {"media": {"items": [{"images": {"600x": {"url": "https://i.pinimg.com/6.jpg"}}}]}}
    assert media_url(video) == "https://i.pinimg.com/v.jpg"
    assert media_url(images) == "https://i.pinimg.com/6.jpg"
    assert media_url({"media": {}}) is None
    assert media_url({}) is None


@pytest.mark.parametrize(
    "body",
    [b"<html>503</html>", b"", b"[1, 2]", b'{"code": "x"}', b"\xff\xfe"],
)
def test_bodies_that_are_not_pinterest_errors_give_nothing(body: bytes) -> None:
    assert api_error(body) == (None, "")


def test_error_messages_are_shortened_to_one_line() -> None:
    body = json.dumps({"code": 8, "message": "too\n many " + "x" * 500}).encode()
    code, message = api_error(body)
    assert code == 8
    assert "\n" not in message
    assert len(message) == 300
