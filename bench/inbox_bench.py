"""Inbox and search page timings, run by hand (never by the test suite).

    .venv/bin/python bench/inbox_bench.py --comments 1000000 --db /tmp/bench.db
    .venv/bin/python bench/inbox_bench.py --db data/demo/demo.db --no-generate
    .venv/bin/python bench/inbox_bench.py --comments 200000 --url postgresql+psycopg://...

Generates resident comments through the store's own batch upsert (so the bigram
search index is maintained exactly as in a sync), marks 10 % of them as reviewed,
then times each inbox query shape (first page and a later page) and prints the
median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from aggregator.db import create_db_engine, upgrade
from aggregator.deadlines import overdue_cutoff
from aggregator.models import Review
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.search_text import parse_query
from aggregator.store import Store
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope
from aggregator.store.search import matching_ids

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import record, table, verdict

INBOX_P95_MS = 50.0
SEARCH_P95_MS = 100.0

PLACES = ["영등포구청 앞", "한빛초등학교", "중앙시장", "한빛공원", "역 3번 출구", "문래동 골목"]
TOPICS = [
    "불법주차 때문에 너무 불편합니다",
    "쓰레기 수거가 안 되고 있어요",
    "공사 소음이 심해요",
    "가로등이 꺼져 있어요",
    "놀이터 시설이 고장났어요",
    "행사 정보 감사합니다",
    "보도블록이 깨져서 위험해요",
    "민원 넣었는데 답이 없네요",
    "주차장 개방 시간이 궁금합니다",
    "악취가 심해요",
    "버스 정류장 의자가 부서졌어요",
    "좋은 소식 감사합니다",
]
TAILS = ["빨리 확인 부탁드립니다.", "언제쯤 해결되나요?", "감사합니다.", "사진 첨부합니다.", ""]
BATCH = 1000


def text(rng: random.Random) -> str:
    """About 60-90 characters of resident Korean; 1 in 2,000 mentions a 싱크홀 (rare)."""
    rare = " 싱크홀이 생겼어요." if rng.random() < 0.0005 else ""
    return (
        f"{rng.choice(PLACES)} {rng.choice(TOPICS)}. {rng.choice(TOPICS)}. {rng.choice(TAILS)}"
        + rare
    )


def generate(store: Store, count: int, seed: int = 7) -> float:
    """Store `count` comments on 1,000 posts over a year; return rows per second."""
    rng = random.Random(seed)
    account = store.sync.ensure_account("bench-fb", "facebook")
    start = datetime(2025, 11, 1, tzinfo=UTC)
    posts = tuple(
        PostRecord(
            platform="facebook",
            external_id=f"p{n}",
            text="공지",
            created_at=start + timedelta(hours=8 * n),
        )
        for n in range(1000)
    )
    store.sync.apply_batch(account, Batch(stream="bench", posts=posts))
    began = time.perf_counter()
    for first in range(0, count, BATCH):
        comments = tuple(
            CommentRecord(
                platform="facebook",
                external_id=f"c{n}",
                text=text(rng),
                created_at=start + timedelta(seconds=31_536_000 * n // count),
                post_external_id=f"p{n * 1000 // count}",
                author_name=f"주민{n % 5000}",
            )
            for n in range(first, min(first + BATCH, count))
        )
        store.sync.apply_batch(account, Batch(stream="bench", comments=comments))
    return count / (time.perf_counter() - began)


def review_some(store: Store, share: float = 0.1) -> None:
    """Mark a share of the comments as reviewed (확인중 / 부서배정 with departments)."""
    table = Review.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, created_at FROM comment ORDER BY id")).all()
        step = int(1 / share)
        values = [
            {
                "comment_id": r.id,
                "status": "부서배정" if n % 2 else "확인중",
                "department": "주차관리과" if n % 4 == 1 else ("청소행정과" if n % 2 else None),
                "updated_at": now,
                "comment_created_at": _aware(r.created_at),
            }
            for n, r in enumerate(rows[::step])
        ]
        for first in range(0, len(values), 5000):
            conn.execute(sa.insert(table), values[first : first + 5000])


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    found: datetime = value if value.tzinfo else value.replace(tzinfo=UTC)
    return found


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of `runs` calls, in milliseconds."""
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


