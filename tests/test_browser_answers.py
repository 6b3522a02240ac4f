"""Answering residents in a real browser (Debian's Chromium) with the real writers against
the sandbox: a department officer drafts with a 상용구, the office approves, the worker
posts, the next sync shows the reply as the district's, linked to its answer; a failure
and its retry; copy-and-confirm for a Naver Blog comment; the live counter."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import uvicorn
from playwright.sync_api import Browser, Page

from aggregator.answers import preview
from aggregator.answers.service import AnswerService
from aggregator.answers.worker import AnswerWorker, SendReport
from aggregator.config import Settings, parse_settings
from aggregator.config_review import AnswersSection
from aggregator.db import create_db_engine
from aggregator.http import HttpClient
from aggregator.manual import one_comment
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import ANSWER, COMMENT
from aggregator.web import create_app
from aggregator.workflow import Actor, Role
from tests.fixtures_sandbox import LOOPBACK_HTTP
from tests.fixtures_web import FAST_HASHER, PASSWORD, USERS, add_users
from tests.test_browser import _free_port, browser  # noqa: F401  (the Chromium fixture)

COMM = Actor("comm1", Role.COMMUNICATIONS)
DEPARTMENT = "주차관리과"
PHONE = "02-2670-3456"


@dataclass
class Answering:
    """The inbox over a store synced from the sandbox, served on a loopback port."""

    base: str
    sandbox: Sandbox
    store: Store
    settings: Settings

    def sync(self, *names: str) -> None:
        accounts = [self.settings.account(name) for name in names]
        results = sync_accounts(self.store, self.settings, accounts, "test")
        assert all(r.status == "ok" for r in results), results

    def send(self) -> SendReport:
        with requests.Session() as session:
            session.trust_env = False
            http = HttpClient(settings=LOOPBACK_HTTP, session=session)
            return AnswerWorker(self.store, self.settings, http).run()

    def comment_id(self, external_id: str) -> int:
        with self.store.engine.connect() as conn:
            query = sa.select(COMMENT.c.id).where(COMMENT.c.external_id == external_id)
            return int(conn.execute(query).scalar_one())

    def assign(self, comment_id: int) -> None:
        action = ReviewAction(kind="assign_department", department=DEPARTMENT)
        result = self.store.inbox.review(
            COMM, [comment_id], action, ReviewContext(now=self.store.clock())
        )
        assert result.refused == []

    def answers(self, comment_id: int) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            query = sa.select(ANSWER).where(ANSWER.c.comment_id == comment_id)
            return [dict(row._mapping) for row in conn.execute(query.order_by(ANSWER.c.id))]


@pytest.fixture
def answering(tmp_path: Path, sqlite_template: Path) -> Iterator[Answering]:
    with Sandbox(seed=7, comments=480, speed=0.0, port=0) as sandbox:
        shutil.copy(sqlite_template, tmp_path / "answers.db")
        url = f"sqlite:///{tmp_path / 'answers.db'}"
        settings = parse_settings(render_config(sandbox.url("/"), url), environ=SANDBOX_ENV)
        phones = AnswersSection(phones={DEPARTMENT: PHONE})
        settings = settings.model_copy(update={"answers": phones})
        engine = create_db_engine(url)
        store = Store(engine, clock=sandbox.now)
        add_users(store)
        app = create_app(settings, store, hasher=FAST_HASHER)
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        yield Answering(f"http://127.0.0.1:{port}", sandbox, store, settings)
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def staff(browser: Browser) -> Iterator[Any]:  # noqa: F811
    """Open a page logged in as a role; every page's dialogs fail the test."""
    contexts = []

    def open_as(answering: Answering, role: str) -> Page:
        context = browser.new_context(locale="ko-KR")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=answering.base)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
        page.goto(f"{answering.base}/inbox")
        page.fill("input[name=username]", USERS[role][0])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{answering.base}/inbox")
        return page

    yield open_as
    for context in contexts:
        context.close()


def resident_facebook_comment(sandbox: Sandbox) -> Any:
    graph = sandbox.graph
    for post in graph.post_ids():
        found = [c for c in graph.comment_nodes(post) if not c.parent_node and not c.by_page]
        if found:
            return found[-1]
    raise AssertionError("the sandbox has no resident comment")


