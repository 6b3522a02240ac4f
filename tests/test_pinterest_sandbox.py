"""The sandbox's Pinterest: answers in the shapes of the official v5 description, feeds, time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import feedparser
import requests

from aggregator.sandbox import DataSet, Sandbox
from aggregator.sandbox.pinterest import LIMITED_TOKEN, SANDBOX_TOKEN
from aggregator.sandbox.pinterest_world import PinterestWorld
from tests.samples import recorded_json

AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}


def get(http: requests.Session, sandbox: Sandbox, path: str, **params: Any) -> requests.Response:
    return http.get(sandbox.url(path), params=params, headers=AUTH, timeout=5)


def schema(name: str) -> dict[str, Any]:
    data = recorded_json("pinterest", "pinterest-v5-openapi-excerpt.json")
    found: dict[str, Any] = data["components"]["schemas"][name]
    return found


def board_pins(http: requests.Session, sandbox: Sandbox, board_id: str, **params: Any) -> Any:
    return get(http, sandbox, f"/v5/boards/{board_id}/pins", **params).json()


def test_boards_and_pins_use_only_fields_of_the_official_schemas(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    boards = get(sandbox_http, sandbox, "/v5/boards").json()
    assert set(boards) == {"items", "bookmark"}
    board_fields = set(schema("BoardBase")["properties"]) | set(schema("Board")["properties"])
    for board in boards["items"]:
        assert set(board) <= board_fields
        assert {"id", "name"} <= set(board)
    pins = board_pins(sandbox_http, sandbox, boards["items"][0]["id"], pin_metrics="true")
    for pin in pins["items"]:
        assert set(pin) <= set(schema("Pin")["properties"])
        assert pin["id"].isdigit()
        assert set(pin["media"]["images"]) <= set(schema("ImageSize")["properties"])


def test_pin_metrics_come_only_when_asked_for(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    board = sandbox.pinterest.world.boards[0].id
    plain = board_pins(sandbox_http, sandbox, board)["items"][0]
    with_metrics = board_pins(sandbox_http, sandbox, board, pin_metrics="true")["items"][0]
    assert "pin_metrics" not in plain
    assert set(with_metrics["pin_metrics"]) == {"90d", "lifetime_metrics"}
    assert isinstance(with_metrics["pin_metrics"]["lifetime_metrics"]["comment"], int)


def test_bookmarks_page_through_a_board_newest_first_without_repeats(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    board = sandbox.pinterest.world.boards[0]
    seen: list[str] = []
    bookmark: str | None = None
    while True:
        params = {"page_size": 4, **({"bookmark": bookmark} if bookmark else {})}
        page = board_pins(sandbox_http, sandbox, board.id, **params)
        seen += [pin["id"] for pin in page["items"]]
        bookmark = page["bookmark"]
        if bookmark is None:
            break
    expected = sandbox.pinterest.world.visible_pins(sandbox.now(), board)
    assert seen == [pin.id for pin in expected]


def test_bad_page_size_and_bookmark_are_400s(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    board = sandbox.pinterest.world.boards[0].id
    too_big = get(sandbox_http, sandbox, f"/v5/boards/{board}/pins", page_size=251)
    forged = get(sandbox_http, sandbox, f"/v5/boards/{board}/pins", bookmark="bm90LW91cnM")
    assert (too_big.status_code, forged.status_code) == (400, 400)
    assert forged.json() == {"code": 400, "message": "Invalid parameters."}


def test_requests_without_the_token_get_401_and_limited_tokens_403(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    missing = sandbox_http.get(sandbox.url("/v5/boards"), timeout=5)
    assert missing.status_code == 401
    assert missing.json() == {"code": 401, "message": "Authentication failed."}
    limited = {"Authorization": f"Bearer {LIMITED_TOKEN}"}
    board = sandbox.pinterest.world.boards[0].id
    assert sandbox_http.get(sandbox.url("/v5/boards"), headers=limited).status_code == 200
    pins = sandbox_http.get(sandbox.url(f"/v5/boards/{board}/pins"), headers=limited)
    assert pins.status_code == 403
    assert "pins:read" in pins.json()["message"]


def test_every_answer_carries_the_daily_quota_headers(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    first = get(sandbox_http, sandbox, "/v5/user_account")
    second = get(sandbox_http, sandbox, "/v5/boards")
    assert first.json()["username"] == "hanbitgu"
    assert first.headers["x-ratelimit-limit"] == "1000"
    assert (first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]) == (
        "999",
        "998",
    )
    assert first.headers["x-ratelimit-reset"] == str(24 * 3600)


def test_a_deleted_pin_disappears_from_its_board_and_answers_404(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    world = sandbox.pinterest.world
    pin = next(p for p in world.deleted_pins() if p.visible(sandbox.now()))
    assert get(sandbox_http, sandbox, f"/v5/pins/{pin.id}").status_code == 200
    assert pin.deleted_at is not None
    sandbox.advance((pin.deleted_at - sandbox.now()).total_seconds() / 60)
    gone = get(sandbox_http, sandbox, f"/v5/pins/{pin.id}")
    assert gone.status_code == 404
    assert gone.json()["message"] == "Pin not found."
    listed = board_pins(sandbox_http, sandbox, pin.board.id, page_size=250)["items"]
    assert pin.id not in [p["id"] for p in listed]


def test_comment_counts_only_grow_and_some_grow_on_the_first_day() -> None:
    data = DataSet(seed=7, comments=0)
    world = PinterestWorld(data)
    days = [data.start + timedelta(days=d) for d in range(0, 15)]
    for pin in world.pins:
        counts = [pin.comment_count(day) for day in days]
        assert counts == sorted(counts)
    assert any(p.comment_count(days[1]) > p.comment_count(days[0]) for p in world.pins)


def test_the_same_seed_gives_the_same_pins_and_counts() -> None:
    first, second = (PinterestWorld(DataSet(seed=3, comments=0)) for _ in range(2))
    later = first.data.start + timedelta(days=5)
    assert [(p.id, p.comment_count(later), p.deleted_at) for p in first.pins] == [
        (p.id, p.comment_count(later), p.deleted_at) for p in second.pins
    ]


def test_one_pin_is_deleted_before_the_start_and_one_after() -> None:
    data = DataSet(seed=7, comments=0)
    moments = [p.deleted_at or data.start for p in PinterestWorld(data).deleted_pins()]
    assert len(moments) == 2
    assert moments[0] < data.start < moments[1]


def test_board_feed_has_the_layout_of_the_constructed_sample(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    board = sandbox.pinterest.world.boards[2]
    response = sandbox_http.get(sandbox.url(f"/pinterest/hanbitgu/{board.slug}.rss"), timeout=5)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.feed.title == board.name
    entry = parsed.entries[0]
    newest = sandbox.pinterest.world.visible_pins(sandbox.now(), board)[0]
    assert entry.link == entry.id == newest.url
    assert entry.published.endswith("GMT")
    assert 'src="https://i.pinimg.com/236x/' in entry.summary
    assert "author" not in entry


def test_feeds_answer_304_to_their_etag_and_404_for_unknown_boards(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    url = sandbox.url("/pinterest/hanbitgu/feed.rss")
    first = sandbox_http.get(url, timeout=5)
    again = sandbox_http.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert again.status_code == 304
    assert sandbox_http.get(sandbox.url("/pinterest/hanbitgu/nope.rss")).status_code == 404
    assert sandbox_http.get(sandbox.url("/pinterest/someone/feed.rss")).status_code == 404
