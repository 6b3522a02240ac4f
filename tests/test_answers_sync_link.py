"""The sync links the district's reply it reads back to its outbox answer (same external
id), so it is not a second answer; replies staff posted on the platform stay answers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aggregator.answers.worker import AnswerWorker
from aggregator.http import HttpClient
from aggregator.records import Batch, CommentRecord
from aggregator.store.tables import ANSWER
from tests.answer_writers import FakePlatform
from tests.fixtures_web import Web
from tests.test_answers_worker import approved, settings


def synced_owner_reply(web: Web, external_id: str, parent: str) -> None:
    account = web.store.sync.ensure_account("fb-page", "facebook")
    reply = CommentRecord(
        platform="facebook", external_id=external_id, created_at=web.store.clock(),
        text="안내드립니다", post_external_id="p1", parent_external_id=parent,
        by_account_owner=True,
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(reply,)))


def reply_ids(web: Web, key: str) -> dict[str, Any]:
    found = web.store.inbox.thread(web.ids[key])
    assert found is not None
    return {r["external_id"]: r["answer_id"] for r in found["replies"]}


def test_the_synced_reply_is_linked_to_its_answer(web: Web, clock: Any) -> None:
    answer_id = approved(web)
    platform = FakePlatform(clock)
    AnswerWorker(web.store, settings(), HttpClient(), platform.writer_for).run()
    synced_owner_reply(web, "c1_r1", "c1")
    with web.store.engine.connect() as conn:
        query = sa.select(ANSWER.c.reply_comment_id).where(ANSWER.c.id == answer_id)
        linked = conn.execute(query).scalar_one()
    assert linked is not None
    assert reply_ids(web, "c1") == {"c1_r1": answer_id}


def test_a_reply_read_back_before_the_answer_was_committed_is_linked_when_it_is(
    web: Web, clock: Any
) -> None:
    answer_id = approved(web)
    synced_owner_reply(web, "c1_r1", "c1")  # the sync ran between acceptance and commit
    platform = FakePlatform(clock)
    AnswerWorker(web.store, settings(), HttpClient(), platform.writer_for).run()
    assert reply_ids(web, "c1") == {"c1_r1": answer_id}


def test_a_reply_staff_posted_on_the_platform_stays_an_unlinked_answer(web: Web) -> None:
    assert reply_ids(web, "c2") == {"r1": None}
    found = web.store.inbox.thread(web.ids["c2"])
    assert found is not None
    assert found["item"]["answered"]


def test_linking_finds_answers_by_reply_id_without_walking_the_platforms_comments(
    sqlite_web: Web,
) -> None:
    """SQLite (no planner statistics) joined `answer` from every stored comment of the
    platform: a sync page's cost grew with the store. The reply-id index must lead."""
    plans: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT answer.id"):
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.extend(str(row[-1]) for row in rows)

    sa.event.listen(sqlite_web.store.engine, "before_cursor_execute", explain)
    account = sqlite_web.store.sync.ensure_account("fb-page", "facebook")
    replies = tuple(
        CommentRecord(
            platform="facebook",
            external_id=f"c1_r{n}",
            created_at=sqlite_web.store.clock(),
            text="안내드립니다",
            post_external_id="p1",
            parent_external_id="c1",
            by_account_owner=True,
        )
        for n in range(200)  # a sync page holds a couple of hundred of the district's replies
    )
    try:
        sqlite_web.store.sync.apply_batch(account, Batch(stream="t", comments=replies))
    finally:
        sa.event.remove(sqlite_web.store.engine, "before_cursor_execute", explain)
    assert plans, "the sync did not look for answers to link"
    assert "ix_answer_reply_external" in plans[0], plans
    assert not any("SCAN comment" in p or "ix_comment_platform" in p for p in plans), plans
