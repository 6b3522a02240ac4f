"""The demo's answers in simulated time: the store runs on the sandbox's clock, so a reply
the platform accepted just before a crash is found by the read-back, never posted twice,
and its `posted_at` is the sandbox's moment (on every platform that takes answers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.answers.worker import AnswerWorker
from aggregator.config import Settings, load_settings, parse_settings
from aggregator.demo import demo_store
from aggregator.demo_desk import TEMPLATES, DemoDesk, answering_accounts
from aggregator.http import HttpClient
from aggregator.runner import http_settings, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config, write_config
from aggregator.store import Store
from aggregator.store.tables import ACCOUNT, ANSWER, COMMENT
from aggregator.workflow import Actor, Role
from connectors.common.reply import PostedReply, ReplyTarget, ReplyWriter
from connectors.writers import writer_for

OFFICE = Actor("demo-office", Role.COMMUNICATIONS)


ANSWERING_ACCOUNTS = ("facebook-page", "x-account", "wordpress-news", "instagram", "youtube")
"""The sandbox accounts with write credentials (their answers are posted by the worker)."""


class Killed(BaseException):
    """The process died (kill -9) right after the platform accepted the reply."""


class DiesAfterPosting:
    """A real writer whose process dies once the platform holds the reply."""

    def __init__(self, writer: ReplyWriter) -> None:
        self.writer = writer

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        self.writer.post_reply(target, text)
        raise Killed

    def find_reply(self, target: ReplyTarget, text: str, since: Any) -> PostedReply | None:
        return self.writer.find_reply(target, text, since)


@pytest.fixture
def world(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[Sandbox, Settings, Store]]:
    """A rewound sandbox (like the demo's) and the demo's store on its clock, synced once."""
    with Sandbox(seed=7, comments=480, speed=0, rewind_days=5) as sandbox:
        config = write_config(tmp_path / "demo.yaml", sandbox.url("/"), sqlite_url)
        settings = load_settings(config, environ=SANDBOX_ENV)
        store = demo_store(settings, sqlite_url, sandbox)
        accounts = [settings.account(n) for n in ANSWERING_ACCOUNTS]
        sync_accounts(store, settings, accounts, "manual")
        yield sandbox, settings, store
        store.close()


def resident_comment(store: Store, account: str) -> int:
    query = (
        sa.select(COMMENT.c.id)
        .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .where(ACCOUNT.c.name == account, COMMENT.c.by_account_owner.is_(False))
        .order_by(COMMENT.c.created_at.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def answer_row(store: Store, answer_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()._mapping)


def worker(store: Store, settings: Settings, dies: bool) -> AnswerWorker:
    def factory(account: Any, http: HttpClient) -> ReplyWriter | None:
        found = writer_for(account, http)
        return DiesAfterPosting(found) if dies and found is not None else found

    return AnswerWorker(store, settings, HttpClient(settings=http_settings(settings)), factory)


@pytest.mark.parametrize("account", ANSWERING_ACCOUNTS)
def test_a_reply_accepted_before_a_crash_is_found_in_simulated_time(
    world: tuple[Sandbox, Settings, Store], account: str
) -> None:
    sandbox, settings, store = world
    comment_id = resident_comment(store, account)
    text = f"확인 후 안내드리겠습니다. (No.{comment_id})"
    answer_id = AnswerService(store, settings.answers).write(OFFICE, comment_id, "first", text)
    with pytest.raises(Killed):
        worker(store, settings, dies=True).run()
    assert answer_row(store, answer_id)["state"] == "sending"
    sandbox.advance(5)  # the worker runs again a few (simulated) minutes later
    report = worker(store, settings, dies=False).run()
    assert report.outcomes == {"recovered": 1}
    row = answer_row(store, answer_id)
    assert row["state"] == "posted"
    assert row["posted_at"] == sandbox.now()
    sync_accounts(store, settings, [settings.account(account)], "manual")
    with store.engine.connect() as conn:
        query = sa.select(COMMENT.c.id, COMMENT.c.created_at).where(COMMENT.c.text == text)
        [(reply_id, replied_at)] = conn.execute(query).all()  # on the platform once
    assert answer_row(store, answer_id)["reply_comment_id"] == reply_id
    assert row["posted_at"] - replied_at <= timedelta(minutes=5)


def test_the_demo_templates_are_valid_and_seeded_once(
    world: tuple[Sandbox, Settings, Store],
) -> None:
    sandbox, settings, store = world
    desk = DemoDesk(store, settings, sandbox, every_hours=3)
    desk.seed_templates()
    desk.seed_templates()  # a second demo run over the same database
    listed = AnswerService(store, settings.answers).template_list(OFFICE)
    assert sorted(t["title"] for t in listed) == sorted(title for title, _d, _b in TEMPLATES)
    departments = {t["department"] for t in listed} - {None}
    assert departments <= set(settings.answers.phones)  # every departmental one has a phone


def test_the_sandbox_config_posts_on_the_five_writing_accounts_and_names_the_phones() -> None:
    settings = parse_settings(
        render_config("http://127.0.0.1:1/"), source="sandbox config", environ=SANDBOX_ENV
    )
    writers = {a.name for a in settings.accounts if writer_for(a, HttpClient()) is not None}
    assert writers == set(ANSWERING_ACCOUNTS)  # the others copy and confirm
    assert answering_accounts(settings) == writers  # the demo desk posts on exactly these
    assert settings.answers.phone_for("주차관리과") == "02-1234-5110"
    assert settings.answers.phone_for("소통담당관") == settings.answers.office_phone != ""