def page_replies(sandbox: Sandbox, comment: Any) -> list[str]:
    """The Page's replies under a resident's comment, as the sandbox holds them."""
    nodes = sandbox.graph.comment_nodes(comment.post_node)
    return [c.message for c in nodes if c.parent_node == comment.node_id and c.by_page]


def test_a_facebook_answer_drafted_with_a_template_is_approved_posted_and_linked(
    answering: Answering, staff: Any
) -> None:
    answering.sync("facebook-page")
    resident = resident_facebook_comment(answering.sandbox)
    comment_id = answering.comment_id(resident.node_id)
    answering.assign(comment_id)
    service = AnswerService(answering.store, answering.settings.answers)
    service.add_template(
        COMM,
        "확인 중 안내",
        "{부서명}입니다. 확인 후 안내드리겠습니다. 문의 {전화번호} ({접수번호})",
    )
    expected = f"{DEPARTMENT}입니다. 확인 후 안내드리겠습니다. 문의 {PHONE} (No.{comment_id})"

    officer = staff(answering, "department")
    officer.goto(f"{answering.base}/comments/{comment_id}")
    officer.click("a.use-template")
    assert officer.input_value("#answer-text") == expected
    count = officer.get_attribute("#answer-box .answer-count", "data-count")
    assert count == str(len(expected))
    officer.click("#answer-save")
    officer.wait_for_url("**answer=written**")
    assert officer.inner_text("#answers .answer-state") == "승인 대기"

    office = staff(answering, "communications")
    assert office.inner_text("#nav-answers .count") == "1"
    office.click("#nav-answers")
    office.click("#queue-pending button.approve")
    office.wait_for_url("**done=approve")
    assert "승인 대기 (0)" in office.inner_text("#queue-pending h3")

    assert dict(answering.send().outcomes) == {"posted": 1}
    assert page_replies(answering.sandbox, resident) == [expected]
    answering.sync("facebook-page")
    office.goto(f"{answering.base}/comments/{comment_id}")
    assert office.inner_text("#answers .answer-state") == "게시됨"
    assert office.locator("#answers .synced").count() == 1
    district = office.locator(".thread .comment.district", has_text=expected)
    assert district.count() == 1
    assert district.locator("a.answer-link").get_attribute("href") == (
        f"#answer-{answering.answers(comment_id)[0]['id']}"
    )
    assert office.locator("#answers article.answer").count() == 1
    assert "1차 답변" in office.inner_text("aside.review dd .status")


def summoning_tweet(answering: Answering) -> tuple[int, str]:
    """A synced resident tweet that mentions @hanbit_gu and allows replies: (id, tweet id)."""
    world = answering.sandbox.x.world
    with answering.store.engine.connect() as conn:
        query = sa.select(COMMENT.c.id, COMMENT.c.external_id).where(
            COMMENT.c.platform == "twitter",
            COMMENT.c.by_account_owner.is_(False),
            COMMENT.c.text.like("%@hanbit_gu%"),
        )
        candidates = conn.execute(query.order_by(COMMENT.c.id.desc())).all()
    return next(
        (int(row.id), str(row.external_id))
        for row in candidates
        if int(row.external_id) not in world.restricted
    )


def test_an_x_answer_edited_and_approved_by_the_office_is_posted_as_the_reply(
    answering: Answering, staff: Any
) -> None:
    answering.sync("x-account")
    world = answering.sandbox.x.world
    comment_id, external_id = summoning_tweet(answering)
    answering.assign(comment_id)
    officer = staff(answering, "department")
    officer.goto(f"{answering.base}/comments/{comment_id}")
    officer.fill("#answer-text", f"확인하겠습니다 No.{comment_id}")
    officer.click("#answer-save")
    officer.wait_for_url("**answer=written**")

    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    office.click("details.edit-approve summary")
    edited = f"주차관리과에서 오늘 현장을 확인하겠습니다. No.{comment_id}"
    office.fill("details.edit-approve textarea", edited)
    office.click("details.edit-approve button[type=submit]")
    office.wait_for_url("**answer=approve**")
    assert office.inner_text("#answers .answer-state") == "게시 대기"

    assert dict(answering.send().outcomes) == {"posted": 1}
    replies = [
        t.versions[-1].text
        for t in world.tweets()
        if t.author is world.district and t.replied_to == int(external_id)
    ]
    assert replies == [edited]
    answering.sync("x-account")
    office.reload()
    assert office.inner_text("#answers .answer-state") == "게시됨"
    assert office.locator("#answers .synced").count() == 1
    assert office.locator("#answers article.answer").count() == 1
    assert office.locator(".thread .comment.district a.answer-link").count() == 1


