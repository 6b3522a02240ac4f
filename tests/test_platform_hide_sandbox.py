"""플랫폼에서도 숨김 through the answers worker against the sandbox over real HTTP, with the
real writers (`connectors.writers`): hide, then unhide when staff leave 숨김; the sandbox's
read endpoints show it. A refused request fails with the writer's Korean message and a
retry after the cause is gone succeeds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from aggregator.answers.worker import AnswerWorker
from aggregator.config import Settings, load_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpClient
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import ACCOUNT, COMMENT, EVENT, LOG, PLATFORM_ACTION, POST
from aggregator.web.upstream import hide_refusal, hideable_accounts
from aggregator.workflow import Actor, Role
from tests.fixtures_sandbox import LOOPBACK_HTTP

COMM = Actor("comm1", Role.COMMUNICATIONS)
ACCOUNTS = ("facebook-page", "x-account", "wordpress-news")


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)


@contextmanager
def synced_store(settings: Settings, url: str) -> Iterator[Store]:
    """A store at `url` with the sandbox's Facebook, X and WordPress accounts synced."""
    engine = create_db_engine(url)
    store = Store(engine)
    accounts = [settings.account(name) for name in ACCOUNTS]
    results = sync_accounts(store, settings, accounts, "test")
    assert [r.status for r in results] == ["ok"] * len(ACCOUNTS), results
    yield store
    engine.dispose()


@pytest.fixture
def synced(settings: Settings, db_url: str) -> Iterator[Store]:
    """Synced on SQLite and on PostgreSQL."""
    with synced_store(settings, db_url) as store:
        yield store


@pytest.fixture
def synced_sqlite(settings: Settings, sqlite_url: str) -> Iterator[Store]:
    """Synced on SQLite only (for the larger tables of cases)."""
    with synced_store(settings, sqlite_url) as store:
        yield store


def resident_comment(store: Store, account: str) -> dict[str, Any]:
    """A resident's comment of `account` that the platform lets the district hide (X: a
    reply in a conversation the district's post started)."""
    own_post = sa.exists().where(
        POST.c.account_id == COMMENT.c.account_id, POST.c.external_id == COMMENT.c.post_external_id
    )
    query = (
        sa.select(COMMENT.c.id, COMMENT.c.external_id)
        .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .where(ACCOUNT.c.name == account, COMMENT.c.by_account_owner.is_(False))
        .where(COMMENT.c.deleted_upstream_at.is_(None))
        .order_by(COMMENT.c.id.desc())
    )
    if account == "x-account":
        query = query.where(own_post, COMMENT.c.parent_external_id.is_not(None))
    if account == "wordpress-news":
        query = query.where(COMMENT.c.external_id.like("wp:%:comment:%"))
    with store.engine.connect() as conn:
        return dict(conn.execute(query.limit(1)).one()._mapping)


def context() -> ReviewContext:
    return ReviewContext(now=datetime.now(UTC), hideable_accounts=frozenset(ACCOUNTS))


def set_status(store: Store, comment_id: int, status: str, upstream: str | None = None) -> None:
    reason = "광고" if status == "숨김" else None
    action = ReviewAction(kind="status", status=status, reason=reason, upstream=upstream)
    result = store.inbox.review(COMM, [comment_id], action, context())
    assert not result.refused, result.refused


def press(store: Store, comment_id: int, kind: str) -> None:
    result = store.inbox.review(COMM, [comment_id], ReviewAction(kind=kind), context())
    assert not result.refused, result.refused


def run_worker(store: Store, settings: Settings) -> dict[str, int]:
    http = HttpClient(settings=LOOPBACK_HTTP)
    return dict(AnswerWorker(store, settings, http).run().outcomes)


def hidden_upstream(sandbox: Sandbox, settings: Settings, account: str, external_id: str) -> bool:
    """What the sandbox's read side says of the comment."""
    if account == "facebook-page":
        fb: Any = settings.account(account)
        url = f"{str(fb.graph_url).rstrip('/')}/{fb.graph_version}/{external_id}"
        params = {"fields": "is_hidden", "access_token": fb.access_token.value}
        return bool(requests.get(url, params=params, timeout=5).json()["is_hidden"])
    if account == "x-account":
        return int(external_id) in sandbox.x.world.hidden
    wp: Any = settings.account(account)
    number = external_id.rpartition(":")[2]
    site = str(wp.feed_url).split("/feed")[0]
    auth = (wp.write_username, wp.write_app_password.value)
    url = f"{site}/wp-json/wp/v2/comments/{number}?context=edit"
    return bool(requests.get(url, auth=auth, timeout=5).json()["status"] == "hold")


