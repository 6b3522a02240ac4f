"""Where an ingest page's time goes: cProfile of the store passes of `ingest_bench.py`.

    .venv/bin/python bench/ingest_profile.py --comments 20000
    .venv/bin/python bench/ingest_profile.py --comments 20000 --backend postgresql

Stores the sandbox comments through mapping and `Store.apply_batch` (insert, then the
same unchanged pages again) under cProfile and prints, per pass, the milliseconds per
page spent inside each step of the write path (cumulative time of the functions named
in `STEPS`; a step missing from the code being measured shows as blank). Profiling
slows Python down (roughly 1.5-2 x), so compare steps with each other, not with the
bench's rows/s. Nothing is appended to RESULTS.md: copy the table there by hand.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import fresh_database, table
from ingest_bench import prepare, store_pass, world

STEPS = (
    ("mapping (to_comment)", "ingest_bench.py", "mapped"),
    ("apply_batch, all", "sync_repo.py", "apply_batch"),
    ("upsert_comments, all", "upsert.py", "upsert_comments"),
    ("row building", "upsert.py", "_comment_row"),
    ("post ids", "upsert.py", "_resolve_post_ids"),
    ("existing rows (SELECT)", "upsert_changes.py", "existing_rows"),
    ("classify", "upsert_changes.py", "classify"),
    ("the upsert", "upsert.py", "_execute_upsert"),
    ("ids of new rows", "upsert.py", "_ids"),
    ("search index", "search.py", "index_comments"),
    ("reply linking", "answers.py", "link_synced_replies"),
    ("reply linking", "upsert.py", "_link_replies"),
    ("suggestions", "suggestions.py", "suggest"),
    ("open items", "open_items.py", "refresh"),
    ("open items, new comments", "open_items.py", "open_new"),
    ("tombstone filter", "privacy.py", "filter_tombstoned"),
    ("cursor", "sync_repo.py", "_write_cursors"),
)


def breakdown(stats: pstats.Stats, pages: int) -> dict[str, float]:
    """Milliseconds per page of each step (cumulative time of its function)."""
    found: dict[str, float] = {}
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        for name, file, wanted in STEPS:
            if function == wanted and filename.endswith(file):
                found[name] = found.get(name, 0.0) + row[3] * 1000 / pages
    return found


def profile_pass(store: object, account: int, data: object, size: int) -> dict[str, float]:
    """One store pass under cProfile; ms per page per step."""
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    result = store_pass(store, account, data, size)  # type: ignore[arg-type]
    profiler.disable()
    pages = max(1, -(-result.rows // size))
    found = breakdown(pstats.Stats(profiler), pages)
    found["wall, profiled"] = (time.perf_counter() - began) * 1000 / pages
    return found


def _ms(found: dict[str, float], name: str) -> str:
    return f"{found[name]:.1f}" if name in found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=os.environ.get("AGGREGATOR_TEST_PG_URL"))
    args = parser.parse_args()
    data = world(args.comments, args.seed)
    url = fresh_database(args.backend, "bench_ingest_profile", args.pg_url)
    store, account = prepare(url, data)
    insert = profile_pass(store, account, data, args.batch)
    resync = profile_pass(store, account, data, args.batch)
    store.close()
    names = ["wall, profiled", *dict.fromkeys(name for name, _f, _w in STEPS)]
    rows = [
        [name, _ms(insert, name), _ms(resync, name)]
        for name in names
        if name in insert or name in resync
    ]
    print(
        f"{args.backend}, {args.comments:,} comments, pages of {args.batch}: ms per page "
        "(cProfile, cumulative)\n"
    )
    print(table(["step", "insert", "re-sync"], rows))


if __name__ == "__main__":
    main()