def test_a_refused_post_shows_its_message_and_the_retry_posts_it_exactly_once(
    answering: Answering, staff: Any
) -> None:
    answering.sync("facebook-page")
    resident = resident_facebook_comment(answering.sandbox)
    comment_id = answering.comment_id(resident.node_id)
    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    text = f"한빛구청입니다. 안내드립니다. No.{comment_id}"
    office.fill("#answer-text", text)
    office.click("#answer-save")
    office.wait_for_url("**answer=written**")

    answering.sandbox.graph.fail(200, 1376025, method="POST")  # no pages_manage_engagement
    assert dict(answering.send().outcomes) == {"failed": 1}
    office.reload()
    assert office.inner_text("#answers .answer-state") == "게시 실패"
    assert "댓글 관리 권한(pages_manage_engagement)이 없어" in office.inner_text(".answer-error")
    assert page_replies(answering.sandbox, resident) == []

    office.click("#answers button.retry")
    office.wait_for_url("**answer=retry**")
    assert office.inner_text("#answers .answer-state") == "게시 대기"
    assert dict(answering.send().outcomes) == {"posted": 1}
    assert dict(answering.send().outcomes) == {}
    assert page_replies(answering.sandbox, resident) == [text]
    office.reload()
    assert office.inner_text("#answers .answer-state") == "게시됨"


def test_replies_restricted_on_x_show_why_and_the_answer_can_be_posted_by_hand(
    answering: Answering, staff: Any
) -> None:
    answering.sync("x-account")
    comment_id, external_id = summoning_tweet(answering)
    answering.sandbox.x.world.restrict_replies(int(external_id))
    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    office.fill("#answer-text", f"현장을 확인하겠습니다. No.{comment_id}")
    office.click("#answer-save")
    office.wait_for_url("**answer=written**")
    assert dict(answering.send().outcomes) == {"failed": 1}
    office.reload()
    assert office.inner_text("#answers .answer-state") == "게시 실패"
    assert "복사해서 직접 게시해 주세요" in office.inner_text(".answer-error")
    assert "직접 게시했다면" in office.inner_text("#answers .copy-confirm")
    office.click("#answers button.confirm")
    office.wait_for_url("**answer=confirm**")
    assert office.inner_text("#answers .answer-state") == "직접 게시 확인"
    assert office.locator("#answers .answer-error").count() == 0


def test_a_naver_blog_answer_is_copied_and_confirmed_by_hand(
    answering: Answering, staff: Any
) -> None:
    answering.sync("naver-blog")
    with answering.store.engine.connect() as conn:
        post_url = conn.execute(
            sa.text("SELECT url FROM post WHERE platform = 'blog' ORDER BY id LIMIT 1")
        ).scalar_one()
    now = answering.store.clock()
    values = {
        "platform": "blog", "post": post_url, "author": "주민",
        "text": "주차장 운영 시간이 궁금합니다",
        "created_at": (now - timedelta(hours=1)).astimezone().strftime("%Y-%m-%d %H:%M"),
    }  # fmt: skip
    comment = one_comment(values, answering.store.inbox.find_post, "Asia/Seoul", now)
    answering.store.inbox.add_manual_comments([comment], "comm1")
    with answering.store.engine.connect() as conn:
        query = sa.select(COMMENT.c.id).where(COMMENT.c.manual_entry.is_(True))
        comment_id = int(conn.execute(query).scalar_one())

    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    text = "평일 09시부터 18시까지 운영합니다."
    office.fill("#answer-text", text)
    assert office.get_attribute("#answer-box .answer-count", "data-count") == str(len(text))
    assert "플랫폼 제한 없음" in office.inner_text("#answer-box .answer-count")
    office.click("#answer-save")
    office.wait_for_url("**answer=written**")
    assert office.inner_text("#answers .answer-state") == "게시 대기"
    assert dict(answering.send().outcomes) == {}  # nobody posts it but staff

    assert office.get_attribute("#answers a:has-text('댓글 원문 열기')", "href") == post_url
    office.click("#answers button.copy")
    office.locator("#answers button.copy", has_text="복사했습니다").wait_for()
    assert office.evaluate("navigator.clipboard.readText()") == text
    office.fill("#answers input[name=url]", "not a url")
    office.click("#answers button.confirm")
    assert "게시 주소는 http(s) 주소여야 합니다" in office.inner_text("p.error")
    posted_url = "https://blog.naver.com/hanbit/1#comment-9"
    office.fill("#answers input[name=url]", posted_url)
    office.click("#answers button.confirm")
    office.wait_for_url("**answer=confirm**")
    assert office.inner_text("#answers .answer-state") == "직접 게시 확인"
    assert office.get_attribute("#answers a:has-text('게시된 답변 보기')", "href") == posted_url
    assert "1차 답변" in office.inner_text("aside.review dd .status")


