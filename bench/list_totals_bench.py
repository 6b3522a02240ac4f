"""Timings of the inbox list's totals (all and overdue of a filter), run by hand.

    .venv/bin/python bench/list_totals_bench.py --comments 100000 --db /tmp/totals.db
    .venv/bin/python bench/list_totals_bench.py --db /tmp/totals.db --no-generate
    .venv/bin/python bench/list_totals_bench.py --comments 100000 --url postgresql+psycopg://...

Generates comments as `inbox_bench.py` does (same data, 10 % reviewed), then times
`store.inbox.inbox_totals` (two counts, each capped at `TOTALS_CAP`) for every filter shape
of `inbox_bench.CASES`, uncached, and prints the median and 95th percentile in ms,
beside the first page of the same filter measured in the same run (this machine is
shared and noisy: compare the two columns, not times across runs). The list keeps each
result for 20 seconds, so this is the cost of a cache miss.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from aggregator.db import create_db_engine, upgrade
from aggregator.deadlines import overdue_cutoff
from aggregator.store import Store
from aggregator.store.inbox_query import Deadlines
from aggregator.web.list_totals import TOTALS_CAP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inbox_bench import CASES, generate, review_some, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/aggregator-totals-bench.db", help="SQLite file")
    parser.add_argument("--url", help="a database URL instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-generate", action="store_true", help="time an existing database")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    if not args.no_generate:
        upgrade(url)
    store = Store(create_db_engine(url))
    if not args.no_generate:
        generate(store, args.comments)
        review_some(store)
        store.inbox.rebuild_open_items()  # review_some wrote reviews without the store
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    now = datetime.now(UTC)
    deadlines = Deadlines(now, overdue_cutoff(now, 3, "Asia/Seoul"))
    print(f"{store.sync.count_rows('comment'):,} comments, {store.engine.dialect.name}")
    print(f"{'case':<40} {'totals p50':>10} {'p95':>7} {'page p50':>9} {'p95':>7}  totals")
    for name, (f, scope) in CASES.items():
        totals = store.inbox.inbox_totals(f, scope, deadlines, TOTALS_CAP)
        count = timed(
            lambda f=f, scope=scope: store.inbox.inbox_totals(f, scope, deadlines, TOTALS_CAP),
            args.runs,
        )
        page = timed(
            lambda f=f, scope=scope: store.inbox.inbox_page(f, scope, deadlines), args.runs
        )
        print(
            f"{name:<40} {count[0]:>10.1f} {count[1]:>7.1f} {page[0]:>9.1f} {page[1]:>7.1f}"
            f"  {totals}"
        )
    store.close()


if __name__ == "__main__":
    main()