CASES: dict[str, tuple[InboxFilter, Scope]] = {
    "newest, no filter": (InboxFilter(), Scope()),
    "platform=facebook": (InboxFilter(platform="facebook"), Scope()),
    "status=신규": (InboxFilter(status="신규"), Scope()),
    "status=부서배정": (InboxFilter(status="부서배정"), Scope()),
    "department officer (주차관리과)": (InboxFilter(), Scope("주차관리과", restricted=True)),
    "overdue": (InboxFilter(overdue=True), Scope()),
    "answered=no": (InboxFilter(answered=False), Scope()),
    "date range (one month)": (
        InboxFilter(
            date_from=datetime(2026, 3, 1, tzinfo=UTC), date_to=datetime(2026, 4, 1, tzinfo=UTC)
        ),
        Scope(),
    ),
    "search 주차 (common, 2 syllables)": (InboxFilter(query="주차"), Scope()),
    "search 소음 (2 syllables)": (InboxFilter(query="소음"), Scope()),
    "search 놀이터 (3 syllables)": (InboxFilter(query="놀이터"), Scope()),
    "search 주차장 + status=부서배정": (InboxFilter(query="주차장", status="부서배정"), Scope()),
    "search 싱크홀 (rare: 1 in 2,000)": (InboxFilter(query="싱크홀"), Scope()),
    "search 없는말 (no match)": (InboxFilter(query="없는말"), Scope()),
    "search 앞 (1 character, LIKE)": (InboxFilter(query="앞"), Scope()),
}


def run_cases(store: Store, runs: int) -> list[list[object]]:
    """Print the timings of every case (first page and the page after it); return the
    table rows with the target each case is held to (inbox 50 ms, search 100 ms p95)."""
    now = datetime.now(UTC)
    deadlines = Deadlines(now, overdue_cutoff(now, 3, "Asia/Seoul"))
    print(f"{'case':<40} {'page 1 p50':>10} {'p95':>8} {'page 2 p50':>10} {'p95':>8}  rows")
    results: list[list[object]] = []
    for name, (f, scope) in CASES.items():
        rows, cursor = store.inbox.inbox_page(f, scope, deadlines)
        first = timed(lambda f=f, scope=scope: store.inbox.inbox_page(f, scope, deadlines), runs)
        second = (0.0, 0.0)
        if cursor is not None:
            second = timed(
                lambda f=f, scope=scope, c=cursor: store.inbox.inbox_page(f, scope, deadlines, c),
                runs,
            )
        print(
            f"{name:<40} {first[0]:>10.1f} {first[1]:>8.1f} {second[0]:>10.1f} "
            f"{second[1]:>8.1f}  {len(rows)}"
        )
        limit = SEARCH_P95_MS if f.query else INBOX_P95_MS
        worst = max(first[1], second[1])
        results.append(
            [name, f"{first[0]:.1f}", f"{first[1]:.1f}", f"{second[0]:.1f}", f"{second[1]:.1f}",
             len(rows), f"{verdict(worst <= limit)} (≤ {limit:.0f})"]
        )  # fmt: skip
    counts = timed(lambda: store.inbox.status_counts(Scope()), runs)
    restricted = timed(
        lambda: store.inbox.status_counts(Scope("주차관리과", restricted=True)), runs
    )
    thread = timed(lambda: store.inbox.thread(1), runs)
    for name, (p50, p95) in (
        ("status counts", counts),
        ("status counts, department scope", restricted),
        ("thread view", thread),
    ):
        print(f"{name:<40} {p50:>10.1f} {p95:>8.1f}")
        ok = f"{verdict(p95 <= INBOX_P95_MS)} (≤ {INBOX_P95_MS:.0f})"
        results.append([name, f"{p50:.1f}", f"{p95:.1f}", "", "", "", ok])
    return results


