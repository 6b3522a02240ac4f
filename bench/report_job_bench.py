"""Report job benchmark: what asking for a report on the web costs, and what progress
reporting adds to making the file.

    .venv/bin/python bench/report_job_bench.py --comments 100000

One SQLite database gets `--comments` resident comments in October 2026 (and 1,000 in
September), as `export_bench.generate` makes them; their topic nouns are stored first
(the fallback extractor: the topics job is measured by `export_bench.py`). Generating is
never timed. Then, in this process:

- request: `jobs.request_report` (what the web form's POST does: checks, the job and
  its request, the access-log record), the median of 20 requests (each a new job);
- file without progress: `service.make_file` for the month, as the CLI makes it (after
  one warm-up file of the month before: imports and fonts are not counted);
- job: `ReportWorker.run_queued` for one queued job: the same file with progress
  written to the job row (at most ~100 writes), written to disk (0600), job done.

Each format given with `--formats` is measured; the PDF and HTML also draw charts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
WORK = Path("/tmp/aggregator-bench-reportjob")
MONTH, PREVIOUS = "2026-10", "2026-09"
CONFIG = """\
timezone: Asia/Seoul
database: {{url: {db}}}
reports:
  pseudonym_key: {{env: AGGREGATOR_PSEUDONYM_KEY}}
  output_dir: {out}
"""
KEY = "bench-pseudonym-key-0123456789"


def prepare(comments: int, seed: int) -> Path:
    """A fresh database with the month's comments and their nouns; the config's path."""
    from export_bench import generate

    from aggregator.db import create_db_engine, upgrade
    from aggregator.reports.topic_index import update_topics
    from aggregator.reports.topics import fallback_nouns
    from aggregator.store import Store

    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "jobs.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    config = WORK / "config.yaml"
    config.write_text(CONFIG.format(db=db, out=WORK / "files"), encoding="utf-8")
    upgrade(f"sqlite:///{db}")
    store = Store(create_db_engine(f"sqlite:///{db}"))
    began = time.perf_counter()
    rng = random.Random(seed)
    generate(store, PREVIOUS, 1000, rng, 0)
    generate(store, MONTH, comments, rng, 1000)
    update_topics(store, fallback_nouns)
    store.engine.dispose()
    print(f"generated {comments + 1000:,} comments in {time.perf_counter() - began:.0f} s")
    return config


def measure(config: Path, formats: list[str]) -> None:
    """Print one table row per format."""
    from aggregator.config import load_settings
    from aggregator.db import create_db_engine
    from aggregator.reports.jobs import ReportWorker, request_report
    from aggregator.reports.service import Requester, make_file
    from aggregator.store import Store

    settings = load_settings(config, environ={"AGGREGATOR_PSEUDONYM_KEY": KEY})
    store = Store(create_db_engine(settings.database_url({})))
    who = Requester("bench", None, channel="web")
    worker = ReportWorker(store, settings, isolated=False)
    print("| format | request (median of 20) | file, no progress | job, with progress | "
          "progress writes | file size |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for fmt in formats:
        took = []
        for _ in range(20):
            began = time.perf_counter()
            request_report(store, settings, MONTH, fmt, "bench", who)
            took.append(time.perf_counter() - began)
            worker.recover()  # nothing to recover: keeps the queue honest
            _cancel_queued(store)
        make_file(store, settings, PREVIOUS, fmt, True)  # warm up: imports, fonts
        began = time.perf_counter()
        made = make_file(store, settings, MONTH, fmt, True)
        plain = time.perf_counter() - began
        writes = _count_progress_writes(worker)
        request_report(store, settings, MONTH, fmt, "bench", who)
        began = time.perf_counter()
        assert worker.run_queued() == 1
        job = time.perf_counter() - began
        print(f"| {fmt} | {statistics.median(took) * 1000:.1f} ms | {plain:.1f} s | {job:.1f} s "
              f"| {writes[0]} | {len(made.body) / 2**20:.1f} MiB |")  # fmt: skip
    store.engine.dispose()


def _cancel_queued(store: object) -> None:
    """Fail the jobs just queued, so that the next request queues a new one."""
    from aggregator.db import write_transaction
    from aggregator.store import report_jobs as rows
    from aggregator.store.tables import REPORT_JOB

    engine = store.engine  # type: ignore[attr-defined]
    with write_transaction(engine) as conn:
        queued = (
            conn.execute(
                REPORT_JOB.select()
                .with_only_columns(REPORT_JOB.c.id)
                .where(REPORT_JOB.c.status == rows.QUEUED)
            )
            .scalars()
            .all()
        )
        rows.fail(conn, list(queued), "bench", store.clock())  # type: ignore[attr-defined]


def _count_progress_writes(worker: object) -> list[int]:
    """Count the worker's progress writes from now on (the list's one item)."""
    count = [0]
    original = worker._progress  # type: ignore[attr-defined]

    def counted(job_id: int, done: int, total: int) -> None:
        count[0] += 1
        original(job_id, done, total)

    worker._progress = counted  # type: ignore[attr-defined]
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="csv,xlsx,pdf")
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    args = parser.parse_args()
    config = WORK / "config.yaml" if args.reuse else prepare(args.comments, args.seed)
    print(f"## Report jobs, {args.comments:,} comments ({time.strftime('%Y-%m-%d %H:%M')} UTC)")
    measure(config, args.formats.split(","))


if __name__ == "__main__":
    main()
