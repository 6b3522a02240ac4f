"""The store's invariants, on SQLite and PostgreSQL (the `store` fixture runs on both)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.models import Comment, ContentRevision, Post, Review, ReviewNote, ReviewTag
from aggregator.records import Batch, CommentKind, CommentRecord, PostRecord
from aggregator.store import Store
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def post(n: int, text: str = "구청 소식", **extra: object) -> PostRecord:
    return PostRecord(
        platform="blog", external_id=f"p{n}", created_at=T0 + timedelta(hours=n),
        text=text, title=f"공지 {n}", url=f"https://blog.example/{n}", **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def comment(n: int, post_n: int = 1, text: str | None = None, **extra: object) -> CommentRecord:
    return CommentRecord(
        platform="blog", external_id=f"c{n}", created_at=T0 + timedelta(hours=n, minutes=5),
        text=text or f"불법주차 민원 {n}", post_external_id=f"p{post_n}",
        author_name=f"주민{n}", **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def batch(
    posts: list[PostRecord] | None = None,
    comments: list[CommentRecord] | None = None,
    cursor: dict[str, object] | None = None,
) -> Batch:
    return Batch(
        stream="test", posts=tuple(posts or ()), comments=tuple(comments or ()),
        cursor_updates=cursor or {},
    )  # fmt: skip


@pytest.fixture
def account_id(store: Store) -> int:
    return store.sync.ensure_account("blog-a", "blog")


def table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def rows(store: Store, model: type, *order: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        query = sa.select(table(model)).order_by(*[table(model).c[o] for o in order])
        return [dict(r._mapping) for r in conn.execute(query)]


def test_resync_of_the_same_batch_creates_no_duplicates(store: Store, account_id: int) -> None:
    records = batch([post(1), post(2)], [comment(1), comment(2), comment(3, post_n=2)])
    first = store.sync.apply_batch(account_id, records)
    second = store.sync.apply_batch(account_id, records)
    assert (first.posts.new, first.comments.new) == (2, 3)
    assert (second.posts.new, second.posts.updated, second.posts.unchanged) == (0, 0, 2)
    assert (second.comments.new, second.comments.updated, second.comments.unchanged) == (0, 0, 3)
    assert store.sync.count_rows("post") == 2
    assert store.sync.count_rows("comment") == 3


def test_duplicate_keys_inside_one_batch_keep_the_last(store: Store, account_id: int) -> None:
    result = store.sync.apply_batch(
        account_id, batch([post(1)], [comment(1, text="처음"), comment(1, text="나중")])
    )
    assert result.comments.new == 1
    assert [r["text"] for r in rows(store, Comment, "id")] == ["나중"]


def test_unchanged_resync_writes_nothing(store: Store, account_id: int, clock: FakeClock) -> None:
    records = batch([post(1)], [comment(1)])
    store.sync.apply_batch(account_id, records)
    before = rows(store, Comment, "id") + rows(store, Post, "id")
    clock.advance(hours=1)
    store.sync.apply_batch(account_id, records)
    assert rows(store, Comment, "id") + rows(store, Post, "id") == before
    assert rows(store, ContentRevision, "id") == []


def test_unchanged_item_refreshes_last_seen_at_most_daily(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    store.sync.apply_batch(account_id, batch([post(1)]))
    clock.advance(hours=25)
    result = store.sync.apply_batch(account_id, batch([post(1)]))
    assert result.posts.unchanged == 1
    stored = rows(store, Post, "id")[0]
    assert stored["last_seen_at"] == clock.now
    assert stored["first_seen_at"] == clock.now - timedelta(hours=25)


def test_text_change_keeps_the_old_text_as_a_revision(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    store.sync.apply_batch(account_id, batch([post(1)], [comment(1, text="주차 문의드립니다")]))
    clock.advance(hours=2)
    result = store.sync.apply_batch(
        account_id, batch([], [comment(1, text="주차 문의드립니다 (수정)")])
    )
    assert result.comments.updated == 1
    [revision] = rows(store, ContentRevision, "id")
    assert revision["item_type"] == "comment"
    assert revision["text"] == "주차 문의드립니다"
    assert revision["replaced_at"] == clock.now
    [stored] = rows(store, Comment, "id")
    assert stored["text"] == "주차 문의드립니다 (수정)"
    assert stored["content_seen_at"] == clock.now


def test_metric_change_updates_without_a_revision(store: Store, account_id: int) -> None:
    store.sync.apply_batch(account_id, batch([post(1, comment_count=1)]))
    result = store.sync.apply_batch(account_id, batch([post(1, comment_count=4)]))
    assert result.posts.updated == 1
    assert rows(store, Post, "id")[0]["comment_count"] == 4
    assert rows(store, ContentRevision, "id") == []


def test_resync_never_changes_staff_review_state(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    store.sync.apply_batch(account_id, batch([post(1)], [comment(1)]))
    comment_id = rows(store, Comment, "id")[0]["id"]
    review = {
        "comment_id": comment_id, "status": "부서배정", "department": "주차관리과",
        "assignee": "김주무관", "deadline": T0 + timedelta(days=3), "updated_at": T0,
        "updated_by": "홍보과", "comment_created_at": T0 + timedelta(hours=1, minutes=5),
    }  # fmt: skip
    note = {"comment_id": comment_id, "author": "홍보과", "body": "현장 확인", "created_at": T0}
    with store.engine.begin() as conn:
        conn.execute(sa.insert(table(Review)).values(review))
        conn.execute(sa.insert(table(ReviewTag)).values(comment_id=comment_id, tag="주차"))
        conn.execute(sa.insert(table(ReviewNote)).values(note))
    staff_state = [rows(store, m, "comment_id") for m in (Review, ReviewTag, ReviewNote)]
    clock.advance(days=2)
    store.sync.apply_batch(
        account_id, batch([post(1, text="수정된 본문")], [comment(1, text="수정됨")])
    )
    store.sync.apply_batch(
        account_id, batch([post(1, text="수정된 본문")], [comment(1, text="수정됨")])
    )
    assert [rows(store, m, "comment_id") for m in (Review, ReviewTag, ReviewNote)] == staff_state


def test_records_and_cursor_commit_together_or_not_at_all(
    store: Store, account_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: object) -> None:
        raise RuntimeError("crash between records and cursor")

    monkeypatch.setattr(store.sync, "_write_cursors", crash)
    with pytest.raises(RuntimeError):
        store.sync.apply_batch(account_id, batch([post(1)], [comment(1)], {"posts": {"etag": "x"}}))
    assert store.sync.count_rows("post") == 0
    assert store.sync.count_rows("comment") == 0
    assert store.sync.cursors(account_id) == {}


def test_cursor_is_stored_and_replaced(store: Store, account_id: int) -> None:
    store.sync.apply_batch(account_id, batch([post(1)], cursor={"posts": {"etag": "a"}}))
    store.sync.apply_batch(
        account_id, batch([], cursor={"posts": {"etag": "b"}, "comments": {"since": 5}})
    )
    assert store.sync.cursors(account_id) == {"posts": {"etag": "b"}, "comments": {"since": 5}}


def test_comment_stored_before_its_post_is_linked_when_the_post_arrives(
    store: Store, account_id: int
) -> None:
    store.sync.apply_batch(account_id, batch([], [comment(1, post_n=7)]))
    assert rows(store, Comment, "id")[0]["post_id"] is None
    store.sync.apply_batch(account_id, batch([post(7)]))
    post_id = rows(store, Post, "id")[0]["id"]
    assert rows(store, Comment, "id")[0]["post_id"] == post_id


def test_replies_keep_parent_and_owner_marks(store: Store, account_id: int) -> None:
    reply = comment(2, text="안녕하세요, 구청입니다.", parent_external_id="c1",
                    kind=CommentKind.REPLY, by_account_owner=True)  # fmt: skip
    store.sync.apply_batch(account_id, batch([post(1)], [comment(1), reply]))
    stored = {r["external_id"]: r for r in rows(store, Comment, "id")}
    assert stored["c2"]["parent_external_id"] == "c1"
    assert stored["c2"]["kind"] == "reply"
    assert stored["c2"]["by_account_owner"] is True
    assert stored["c1"]["by_account_owner"] is False


def test_times_are_stored_and_read_back_as_utc(store: Store, account_id: int) -> None:
    from zoneinfo import ZoneInfo

    seoul = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    record = PostRecord(platform="blog", external_id="kst", created_at=seoul, text="x")
    store.sync.apply_batch(account_id, batch([record]))
    stored = rows(store, Post, "id")[0]["created_at"]
    assert stored == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_rejected_by_records() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PostRecord(platform="blog", external_id="x", created_at=datetime(2026, 1, 1), text="")


def test_an_account_keeps_its_platform(store: Store, account_id: int) -> None:
    assert store.sync.ensure_account("blog-a", "blog") == account_id
    with pytest.raises(ValueError, match="stored as blog"):
        store.sync.ensure_account("blog-a", "facebook")


def test_the_same_external_id_on_two_platforms_is_two_items(store: Store, account_id: int) -> None:
    other = store.sync.ensure_account("fb", "facebook")
    store.sync.apply_batch(account_id, batch([post(1)]))
    fb_post = PostRecord(platform="facebook", external_id="p1", created_at=T0, text="x")
    store.sync.apply_batch(other, batch([fb_post]))
    assert store.sync.count_rows("post") == 2


def test_a_known_parent_is_kept_when_a_later_payload_lacks_it(
    store: Store, account_id: int
) -> None:
    threaded = comment(2, parent_external_id="c1", kind=CommentKind.REPLY)
    store.sync.apply_batch(account_id, batch([post(1)], [comment(1), threaded]))
    result = store.sync.apply_batch(account_id, batch([], [comment(2, post_n=1)]))
    assert result.comments.unchanged == 1
    stored = {r["external_id"]: r for r in rows(store, Comment, "id")}
    assert stored["c2"]["parent_external_id"] == "c1"
    assert stored["c2"]["kind"] == "reply"


def test_the_first_stored_created_at_is_kept(store: Store, account_id: int) -> None:
    store.sync.apply_batch(account_id, batch([post(1)], [comment(1)]))
    moved = CommentRecord(
        platform="blog", external_id="c1", created_at=T0 + timedelta(days=9),
        text="불법주차 민원 1", post_external_id="p1", author_name="주민1",
    )  # fmt: skip
    store.sync.apply_batch(account_id, batch([], [moved]))
    assert rows(store, Comment, "id")[0]["created_at"] == comment(1).created_at


def test_presence_marks_comments_gone_upstream_and_never_deletes_them(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    from aggregator.records import Presence

    store.sync.apply_batch(
        account_id, batch([post(1), post(2)], [comment(1), comment(2), comment(3, 2)])
    )
    gone = Batch(stream="t", presence=(Presence(frozenset({"c1"}), post_external_id="p1"),))
    assert store.sync.apply_batch(account_id, gone).marked_deleted == 1
    stored = {r["external_id"]: r for r in rows(store, Comment, "id")}
    assert stored["c2"]["deleted_upstream_at"] == clock.now
    assert stored["c1"]["deleted_upstream_at"] is None
    assert stored["c3"]["deleted_upstream_at"] is None, "another post's comments are untouched"
    back = Batch(stream="t", presence=(Presence(frozenset({"c1", "c2"}), post_external_id="p1"),))
    store.sync.apply_batch(account_id, back)
    assert all(r["deleted_upstream_at"] is None for r in rows(store, Comment, "id"))


def test_presence_of_a_thread_larger_than_a_statement_chunk_marks_exactly_the_missing(
    store: Store, account_id: int
) -> None:
    from aggregator.records import Presence
    from aggregator.store.presence import CHUNK

    many = [comment(n) for n in range(CHUNK * 2 + 7)]
    store.sync.apply_batch(account_id, batch([post(1)], many))
    kept = frozenset(c.external_id for c in many[CHUNK + 3 :])  # more gone than one chunk
    gone = Batch(stream="t", presence=(Presence(kept, post_external_id="p1"),))
    assert store.sync.apply_batch(account_id, gone).marked_deleted == CHUNK + 3
    marked = {r["external_id"] for r in rows(store, Comment, "id") if r["deleted_upstream_at"]}
    assert marked == {c.external_id for c in many[: CHUNK + 3]}
    every = frozenset(c.external_id for c in many)
    store.sync.apply_batch(
        account_id, Batch(stream="t", presence=(Presence(every, post_external_id="p1"),))
    )
    assert all(r["deleted_upstream_at"] is None for r in rows(store, Comment, "id"))


def test_presence_of_posts_since_marks_only_the_window(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    from aggregator.records import Presence

    store.sync.apply_batch(account_id, batch([post(1), post(5), post(6)]))
    window = Presence(frozenset({"p6"}), since=T0 + timedelta(hours=4))
    store.sync.apply_batch(account_id, Batch(stream="t", presence=(window,)))
    marks = {r["external_id"]: r["deleted_upstream_at"] for r in rows(store, Post, "id")}
    assert marks == {"p1": None, "p5": clock.now, "p6": None}


def test_month_usage_counts_runs_since_the_month_began_in_seoul(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 23:00 KST, October
    october = store.sync.start_run(account_id, "cron")
    store.sync.finish_run(october, {"status": "ok", "units_read": 100, "estimated_cost": 0.5})
    clock.now = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 00:30 KST, November 1st
    november = store.sync.start_run(account_id, "cron")
    store.sync.finish_run(november, {"status": "ok", "units_read": 7, "estimated_cost": 0.035})
    usage = store.sync.month_usage(account_id, "Asia/Seoul")
    assert usage.units_read == 7
    assert usage.cost == pytest.approx(0.035)


def test_a_source_without_counts_keeps_the_known_count_and_metrics(
    store: Store, account_id: int
) -> None:
    store.sync.apply_batch(account_id, batch([post(1, comment_count=4, metrics={"likes": 9})]))
    result = store.sync.apply_batch(account_id, batch([post(1)]))
    assert result.posts.unchanged == 1
    stored = rows(store, Post, "id")[0]
    assert (stored["comment_count"], stored["metrics"]) == (4, {"likes": 9})


def _store_sample(url: str, clock: FakeClock) -> tuple[list[Any], list[Any], list[Any]]:
    """Store posts and comments (insert, then an update) and read every column back:
    through Core (typed) and as the raw stored SQLite values."""
    from zoneinfo import ZoneInfo

    from aggregator.db import create_db_engine

    seoul, new_york = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
    engine = create_db_engine(url)
    store = Store(engine, clock=clock)
    account = store.sync.ensure_account("blog-a", "blog")
    korean = {
        "message": "영등포구청 앞 불법주차 😀", "tags": ["주차", None, 1.5, True],
        "n": {"깊이": [1, {"a": "b\\\"\n"}]},
    }  # fmt: skip
    posts = [
        post(1, metrics={"좋아요": 3}, raw=korean, comment_count=2, hidden_upstream=True),
        replace(post(2), created_at=datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=seoul),
                updated_at=datetime(2026, 11, 2, 1, 2, 3, tzinfo=new_york)),
    ]  # fmt: skip
    comments = [
        comment(1, raw=korean, metrics={}),
        replace(comment(2), created_at=datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=seoul),
                by_account_owner=True, kind=CommentKind.REPLY, parent_external_id="c1"),
        comment(3, post_n=9, text="글이 없는 댓글", hidden_upstream=True, raw=korean),
    ]  # fmt: skip
    store.sync.apply_batch(account, batch(posts, comments))
    clock.advance(days=2)
    store.sync.apply_batch(
        account, batch([post(1, text="고친 글")], [comment(1, text="고친 댓글")])
    )
    read: list[list[Any]] = [[], [], []]
    with engine.connect() as conn:
        for model in (Post, Comment, ContentRevision):
            read[0].append([dict(r._mapping) for r in conn.execute(sa.select(table(model)))])
            name = table(model).name
            read[1].append(conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY id").all())
            types = ", ".join(f"typeof({c.name})" for c in table(model).c)
            read[2].append(conn.exec_driver_sql(f"SELECT {types} FROM {name} ORDER BY id").all())
    engine.dispose()
    return read[0], read[1], read[2]


def test_the_sqlite_driver_upsert_stores_exactly_what_sqlalchemy_stores(
    tmp_path: Any, sqlite_template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from aggregator.store import upsert

    urls = []
    for name in ("driver", "core"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.db")
        urls.append(f"sqlite:///{tmp_path / name}.db")
    start = datetime(2026, 11, 20, 0, 0, 0, 654321, tzinfo=UTC)
    driver = _store_sample(urls[0], FakeClock(start))
    monkeypatch.setattr(upsert, "_sqlite_plan", lambda *args: None)  # SQLAlchemy's statement
    core = _store_sample(urls[1], FakeClock(start))
    assert driver == core
    posts, comments, revisions = driver[0]
    assert comments[2]["raw"]["message"] == "영등포구청 앞 불법주차 😀"
    assert posts[0]["metrics"] == {"좋아요": 3}
    assert posts[1]["created_at"] == datetime(2026, 11, 2, 0, 0, 0, 123456, tzinfo=UTC)
    assert comments[1]["created_at"] == datetime(1999, 12, 31, 14, 59, 59, 999999, tzinfo=UTC)
    assert comments[0]["text"] == "고친 댓글"
    assert len(revisions) == 2


def test_the_sqlite_driver_upsert_is_used_for_posts_and_comments() -> None:
    from sqlalchemy.dialects import sqlite

    from aggregator.store import bulk_insert, upsert
    from aggregator.store.tables import COMMENT, POST

    dialect = sqlite.dialect()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for tbl, row, columns in (
        (POST, upsert._post_row(1, post(1), now), upsert.POST_SOURCE_COLUMNS),
        (COMMENT, upsert._comment_row(1, comment(1), now), upsert.COMMENT_SOURCE_COLUMNS),
    ):
        assert upsert._sqlite_plan(dialect, tbl, tuple(row), columns) is not None
    with pytest.raises(ValueError, match="naive"):
        bulk_insert.sqlite_datetime(datetime(2026, 11, 1))


def test_new_comments_among_changed_ones_get_their_own_ids_in_index_and_open_items(
    store: Store, account_id: int
) -> None:
    """The ids of a batch's new rows (on SQLite worked out from the largest id before the
    insert) reach the search index and the open items of the right comments."""
    words = {1: "가로등", 2: "놀이터", 3: "소음", 4: "쓰레기", 5: "보도블록"}
    store.sync.apply_batch(account_id, batch(comments=[comment(n, text=words[n]) for n in (1, 2)]))
    mixed = [comment(3, text=words[3]), comment(1, text="가로등 수리"), comment(4, text=words[4]),
             comment(2, text=words[2]), comment(5, text=words[5])]  # fmt: skip
    store.sync.apply_batch(account_id, batch(comments=mixed))
    with store.engine.connect() as conn:
        ids = dict(conn.execute(sa.select(table(Comment).c.external_id, table(Comment).c.id)).all())
        open_ids = set(conn.exec_driver_sql("SELECT comment_id FROM open_item").scalars())
    assert open_ids == set(ids.values())
    for n, word in words.items():
        found, _ = store.inbox.inbox_page(InboxFilter(query=word), Scope(), Deadlines(T0, T0))
        assert [row["id"] for row in found] == [ids[f"c{n}"]], word