SHARE_WORDS = ("주차", "불법주차", "소음", "놀이터", "주차장", "싱크홀")


def search_recall(store: Store) -> list[list[object]]:
    """Per word: share of rows containing it (LIKE) and what the bigram index finds.

    The index must find exactly the LIKE matches (주차 inside 불법주차 included).
    """
    found: list[list[object]] = []
    with store.engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM comment")).scalar_one()
        for word in SHARE_WORDS:
            like = conn.execute(
                sa.text("SELECT count(*) FROM comment WHERE lower(text) LIKE :w"),
                {"w": f"%{word}%"},
            ).scalar_one()
            ids = matching_ids(conn, parse_query(word)).subquery()
            indexed = conn.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one()
            ok = verdict(like == indexed)
            found.append([word, f"{like:,}", f"{100 * like / max(total, 1):.1f} %",
                          f"{indexed:,}", ok])  # fmt: skip
    return found


DASHBOARD_NOW = datetime(2026, 10, 29, 3, 0, tzinfo=UTC)
"""A Thursday noon in Seoul inside the generated year: every window holds items."""


def dashboard_cases(store: Store, runs: int) -> list[list[object]]:
    """Each dashboard count on its own (p50/p95 ms, value), for the office and for one
    department, then all of them together as the page reads them; the month's
    compliance (a pass over the month's rows, cached by the page) is timed apart."""
    from aggregator.config import parse_settings
    from aggregator.dashboard import due_windows, today_start
    from aggregator.dashboard_figures import month_compliance
    from aggregator.store import dashboard

    windows = due_windows(DASHBOARD_NOW, 3, "Asia/Seoul")
    today = today_start(DASHBOARD_NOW, "Asia/Seoul")
    results: list[list[object]] = []
    for label, scope in (("office", Scope()), ("주차관리과", Scope("주차관리과", restricted=True))):
        cases: dict[str, Callable[[Any], object]] = {
            "new today": lambda c, s=scope: dashboard.new_since(c, today, s),
            **{
                f"due {name}": lambda c, s=scope, n=name: sum(
                    dashboard.open_counts(c, {n: windows[n]}, s)[n].values()
                )
                for name in windows
            },
            "answers waiting/failed": lambda c, s=scope: dashboard.answers_waiting(c, s),
        }
        for name, call in cases.items():
            with store.engine.connect() as conn:
                value = call(conn)
                p50, p95 = timed(lambda call=call, conn=conn: call(conn), runs)
            ok = f"{verdict(p95 <= INBOX_P95_MS)} (≤ {INBOX_P95_MS:.0f})"
            results.append([f"{label}: {name}", f"{p50:.1f}", f"{p95:.1f}", value, ok])
            print(f"{label + ': ' + name:<40} {p50:>10.1f} {p95:>8.1f}  {value}")
        whole = timed(lambda s=scope: store.inbox.dashboard_counts(s, windows, today), runs)
        ok = f"{verdict(whole[1] <= INBOX_P95_MS)} (≤ {INBOX_P95_MS:.0f})"
        results.append([f"{label}: every count, one transaction", f"{whole[0]:.1f}",
                        f"{whole[1]:.1f}", "", ok])  # fmt: skip
    settings = parse_settings("departments: [주차관리과, 청소행정과]\n")
    month = timed(lambda: month_compliance(store, settings, DASHBOARD_NOW), 3)
    results.append(["this month's compliance (report rows, cached 5 min)", f"{month[0]:.0f}",
                    f"{month[1]:.0f}", "", "not a count"])  # fmt: skip
    return results


