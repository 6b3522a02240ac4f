"""Fixtures for the inbox web tests: settings, seeded data, staff of every role, clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.testclient import TestClient

from aggregator.config import Settings, parse_settings
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.routing import Router
from aggregator.store import Store
from aggregator.users import hash_password
from aggregator.web import create_app
from aggregator.workflow import Role

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct-horse-9"
DEPARTMENTS = ("주차관리과", "청소행정과", "환경과")
USERS = {
    "admin": ("admin1", Role.ADMIN, None),
    "communications": ("comm1", Role.COMMUNICATIONS, None),
    "department": ("dept1", Role.DEPARTMENT, "주차관리과"),
    "viewer": ("viewer1", Role.VIEWER, None),
}
T0 = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # a Monday, 09:00 in Seoul
XSS = {
    "script": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "svg": '"><svg onload=alert(1)>',
    "js_link": "javascript:alert(1)",
    "js_link_spaced": " JaVaScRiPt:alert(1)",
    "data_link": "data:text/html,<script>alert(1)</script>",
}
CONFIG = """
timezone: Asia/Seoul
departments: [주차관리과, 청소행정과, 환경과]
routing_rules:
  - name: parking
    keywords: [주차]
    department: 주차관리과
    tags: [주차]
    priority: 높음
  - name: ads
    pattern: "(대출|카지노)"
    spam: true
reports:
  pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}
"""
PSEUDONYM_KEY = "web-test-pseudonym-key-0042"


def web_settings() -> Settings:
    return parse_settings(CONFIG, environ={"AGGREGATOR_PSEUDONYM_KEY": PSEUDONYM_KEY})


def seed(store: Store) -> dict[str, int]:
    """Posts, residents' comments (with PII and XSS), a district reply; return ids by key."""
    account = store.sync.ensure_account("fb-page", "facebook")
    post = PostRecord(
        platform="facebook",
        external_id="p1",
        created_at=T0,
        text="구청 소식",
        title="12월 행사",
        url="https://facebook.example/p1",
    )
    comments = [
        _comment("c1", 1, "불법주차 때문에 불편합니다. 010-1234-5678로 연락 주세요"),
        _comment("c2", 2, "밤마다 공사 소음이 심해요"),
        _comment("c3", 3, XSS["script"], author=XSS["svg"], permalink=XSS["js_link"]),
        _comment("c4", 4, "저금리 대출 카지노 광고", permalink=XSS["data_link"]),
        _comment("c5", 5, "답변 감사합니다", permalink=XSS["js_link_spaced"]),
        _comment("r1", 6, "확인해 보겠습니다", parent="c2", owner=True),
    ]
    store.sync.apply_batch(account, Batch(stream="t", posts=(post,), comments=tuple(comments)))
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT external_id, id FROM comment").all()
    return {key: int(value) for key, value in rows}


def _comment(
    key: str,
    hour: int,
    text: str,
    author: str = "주민",
    permalink: str | None = None,
    parent: str | None = None,
    owner: bool = False,
) -> CommentRecord:
    return CommentRecord(
        platform="facebook",
        external_id=key,
        created_at=T0 + timedelta(hours=hour),
        text=text,
        post_external_id="p1",
        author_name=author,
        parent_external_id=parent,
        permalink=permalink or f"https://facebook.example/{key}",
        by_account_owner=owner,
    )


def add_users(store: Store) -> None:
    for name, role, department in USERS.values():
        store.staff.create_user(name, role, department, hash_password(FAST_HASHER, PASSWORD))
    store.staff.create_user(
        "dept2", Role.DEPARTMENT, "청소행정과", hash_password(FAST_HASHER, PASSWORD)
    )


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    return client.post(
        "/login",
        data={"username": name, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )


class Web:
    """An app over a seeded store, and a logged-in client per role."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = web_settings()
        store.router = Router(self.settings.routing_rules)
        self.ids = seed(store)
        add_users(store)
        self.app: Starlette = create_app(self.settings, store, hasher=FAST_HASHER)

    def client(self, role: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="http://testserver")
        if role is not None:
            response = login(client, USERS[role][0] if role in USERS else role)
            assert response.status_code == 303, response.text
        return client

    def csrf(self, client: TestClient) -> str:
        return csrf_of(client.get("/inbox").text)


@pytest.fixture
def web(store: Store, clock: Any) -> Iterator[Web]:
    clock.now = T0 + timedelta(days=1)
    return Web(store)


@pytest.fixture
def sqlite_web(sqlite_url: str, clock: Any) -> Iterator[Web]:
    from aggregator.db import create_db_engine

    engine = create_db_engine(sqlite_url)
    clock.now = T0 + timedelta(days=1)
    yield Web(Store(engine, clock=clock))
    engine.dispose()


def add_comments(web: Web, count: int, text: str = "추가 댓글 {n}") -> list[int]:
    """`count` more residents' comments on p1 after the seeded ones (`text` formatted with
    their number `n`); their ids, newest first."""
    account = web.store.sync.ensure_account("fb-page", "facebook")
    records = tuple(
        CommentRecord(
            platform="facebook",
            external_id=f"more{n}",
            created_at=T0 + timedelta(hours=10, minutes=n),
            text=text.format(n=n),
            post_external_id="p1",
            author_name="주민",
        )
        for n in range(count)
    )
    web.store.sync.apply_batch(account, Batch(stream="t", comments=records))
    with web.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT external_id, id FROM comment").all()
    ids = {key: int(value) for key, value in rows}
    return [ids[f"more{n}"] for n in reversed(range(count))]
