"""Shared helpers of the hand-run benchmarks: machine facts, timings, RESULTS.md.

Every bench prints its figures and appends a section to `bench/RESULTS.md` with the
date, the machine (cores, memory, Python, SQLite, PostgreSQL) and ratios against a
baseline measured in the same run (these machines are shared and noisy: compare
ratios, not absolute times across runs).
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def memory_gib() -> float:
    """Physical memory of the machine in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def postgres_version(url: str | None) -> str:
    """`server_version` of the PostgreSQL at `url`, or 'not used'."""
    if not url:
        return "not used"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar_one())
    except sa.exc.SQLAlchemyError as exc:
        return f"unreachable ({type(exc).__name__})"
    finally:
        engine.dispose()


def machine(pg_url: str | None = None) -> str:
    """One line describing this machine and the software measured."""
    return (
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"{memory_gib():.1f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version(pg_url)}, "
        f"commit {git_commit()}"
    )


def git_commit() -> str:
    """The short commit of the working tree (with `+dirty` when it has changes)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def percentiles(samples_ms: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of samples in milliseconds."""
    ordered = sorted(samples_ms)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return statistics.median(ordered), ordered[rank]


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 of `runs` calls of `call`, in milliseconds (after one warm-up call)."""
    call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return percentiles(samples)


def verdict(met: bool) -> str:
    """'yes' or '**no**' for a target column."""
    return "yes" if met else "**no**"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def record(title: str, body: str, pg_url: str | None = None, command: str = "") -> None:
    """Print a result section and append it to bench/RESULTS.md."""
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = f"\n## {title} ({stamp})\n\nMachine: {machine(pg_url)}\n"
    if command:
        section += f"\nCommand: `{command}`\n"
    section += f"\n{body.strip()}\n"
    print(section)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by the scripts in `bench/` (see bench/README.md); "
            "newest last. Compare ratios within one section, not absolute times across "
            "sections.\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(section)


def fresh_database(kind: str, name: str, pg_url: str | None) -> str:
    """A URL of an empty database: a new SQLite file in /tmp, or a new PostgreSQL database
    `name` created (dropped first if present) on the server of `pg_url`."""
    if kind == "sqlite":
        path = Path(f"/tmp/aggregator-bench-{name}.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if not pg_url:
        raise SystemExit("PostgreSQL asked for: set AGGREGATOR_TEST_PG_URL or pass --pg-url")
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
