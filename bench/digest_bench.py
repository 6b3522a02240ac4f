"""Daily digest timings, run by hand (never by the test suite).

    .venv/bin/python bench/digest_bench.py --comments 1000000
    .venv/bin/python bench/digest_bench.py --comments 200000 --backend postgresql

Generates resident comments as `inbox_bench.py` does (10 % reviewed, some assigned to
departments), then times making one day's digests for the office and every configured
department (the figures: overdue, due today, due on the next business day, new), which
the `digest` job does once a business day. Nothing is sent: the day's record is reset
between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from aggregator.config import parse_settings
from aggregator.db import create_db_engine, upgrade, write_transaction
from aggregator.notify import addresses
from aggregator.notify.digest import DIGEST_RECORD, send_digests
from aggregator.notify.kinds import OFFICE
from aggregator.store import Store
from aggregator.store import notifications as rows

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import fresh_database, percentiles, record, table
from inbox_bench import generate, review_some

DIGEST_AT = datetime(2026, 10, 29, 23, 30, tzinfo=UTC)  # Friday 30 October, 08:30 in Seoul


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="Time the database a previous run generated."
    )
    args = parser.parse_args()
    pg_url = os.environ.get("AGGREGATOR_TEST_PG_URL")
    if args.reuse:
        url = reused_database(args.backend, pg_url)
    else:
        url = fresh_database(args.backend, "digest", pg_url)
    upgrade(url)
    settings = parse_settings("departments: [주차관리과, 청소행정과, 환경과]", environ={})
    store = Store(create_db_engine(url), clock=lambda: DIGEST_AT)
    if not args.reuse:
        generate(store, args.comments)
        review_some(store)
        store.inbox.rebuild_open_items()  # review_some wrote reviews without the store
    for place in (OFFICE, *settings.departments):  # a digest is made only for someone
        addresses.save_contact(store, settings, place, "x@bench.example", "", "bench")
    samples = []
    for _ in range(args.runs):
        with write_transaction(store.engine) as conn:
            rows.set_cursor(conn, DIGEST_RECORD, 0, DIGEST_AT)
        began = time.perf_counter()
        report = send_digests(store, settings)
        samples.append((time.perf_counter() - began) * 1000)
    p50, p95 = percentiles(samples)
    body = table(
        ["backend", "comments", "places", "p50 ms", "p95 ms"],
        [
            [
                args.backend,
                f"{args.comments:,}",
                1 + len(settings.departments),
                f"{p50:.0f}",
                f"{p95:.0f}",
            ]
        ],
    )
    body += f"\n\nPlaces with something to say: {report.places}\n"
    record(
        "Daily digest (figures of one day, office + 3 departments)",
        body,
        url if args.backend == "postgresql" else None,
    )
    store.close()


def reused_database(kind: str, pg_url: str | None) -> str:
    """The URL of the database an earlier run generated."""
    if kind == "sqlite":
        return "sqlite:////tmp/aggregator-bench-digest.db"
    if not pg_url:
        raise SystemExit("PostgreSQL asked for: set AGGREGATOR_TEST_PG_URL")
    return sa.engine.make_url(pg_url).set(database="digest").render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