def actions(store: Store, comment_id: int) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        query = (
            sa.select(PLATFORM_ACTION.c.action, PLATFORM_ACTION.c.state)
            .where(PLATFORM_ACTION.c.comment_id == comment_id)
            .order_by(PLATFORM_ACTION.c.id)
        )
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_hide_then_unhide_on_the_platform_through_the_worker(
    sandbox: Sandbox, settings: Settings, synced: Store, account: str
) -> None:
    comment = resident_comment(synced, account)
    assert not hidden_upstream(sandbox, settings, account, comment["external_id"])
    set_status(synced, comment["id"], "숨김", upstream="hide")
    assert actions(synced, comment["id"]) == [("hide", "queued")]
    assert not hidden_upstream(sandbox, settings, account, comment["external_id"])

    assert run_worker(synced, settings) == {"platform_hide_done": 1}
    assert hidden_upstream(sandbox, settings, account, comment["external_id"])

    set_status(synced, comment["id"], "확인중")  # leaving 숨김 unhides upstream
    assert run_worker(synced, settings) == {"platform_unhide_done": 1}
    assert not hidden_upstream(sandbox, settings, account, comment["external_id"])
    assert actions(synced, comment["id"]) == [("hide", "done"), ("unhide", "done")]
    with synced.engine.connect() as conn:
        events = conn.execute(
            sa.select(EVENT.c.actor, EVENT.c.action, EVENT.c.detail)
            .where(EVENT.c.comment_id == comment["id"])
            .order_by(EVENT.c.id)
        ).all()
        logged = conn.execute(sa.select(LOG.c.action, LOG.c.detail).order_by(LOG.c.id)).all()
    hidden = next(e for e in events if e.action == "platform_hidden")
    assert hidden.actor == "answers-worker"
    assert (hidden.detail["requested_by"], hidden.detail["reason"]) == ("comm1", "광고")
    assert events[0].detail["platform"] == "hide"
    assert [e.action for e in events if e.action.startswith("platform_")] == [
        "platform_hidden",
        "platform_unhidden",
    ]
    assert [a for a, _ in logged if a.startswith("platform_")] == [
        "platform_hidden",
        "platform_unhidden",
    ]


FAILURES = {
    "facebook-page": (
        "/",
        "POST",
        {"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200}},
        403,
        "permission",
        "페이스북 토큰에 댓글 관리 권한",
    ),
    "x-account": (
        "/2/tweets/",
        "PUT",
        {"title": "Forbidden", "detail": "You are not permitted to perform this action.",
         "type": "about:blank", "status": 403},
        403,
        "permission",
        "X 토큰에 글쓰기 권한이 없습니다",
    ),
    "wordpress-news": (
        "/wordpress/",
        "POST",
        {"code": "rest_cannot_edit", "message": "Sorry, you are not allowed to edit this comment.",
         "data": {"status": 403}},
        403,
        "permission",
        "워드프레스 계정에 댓글 관리 권한이 없습니다",
    ),
}  # fmt: skip


@pytest.mark.parametrize("account", ACCOUNTS)
def test_a_refused_hide_fails_with_its_message_and_a_retry_succeeds(
    sandbox: Sandbox, settings: Settings, synced: Store, account: str
) -> None:
    import json

    path, method, body, status, kind, words = FAILURES[account]
    comment = resident_comment(synced, account)
    set_status(synced, comment["id"], "숨김", upstream="hide")
    sandbox.faults.add(
        "status", path, method=method, times=1, status=status, body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert run_worker(synced, settings) == {"platform_hide_failed": 1}
    with synced.engine.connect() as conn:
        row = conn.execute(
            sa.select(PLATFORM_ACTION).where(PLATFORM_ACTION.c.comment_id == comment["id"])
        ).one()
    assert (row.state, row.error_kind) == ("failed", kind)
    assert words in row.error_staff_message
    assert not hidden_upstream(sandbox, settings, account, comment["external_id"])
    found = synced.inbox.thread(comment["id"])
    assert found is not None

    press(synced, comment["id"], "platform_retry")
    assert run_worker(synced, settings) == {"platform_hide_done": 1}
    assert hidden_upstream(sandbox, settings, account, comment["external_id"])


@pytest.mark.parametrize(
    ("account", "manual", "reason"),
    [
        ("facebook-page", False, None),
        ("x-account", False, None),
        ("wordpress-news", False, None),
        ("facebook-page", True, "직접 입력한 댓글"),
        ("naver-blog", False, "숨김 API가 없어"),
        ("tistory-blog", False, "숨김 API가 없어"),
        ("pinterest", False, "숨김 API가 없어"),
        ("no-such-account", False, "설정(config.yaml)에 없는 계정"),
    ],
)
def test_which_comments_can_be_hidden_upstream(
    settings: Settings, account: str, manual: bool, reason: str | None
) -> None:
    name = next((a.name for a in settings.accounts if a.name.startswith(account)), account)
    found = hide_refusal(settings, name, manual)
    assert found is None if reason is None else reason in (found or "")


def test_an_account_without_its_write_token_cannot_hide_upstream(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    read_only = {k: v for k, v in SANDBOX_ENV.items() if "USER_TOKEN" not in k}
    config = sandbox.write_config(tmp_path / "c.yaml")
    settings = load_settings(config, environ=read_only)
    assert "글쓰기 토큰이 설정되지 않아" in (hide_refusal(settings, "x-account", False) or "")
    assert "x-account" not in hideable_accounts(settings)
    assert "facebook-page" in hideable_accounts(settings)