@pytest.mark.parametrize(
    "text",
    [
        "가" * 140,
        "안내: https://www.ydp.go.kr/www/selectBbsNttView.do?key=2001&nttNo=1 참고하세요.",
        "감사합니다 👍🏻 👨\u200d👩\u200d👧 🇰🇷 1\ufe0f\u20e3 ☀\ufe0f ©",
        "ydp.go.kr/a. abc.kr No.12 — “인용” ①",
        "e\u0301 \u1100\u1161 区役所 (１)",
    ],
)
def test_the_live_count_equals_the_servers_count(
    answering: Answering, staff: Any, text: str
) -> None:
    answering.sync("x-account")
    with answering.store.engine.connect() as conn:
        query = sa.select(COMMENT.c.id, COMMENT.c.author_handle).where(
            COMMENT.c.platform == "twitter",
            COMMENT.c.by_account_owner.is_(False),
            COMMENT.c.author_handle.is_not(None),
        )
        comment_id, handle = conn.execute(query.limit(1)).one()
    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    office.fill("#answer-text", text)
    server = preview.preview(preview.X, text, handle)
    counter = "#answer-box .answer-count"
    assert office.get_attribute(counter, "data-count") == str(server.length)
    assert office.inner_text("#answer-box .preview-text") == server.shown
    assert ("over" in (office.get_attribute(counter, "class") or "")) == server.over


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_the_live_counter_follows_the_declared_rule(
    answering: Answering, staff: Any, platform: str
) -> None:
    """Instagram (2,200) and YouTube (10,000) count characters and show no @mention; the
    counter turns over one past the declared limit where the box lets staff type that far
    (Instagram), and the box stops at the limit where it is the box's own (YouTube)."""
    account = answering.settings.account(platform)
    results = sync_accounts(answering.store, answering.settings, [account], "test")
    assert all(r.status in ("ok", "ok_with_warnings") for r in results), results
    with answering.store.engine.connect() as conn:
        query = sa.select(COMMENT.c.id, COMMENT.c.external_id).where(
            COMMENT.c.platform == platform, COMMENT.c.by_account_owner.is_(False)
        )
        comment_id, external_id = conn.execute(query.limit(1)).one()
    rule = preview.rule_for(platform, external_id)
    assert rule.limit is not None
    office = staff(answering, "communications")
    office.goto(f"{answering.base}/comments/{comment_id}")
    counter = "#answer-box .answer-count"
    for length in (rule.limit, rule.limit + 1):
        office.fill("#answer-text", "가" * length)
        typed = min(length, rule.input_max)  # the box's maxlength
        server = preview.preview(rule, "가" * typed, "resident")
        assert office.get_attribute(counter, "data-count") == str(server.length) == str(typed)
        assert ("over" in (office.get_attribute(counter, "class") or "")) == server.over
        assert f"/ {rule.limit}자" in office.inner_text(counter)
        assert not office.inner_text("#answer-box .preview-text").startswith("@")
    assert server.over == (platform == "instagram")
