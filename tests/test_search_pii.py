"""Search never matches personal data that the inbox shows masked (issue 13, item 7).

Each kind of personal data the masker knows is stored in a comment of 주차관리과 and
searched, by a viewer, a department officer of 주차관리과 and an admin, on SQLite and
PostgreSQL: the comment's other words find it, fragments of its personal data do not.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from alembic import command

from aggregator import pii
from aggregator.db import alembic_config, upgrade
from aggregator.records import Batch, CommentRecord
from aggregator.search_text import parse_query
from aggregator.store import Store, privacy, search
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.fixtures_web import DEPARTMENTS, T0, Web

PERSONAL = {
    "휴대전화": ("가로등 고장 010-0764-3833 연락 바랍니다", ["0764", "3833", "010-0764-3833"]),
    "주민등록번호": ("가로등 신청 900101-1234567 입니다", ["900101", "1234567"]),
    "전화번호": ("가로등 문의 02-2670-3114 전화 주세요", ["2670", "3114", "02-2670-3114"]),
    "이메일": ("가로등 답변은 minwon.kim@mailbox.kr 으로", ["minwon", "mailbox", "minwon.kim"]),
    "주소": ("가로등 위치 당산로 123 앞입니다", ["당산로", "당산", "당산로 123"]),
}
"""Per kind: a comment with one piece of it (and the word 가로등), and search fragments."""
ROLES = ("viewer", "department", "admin")


def _add(web: Web, key: str, text: str) -> int:
    """Store a comment and assign it to 주차관리과 (so the department officer sees it)."""
    account = web.store.sync.ensure_account("fb-page", "facebook")
    comment = CommentRecord(
        platform="facebook", external_id=key, created_at=T0 + timedelta(hours=9),
        text=text, post_external_id="p1", author_name="주민",
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(comment,)))
    with web.store.engine.connect() as conn:
        found = conn.exec_driver_sql(f"SELECT id FROM comment WHERE external_id = '{key}'")
        comment_id = int(found.scalar_one())
    actor = Actor("admin1", Role.ADMIN)
    context = ReviewContext(now=web.store.clock(), departments=DEPARTMENTS)
    assign = ReviewAction(kind="assign_department", department=DEPARTMENTS[0])
    assert web.store.inbox.review(actor, [comment_id], assign, context).done == [comment_id]
    return comment_id


def _finds(client: Any, query: str, comment_id: int) -> bool:
    page = client.get("/inbox", params={"q": query})
    assert page.status_code == 200
    return f'href="/comments/{comment_id}?list=' in page.text  # the link keeps the list


@pytest.mark.parametrize("kind", list(PERSONAL))
def test_search_does_not_match_masked_personal_data(web: Web, kind: str) -> None:
    text, fragments = PERSONAL[kind]
    assert [f.kind for f in pii.find(text)] == [kind]
    comment_id = _add(web, "pii", text)
    for role in ROLES:
        client = web.client(role)
        assert _finds(client, "가로등", comment_id), role
        for fragment in fragments:
            assert not _finds(client, fragment, comment_id), (role, fragment)


def test_an_edited_comment_is_searched_by_its_new_masked_text(web: Web) -> None:
    comment_id = _add(web, "edited", "가로등 고장 010-0764-3833 연락 바랍니다")
    account = web.store.sync.ensure_account("fb-page", "facebook")
    edited = CommentRecord(
        platform="facebook", external_id="edited", created_at=T0 + timedelta(hours=9),
        text="가로등 고장 010-5511-2290 신호등 연락", post_external_id="p1", author_name="주민",
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(edited,)))
    client = web.client("viewer")
    assert _finds(client, "신호등", comment_id)
    for fragment in ("0764", "5511", "2290"):
        assert not _finds(client, fragment, comment_id), fragment


def test_one_digit_query_words_are_ignored() -> None:
    assert parse_query("7 앞").singles == ("앞",)


def _ids(store: Store, query: str) -> list[int]:
    rows, _next = store.inbox.inbox_page(InboxFilter(query=query), Scope(), Deadlines(T0, T0))
    return [row["id"] for row in rows]


def _indexed(store: Store, query: str) -> list[int]:
    """Ids the search index finds, read without the inbox's query (which needs the head
    schema: a database downgraded below 0010 has no answers)."""
    with store.engine.connect() as conn:
        return list(conn.execute(search.matching_ids(conn, parse_query(query))).scalars())


def test_migration_0009_reindexes_stored_comments_without_their_personal_data(
    db_url: str, store: Store
) -> None:
    account = store.sync.ensure_account("blog-a", "blog")
    comment = CommentRecord(
        platform="blog", external_id="c1", created_at=T0, text=PERSONAL["휴대전화"][0],
        post_external_id="p1", author_name="주민",
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="t", comments=(comment,)))
    (comment_id,) = _ids(store, "가로등")
    command.downgrade(alembic_config(db_url), "0008")
    assert _indexed(store, "0764") == [comment_id]  # indexed whole, as before 0009
    upgrade(db_url)
    assert _ids(store, "0764") == []
    assert _ids(store, "가로등") == [comment_id]
    edited = replace(comment, text="신호등 고장 010-5511-2290")
    store.sync.apply_batch(account, Batch(stream="t", comments=(edited,)))  # unindexes 0009's entry
    assert _ids(store, "가로등") == []
    assert _ids(store, "0764") == _ids(store, "5511") == []
    assert _ids(store, "신호등") == [comment_id]


def test_a_privacy_deletion_leaves_no_index_entry_of_a_masked_comment(store: Store) -> None:
    account = store.sync.ensure_account("blog-a", "blog")
    comment = CommentRecord(
        platform="blog", external_id="c1", created_at=T0, text=PERSONAL["주소"][0],
        post_external_id="p1", author_name="주민",
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="t", comments=(comment,)))
    (comment_id,) = _ids(store, "가로등")
    with store.engine.begin() as conn:
        privacy.delete_comments(conn, [comment_id])
        assert conn.execute(search.matching_ids(conn, parse_query("가로등"))).all() == []
