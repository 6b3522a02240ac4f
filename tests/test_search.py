"""Korean search on SQLite (FTS5) and PostgreSQL (tsvector): bigram phrases, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.search_text import index_text, parse_query
from aggregator.store import Store, inbox_query
from aggregator.store.checks import ManualComment
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TEXTS = {
    "c1": "영등포구청 앞 불법주차 때문에 너무 불편합니다",
    "c2": "밤마다 공사 소음이 심해요",
    "c3": "민원 넣었는데 답이 없네요",
    "c4": "놀이터 주차장에 쓰레기가 쌓였어요",
    "c5": "주 차 라고 띄어 쓰면 다른 말",
    "c6": "Parking 문제 PARKING lot",
}


def _store_texts(store: Store, texts: dict[str, str]) -> None:
    account = store.sync.ensure_account("blog-a", "blog")
    comments = [
        CommentRecord(
            platform="blog", external_id=key, created_at=T0 + timedelta(minutes=n),
            text=text, post_external_id="p1", author_name="주민",
        )
        for n, (key, text) in enumerate(texts.items())
    ]  # fmt: skip
    post = PostRecord(platform="blog", external_id="p1", created_at=T0, text="공지")
    store.sync.apply_batch(account, Batch(stream="t", posts=(post,), comments=tuple(comments)))


def _found(store: Store, query: str, **filters: object) -> list[str]:
    f = InboxFilter(query=query, **filters)  # type: ignore[arg-type]
    rows, _next = store.inbox.inbox_page(f, Scope(), Deadlines(T0, T0), limit=50)
    return [row["external_id"] for row in rows]


def test_index_text_is_bigrams_per_word_with_breaks() -> None:
    assert index_text("불법주차 신고!") == "불법 법주 주차 qqq 신고"
    assert index_text("차 한 대") == ""


def test_query_words_become_phrases_and_singles() -> None:
    query = parse_query("주차장에 차")
    assert query.phrases == (("주차", "차장", "장에"),)
    assert query.singles == ("차",)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("주차", ["c4", "c1"]),  # 2 syllables inside longer words: 불법주차, 주차장에
        ("소음", ["c2"]),
        ("민원", ["c3"]),
        ("불법주차", ["c1"]),
        ("놀이터", ["c4"]),  # 3 syllables
        ("주차장에", ["c4"]),  # with the particle
        ("주차장", ["c4"]),
        ("parking", ["c6"]),  # case-insensitive Latin
        ("주차 불편", ["c1"]),  # every word must match
        ("차장", ["c4"]),
        ("주차량", []),  # no phrase across words
    ],
)
def test_search_finds_words_anywhere(store: Store, query: str, expected: list[str]) -> None:
    _store_texts(store, TEXTS)
    assert _found(store, query) == expected


def test_one_character_queries_fall_back_to_like(store: Store) -> None:
    _store_texts(store, TEXTS)
    assert _found(store, "앞") == ["c1"]


def test_edited_text_is_reindexed(store: Store) -> None:
    _store_texts(store, TEXTS)
    _store_texts(store, {**TEXTS, "c2": "이제 조용합니다"})
    assert _found(store, "소음") == []
    assert _found(store, "조용") == ["c2"]


def test_hand_entered_comments_are_searchable(store: Store) -> None:
    _store_texts(store, TEXTS)
    post_id = store.inbox.find_post("p1")
    assert post_id is not None
    comment = ManualComment(post_id, "주민", "핀터레스트에 남긴 악취 민원", T0 + timedelta(hours=1))
    store.inbox.add_manual_comments([comment], "홍보과")
    assert _found(store, "악취") == [store_key(store, "악취")]


def store_key(store: Store, word: str) -> str:
    rows, _ = store.inbox.inbox_page(InboxFilter(query=word), Scope(), Deadlines(T0, T0))
    return str(rows[0]["external_id"])


def test_search_pages_newest_first_past_the_probe_window(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_query, "SEARCH_WINDOW", 4)
    texts = {f"k{n}": ("불법주차 신고" if n % 5 == 0 else "다른 이야기") for n in range(30)}
    _store_texts(store, texts)
    expected = [f"k{n}" for n in range(25, -1, -5)]
    first, cursor = store.inbox.inbox_page(
        InboxFilter(query="주차"), Scope(), Deadlines(T0, T0), limit=4
    )
    assert cursor is not None
    rest, end = store.inbox.inbox_page(
        InboxFilter(query="주차"), Scope(), Deadlines(T0, T0), cursor=cursor, limit=4
    )
    assert [r["external_id"] for r in first + rest] == expected
    assert end is None


def test_search_combines_with_filters(store: Store) -> None:
    _store_texts(store, TEXTS)
    assert _found(store, "주차", platform="facebook") == []
    assert _found(store, "주차", platform="blog") == ["c4", "c1"]
