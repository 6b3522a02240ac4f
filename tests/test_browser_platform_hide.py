"""In Debian's Chromium: the office sets 숨김 with "플랫폼에서도 숨김" on a Facebook comment
synced from the sandbox; the answers worker hides it on the sandbox's Graph API and the
thread says so."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from aggregator.answers.worker import AnswerWorker
from aggregator.config import Settings, load_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpClient
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.store.tables import ACCOUNT, COMMENT
from aggregator.web import create_app
from tests.fixtures_sandbox import LOOPBACK_HTTP
from tests.fixtures_web import FAST_HASHER, PASSWORD, USERS, add_users
from tests.test_browser import Page, _free_port, browser, page

__all__ = ["browser", "page"]
ACCOUNT_NAME = "facebook-page"


@pytest.fixture
def served(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> Iterator[tuple[str, Store, Settings]]:
    """The inbox over the sandbox's synced Facebook page, served by uvicorn on loopback."""
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    engine = create_db_engine(sqlite_url)
    store = Store(engine)
    [result] = sync_accounts(store, settings, [settings.account(ACCOUNT_NAME)], "test")
    assert result.status == "ok", result
    add_users(store)
    app = create_app(settings, store, hasher=FAST_HASHER)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", store, settings
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def _resident_comment(store: Store) -> tuple[int, str]:
    query = (
        sa.select(COMMENT.c.id, COMMENT.c.external_id)
        .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .where(ACCOUNT.c.name == ACCOUNT_NAME, COMMENT.c.by_account_owner.is_(False))
        .where(COMMENT.c.deleted_upstream_at.is_(None))
        .order_by(COMMENT.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        comment_id, external_id = conn.execute(query).one()
    return int(comment_id), str(external_id)


def test_hide_on_the_platform_too_from_the_thread(
    page: Page, served: tuple[str, Store, Settings], sandbox: Sandbox
) -> None:
    base, store, settings = served
    comment_id, node = _resident_comment(store)
    page.goto(f"{base}/inbox")
    page.fill("input[name=username]", USERS["communications"][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox")

    page.goto(f"{base}/comments/{comment_id}")
    assert page.locator("#upstream-hide").is_enabled()
    page.select_option("#status-select", "숨김")
    page.select_option("select[name=reason]", "욕설/비속어")
    page.check("#upstream-hide")
    page.click("form.panel:has(#status-select) button[type=submit]")
    page.wait_for_url(f"**/comments/{comment_id}?saved=1")
    assert page.locator("#upstream-state").inner_text() == "플랫폼 숨김 요청 중"
    shown = sandbox.graph.world.comment(node, sandbox.now())
    assert shown is not None
    assert not shown.hidden

    outcomes = AnswerWorker(store, settings, HttpClient(settings=LOOPBACK_HTTP)).run().outcomes
    assert outcomes == {"platform_hide_done": 1}
    hidden = sandbox.graph.world.comment(node, sandbox.now())
    assert hidden is not None
    assert hidden.hidden
    page.reload()
    assert page.locator("#upstream-state").inner_text() == "플랫폼에서 숨김됨"
    assert page.locator("#upstream-unhide").is_visible()
    history = page.locator("ol.history").inner_text()
    assert "답변 게시 작업: 플랫폼에서 숨김됨" in history
