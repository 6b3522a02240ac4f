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
    args = parser.parse_args()
    url = fresh_database(args.backend, "digest", os.environ.get("AGGREGATOR_TEST_PG_URL"))
    upgrade(url)
    settings = parse_settings("departments: [주차관리과, 청소행정과, 환경과]", environ={})
    store = Store(create_db_engine(url), clock=lambda: DIGEST_AT)
    generate(store, args.comments)
    review_some(store)
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


if __name__ == "__main__":
    main()