def http_timings(store: Store, runs: int) -> list[list[object]]:
    """Whole pages through the web app (routing, session, query, template, access log)."""
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient

    from aggregator.config import parse_settings
    from aggregator.users import UserError
    from aggregator.web import create_app
    from aggregator.workflow import Role

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        store.staff.create_user("bench-admin", Role.ADMIN, None, hasher.hash("bench-password-1"))
    except UserError:
        store.staff.set_user_password("bench-admin", hasher.hash("bench-password-1"))
    settings = parse_settings("departments: [주차관리과, 청소행정과]\n")
    client = TestClient(create_app(settings, store, hasher=hasher))
    token = client.get("/login").text.split('name="login_token" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"username": "bench-admin", "password": "bench-password-1", "login_token": token},
    )
    newest = store.inbox.inbox_page(InboxFilter(), Scope(), Deadlines(store.clock(), store.clock()))
    paths = [
        "/inbox",
        "/inbox?q=주차",
        "/inbox?q=놀이터&status=부서배정",
        "/inbox?overdue=1",
        f"/comments/{newest[0][0]['id']}",
    ]
    results: list[list[object]] = []
    for path in paths:
        p50, p95 = timed(lambda path=path: client.get(path), runs)
        print(f"{'GET ' + path:<40} {p50:>10.1f} {p95:>8.1f}")
        results.append([f"GET {path}", f"{p50:.1f}", f"{p95:.1f}", "", "", "", ""])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/aggregator-bench.db", help="SQLite file")
    parser.add_argument("--url", help="a database URL instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-generate", action="store_true", help="time an existing database")
    parser.add_argument("--dashboard-only", action="store_true", help="time the dashboard only")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    if not args.no_generate:
        upgrade(url)
    store = Store(create_db_engine(url))
    rate = 0.0
    if not args.no_generate:
        rate = generate(store, args.comments)
        print(f"ingest: {args.comments} comments at {rate:,.0f} rows/s (with the bigram index)")
        review_some(store)
        began = time.perf_counter()
        opened = store.inbox.rebuild_open_items()  # review_some wrote reviews without the store
        print(f"open items rebuilt: {opened:,} in {time.perf_counter() - began:.1f} s")
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    total = store.sync.count_rows("comment")
    backend = store.engine.dialect.name
    print(f"{total} comments in {store.engine.url.render_as_string()}")
    dash = dashboard_cases(store, args.runs)
    intro = (
        f"{backend}, {total:,} comments, {args.runs} runs per case"
        + (f"; generated at {rate:,.0f} rows/s through `apply_batch`" if rate else "")
        + ".\n\n"
    )
    dash_table = (
        f"Dashboard counts at {DASHBOARD_NOW:%Y-%m-%d %H:%M} UTC (open items and daily "
        "tallies, `aggregator.store.open_items`):\n\n"
        + table(["count", "p50 ms", "p95 ms", "value", "p95 target met"], dash)
    )
    if args.dashboard_only:
        store.close()
        body = intro + dash_table
        record(f"Dashboard, {backend}, {total:,} comments", body,
               url if backend == "postgresql" else None,
               "bench/inbox_bench.py " + " ".join(sys.argv[1:]))  # fmt: skip
        return
    rows = run_cases(store, args.runs) + http_timings(store, args.runs)
    recall = search_recall(store)
    store.close()
    header = ["case", "page 1 p50 ms", "p95", "page 2 p50", "p95", "rows", "p95 target met"]
    body = (
        intro
        + table(header, rows)
        + "\n\nSearch words: rows containing them (LIKE) and rows the bigram index finds "
        "(must be equal: 주차 inside 불법주차 counts).\n\n"
        + table(["word", "LIKE rows", "share", "index rows", "equal"], recall)
        + "\n\n"
        + dash_table
    )
    record(
        f"Inbox and search, {backend}, {total:,} comments",
        body,
        url if backend == "postgresql" else None,
        "bench/inbox_bench.py " + " ".join(sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
