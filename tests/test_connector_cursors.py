"""Each connector's typed cursor: what it dumps loads back the same, and a stored cursor
of the wrong shape reads as absent (that stream is read as on a first run)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.blog.cursor import PostsWindow, dump_read_counts, load_read_counts
from connectors.facebook.cursor import CommentState, dump_mark, load_mark
from connectors.pinterest.cursor import BoardsCursor, board_stream, dump_board_mark
from connectors.twitter.cursor import (
    CONVERSATIONS,
    MENTIONS,
    RECENT,
    TWEETS,
    USER,
    XCursors,
    dump_conversations,
    dump_recent,
    dump_since,
    dump_tweets,
    dump_user,
)

T = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
GARBAGE = [None, "x", 3, [1, 2], {"read": "x"}, {"authors": 5, "comment_feeds": {"a": 1}}]


def test_blog_window_and_read_counts_round_trip() -> None:
    window = PostsWindow(("구청",), (("p1", "https://b.example/p1/feed/", 3), ("p2", "u", None)))
    assert PostsWindow.load(window.dump()) == window
    read = {"p1": 3, "p2": None}
    assert load_read_counts(dump_read_counts(read)) == read


def test_blog_read_counts_keep_only_the_newest_tracked_posts() -> None:
    read = {f"p{n}": n for n in range(250)}
    kept = load_read_counts(dump_read_counts(read))
    assert list(kept) == [f"p{n}" for n in range(50, 250)]


@pytest.mark.parametrize("stored", GARBAGE)
def test_blog_malformed_cursor_reads_as_absent(stored: object) -> None:
    assert PostsWindow.load(stored) == PostsWindow()
    assert load_read_counts(stored) == {}


def test_facebook_state_and_mark_round_trip() -> None:
    state = CommentState({"p1": (4, T), "p2": (None, None)})
    assert CommentState.load(state.dump()).read == state.read
    assert CommentState.load(state.dump(keep={"p1"})).read == {"p1": (4, T)}
    assert load_mark(dump_mark(T)) == T


@pytest.mark.parametrize("stored", GARBAGE)
def test_facebook_malformed_cursor_reads_as_absent(stored: object) -> None:
    assert CommentState.load(stored).read == {}
    assert load_mark(stored) is None


def test_pinterest_boards_round_trip_with_each_board_watermark() -> None:
    cursors = {
        "boards": BoardsCursor({"b1": None, "b2": None}, "2026-11-20").dump(),
        board_stream("b1"): dump_board_mark(T),
        board_stream("b2"): dump_board_mark(None),
    }
    assert BoardsCursor.load(cursors) == BoardsCursor({"b1": T, "b2": None}, "2026-11-20")


def test_pinterest_reads_the_earlier_single_pins_cursor_once() -> None:
    legacy = {"pins": {"watermark": T.isoformat(), "boards": ["b1", 7]}}
    assert BoardsCursor.load(legacy) == BoardsCursor({"b1": T})


@pytest.mark.parametrize("stored", GARBAGE)
def test_pinterest_malformed_cursor_reads_as_absent(stored: object) -> None:
    assert BoardsCursor.load({"boards": stored, "pins": stored}) == BoardsCursor()


def test_x_cursors_round_trip() -> None:
    cursors = {
        USER: dump_user("Hanbit_Gu", "42"),
        TWEETS: dump_tweets("1001", ["900", "950"]),
        MENTIONS: dump_since("1002"),
        CONVERSATIONS: dump_conversations("1003", "950"),
        RECENT: dump_recent(["900"]),
    }
    stored = XCursors.load(cursors)
    assert stored == XCursors(
        recent=frozenset({"900"}), user_name="Hanbit_Gu", user_id="42", tweets_since="1001",
        posts=("900", "950"), mentions_since="1002", conversations_since="1003",
        roots_until=950,
    )  # fmt: skip
    assert stored.cached_user_id("hanbit_gu") == "42"
    assert stored.cached_user_id("someone_else") is None


@pytest.mark.parametrize("stored", GARBAGE)
def test_x_malformed_cursor_reads_as_absent(stored: object) -> None:
    streams = (USER, TWEETS, MENTIONS, CONVERSATIONS, RECENT)
    assert XCursors.load(dict.fromkeys(streams, stored)) == XCursors()


def test_x_ids_that_are_not_digits_read_as_absent() -> None:
    stored = XCursors.load({TWEETS: {"since_id": "12a"}, USER: {"username": "a", "id": 42}})
    assert stored.tweets_since is None
    assert stored.cached_user_id("a") is None
