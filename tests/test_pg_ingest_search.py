"""Search pages are the same whichever way `page_ids` finds them: in the window of newest
rows, in a window that holds every row, or from the index when the window is not enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.store import Store, inbox_query
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TEXTS = [
    "싱크홀이 생겼어요",  # the oldest: only the index finds it behind a small window
    *("불법주차 신고합니다" if n % 3 == 0 else "공사 소음이 심해요" for n in range(20)),
]


@pytest.fixture
def searched(store: Store) -> Store:
    account = store.sync.ensure_account("blog-a", "blog")
    comments = tuple(
        CommentRecord(
            platform="blog", external_id=f"c{n}", created_at=T0 + timedelta(minutes=n),
            text=text, post_external_id="p1", author_name="주민",
        )
        for n, text in enumerate(TEXTS)
    )  # fmt: skip
    post = PostRecord(platform="blog", external_id="p1", created_at=T0, text="공지")
    store.sync.apply_batch(account, Batch(stream="t", posts=(post,), comments=comments))
    return store


def _pages(store: Store, query: str, limit: int) -> list[list[str]]:
    """Every page of a search, following the keyset cursor."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        rows, cursor = store.inbox.inbox_page(
            InboxFilter(query=query), Scope(), Deadlines(T0, T0), cursor, limit=limit
        )
        pages.append([row["external_id"] for row in rows])
        if cursor is None:
            return pages


def _expected(word: str, limit: int) -> list[list[str]]:
    newest_first = [f"c{n}" for n in reversed(range(len(TEXTS))) if word in TEXTS[n]]
    return [newest_first[i : i + limit] for i in range(0, len(newest_first), limit)] or [[]]


@pytest.mark.parametrize("window", [2000, 5, 2])
@pytest.mark.parametrize("word", ["주차", "소음", "싱크홀", "없는말"])
def test_search_pages_do_not_depend_on_the_window_size(
    searched: Store, monkeypatch: pytest.MonkeyPatch, window: int, word: str
) -> None:
    monkeypatch.setattr(inbox_query, "SEARCH_WINDOW", window)
    assert _pages(searched, word, limit=3) == _expected(word, 3)
