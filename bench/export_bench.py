"""Export benchmark: a month of comments to XLSX and CSV through `aggregator/reports`,
against raw XlsxWriter (and the `csv` module) writing the same rows, in the same run.

    .venv/bin/python bench/export_bench.py --comments 100000

One database (a SQLite file, or PostgreSQL with `--backend postgresql`) gets
`--comments` comments in the report month (October 2026, Asia/Seoul) and as many in the
month before (the report compares them), ~80 Korean characters each, 10 % of them
reviewed (statuses and departments, as `inbox_bench.review_some`) and 10 % answered from
the inbox (a posted 1차 답변 by one of 20 officers, every second of them with a posted
최종 답변 too: `answer_some`).
Generating is never timed. Every measured case then runs in a child process of its own;
its peak memory is the child's `ru_maxrss` (`os.wait4`: the largest of the child and
the processes it waited for, such as the topic worker), its time the child's wall time
(interpreter start and imports included):

- topics job: `aggregator topics update` analyses every generated comment's nouns
  (both months: 2 × `--comments`) with kiwipiepy, once, as the scheduler's `topics`
  job does while comments arrive (in batches of 1,000: never the month's texts at once),
  in the topic worker process (`aggregator.reports.topic_worker`) that it streams to;
- report xlsx / csv / pdf / html: `aggregator report --month ... --format ...` (the CLI, the real
  path: the month's rows streamed from the store with the stored nouns, figures, the
  month before, pseudonyms, the file, the access-log record);
- raw xlsx / csv: the comment rows of the report's two comment sheets (댓글 목록 and
  미처리·기한경과, the same cell values the report writes, dumped by the parent
  beforehand) streamed from a pickle and written with XlsxWriter
  (`constant_memory=True, strings_to_urls=False`) or `csv.writer`.

- report pdf / html: the same CLI path for the documents (no raw counterpart).

`--formats pdf,html` measures only those; `--pending-topics` skips the topics job, so
the report analyses the month's nouns first (what a CLI report does before the
scheduler's `topics` job has run), in a topic worker it starts (kiwipiepy's model,
~260 MB, loads there, not in the report's process: the peak is the larger of the two).

Targets (issue 16): report XLSX time ≤ 1.5 × raw XLSX; the PDF and HTML in under
30 s; every report format and the topics job peak < 300 MB (issue 9 had 200 MB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aggregator.store import Store

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Only the standard library at import time: the raw cases' children import nothing else.
ROOT = Path(__file__).resolve().parent.parent
AGGREGATOR = str(ROOT / ".venv" / "bin" / "aggregator")
WORK = Path("/tmp/aggregator-bench-export")
MONTH, PREVIOUS = "2026-10", "2026-09"
RAW_FORMATS = ("xlsx", "csv")
STEADY = (
    "The topics job (`aggregator topics update`, kiwipiepy) first analyses every generated "
    "comment, as the scheduler's `topics` job does as comments arrive; the reports then count "
    "the stored nouns (the steady state)."
)
PENDING = (
    "No topics job ran (`--pending-topics`): each report has the month's nouns analysed "
    "before writing, by a topic worker it starts (kiwipiepy's model loaded there; the peak "
    "is the larger of the report's process and the worker)."
)
PEAK_MB = 300
KST_OFFSET = timedelta(hours=9)
BATCH = 1000
CONFIG = """\
timezone: Asia/Seoul
departments: [주차관리과, 청소행정과]
database:
  url: {db}
reports:
  pseudonym_key: {{env: AGGREGATOR_PSEUDONYM_KEY}}
"""
ENV = {"AGGREGATOR_PSEUDONYM_KEY": "bench-pseudonym-key-0123456789"}
PG_URL_ENV = "AGGREGATOR_TEST_PG_URL"


def month_start(month: str) -> datetime:
    """The month's first instant in Asia/Seoul, as UTC."""
    return datetime.fromisoformat(f"{month}-01T00:00:00").replace(tzinfo=UTC) - KST_OFFSET


def generate(store: Store, month: str, count: int, rng: random.Random, first: int) -> None:
    """`count` resident comments spread evenly over `month`, on 300 posts, ~5,000 authors."""
    from inbox_bench import text

    from aggregator.records import Batch, CommentRecord, PostRecord

    account = store.sync.ensure_account("bench-fb", "facebook")
    start = month_start(month)
    seconds = 30 * 86_400
    posts = tuple(
        PostRecord(platform="facebook", external_id=f"{month}-p{n}", text="구청 소식",
                   created_at=start + timedelta(seconds=seconds * n // 300), title=f"공지 {n}")
        for n in range(300)
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="bench", posts=posts))
    for begin in range(0, count, BATCH):
        comments = tuple(
            CommentRecord(
                platform="facebook",
                external_id=f"c{first + n}",
                text=text(rng),
                created_at=start + timedelta(seconds=seconds * n // count),
                post_external_id=f"{month}-p{n * 300 // count}",
                author_id=f"u{n % 5000}",
                author_name=f"주민{n % 5000}",
            )
            for n in range(begin, min(begin + BATCH, count))
        )
        store.sync.apply_batch(account, Batch(stream="bench", comments=comments))


ANSWER_TEXT = (
    "안녕하세요, {n}번 민원 확인했습니다. 담당 부서에서 현장을 점검하고 결과를 알려드리겠습니다."
)


def answer_some(store: Store, share: float = 0.1) -> None:
    """Posted inbox answers on a share of the resident comments: a 1차 답변 two hours
    after the comment, and on every second one a 최종 답변 a day later."""
    import sqlalchemy as sa

    from aggregator.store.tables import ANSWER

    with store.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, created_at FROM comment ORDER BY id")).all()
        values: list[dict[str, Any]] = []
        for n, row in enumerate(rows[1 :: int(1 / share)]):
            created = datetime.fromisoformat(str(row.created_at)).replace(tzinfo=UTC)
            for kind, delay in (("first", 2), ("final", 26))[: 1 + n % 2]:
                values.append({
                    "comment_id": row.id, "kind": kind, "text": ANSWER_TEXT.format(n=n),
                    "state": "posted", "idempotency_key": f"bench-{kind}-{row.id}",
                    "written_by": f"officer{n % 20}", "approved_by": "comm1",
                    "created_at": created, "posted_at": created + timedelta(hours=delay),
                })  # fmt: skip
        for first in range(0, len(values), 5000):
            conn.execute(sa.insert(ANSWER), values[first : first + 5000])


def prepare(args: argparse.Namespace) -> tuple[Path, Path, int, str]:
    """The database and its config; the raw cases' rows dumped to a pickle; its URL."""
    from inbox_bench import review_some

    from aggregator.db import create_db_engine, upgrade
    from aggregator.store import Store

    WORK.mkdir(parents=True, exist_ok=True)
    url = database_url(args.backend)
    config = WORK / "config.yaml"
    config.write_text(CONFIG.format(db=url), encoding="utf-8")
    upgrade(url)
    store = Store(create_db_engine(url))
    rng = random.Random(args.seed)
    began = time.perf_counter()
    generate(store, PREVIOUS, args.comments, rng, 0)
    generate(store, MONTH, args.comments, rng, args.comments)
    review_some(store)
    answer_some(store)
    if args.analyze:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"generated {2 * args.comments:,} comments in {time.perf_counter() - began:.0f} s")
    rows = WORK / "rows.pickle"
    data = sheet_rows(store, config)
    dump_rows(data, rows)
    store.engine.dispose()
    return config, rows, len(data["sheets"]["댓글 목록"]), url


def database_url(backend: str) -> str:
    """A fresh database: `WORK/export.db`, or `export_bench` on the PostgreSQL server of
    `AGGREGATOR_TEST_PG_URL`."""
    if backend == "postgresql":
        from benchlib import fresh_database

        return fresh_database("postgresql", "export_bench", os.environ.get(PG_URL_ENV))
    db = WORK / "export.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db}"


def dump_rows(data: dict[str, Any], path: Path) -> None:
    """The headers, then per sheet its name and its rows in chunks of 1,000 (None ends
    a sheet, and the sheets): the raw writers stream them instead of holding them."""
    with path.open("wb") as out:
        pickle.dump(data["headers"], out, protocol=pickle.HIGHEST_PROTOCOL)
        for name, lines in data["sheets"].items():
            pickle.dump(name, out)
            for begin in range(0, len(lines), 1000):
                pickle.dump(lines[begin : begin + 1000], out, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(None, out)
        pickle.dump(None, out)


def load_rows(path: Path) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """(sheet name, its rows) as `dump_rows` wrote them, read as they are consumed."""
    with path.open("rb") as source:
        headers = pickle.load(source)
        yield "", iter([headers])

        def rows() -> Iterator[list[Any]]:
            while (chunk := pickle.load(source)) is not None:
                yield from chunk

        while (name := pickle.load(source)) is not None:
            sheet = rows()
            yield name, sheet
            for _ in sheet:  # a sheet not consumed is skipped
                pass


def sheet_rows(store: Store, config: Path) -> dict[str, Any]:
    """The cell values of the report's comment sheets (what the raw writers write):
    the month's rows as the report makes them, pseudonymised, times in office time."""
    from aggregator.config import load_settings
    from aggregator.reports.columns import COMMENT_COLUMNS, local
    from aggregator.reports.rows import to_report_row
    from aggregator.reports.service import pseudonymizer_for
    from aggregator.timeutil import month_bounds

    author = [c.header for c in COMMENT_COLUMNS].index("작성자")
    settings = load_settings(config, environ=ENV)
    tz, days, now = settings.timezone, settings.review.deadline_business_days, store.clock()
    pseudonym = pseudonymizer_for(settings)
    every, open_rows = [], []
    for raw in store.reports.report_rows(*month_bounds(MONTH, tz)):
        row = to_report_row(raw, days, tz, now)
        values = [column.get(row) for column in COMMENT_COLUMNS]
        values[author] = pseudonym(row.author_key)
        values = [local(v, tz) if isinstance(v, datetime) else v for v in values]
        every.append(values)
        if row.is_open or row.overdue:
            open_rows.append(values)
    return {
        "headers": [c.header for c in COMMENT_COLUMNS],
        "sheets": {"댓글 목록": every, "미처리·기한경과": open_rows},
    }


LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss,
               usage.ru_utime + usage.ru_stime], out)
"""
"""Starts a case from a small process: Linux carries the parent's peak RSS over a fork
and exec into the child's `ru_maxrss`, so a case forked straight from this (large)
process would report at least this process's peak."""


def child(args: list[str]) -> tuple[float, float, str, float]:
    """Run a command; return (peak RSS MiB, wall seconds, stdout, CPU seconds)."""
    env = {**os.environ, **ENV}
    env.pop("AGGREGATOR_DATABASE_URL", None)
    usage_file = WORK / "child.usage"
    began = time.perf_counter()
    with open(WORK / "child.out", "w") as out, open(WORK / "child.err", "w") as err:
        subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, str(usage_file), *args],
            stdout=out, stderr=err, env=env, check=False,
        )  # fmt: skip
    seconds = time.perf_counter() - began
    code, peak_kib, cpu = json.loads(usage_file.read_text())
    if code != 0:
        sys.stderr.write((WORK / "child.err").read_text())
        raise SystemExit(f"failed: {' '.join(args)}")
    return peak_kib / 1024, seconds, (WORK / "child.out").read_text(), cpu


# -- the child cases ---------------------------------------------------------------------


def raw_case(fmt: str, rows_file: Path, out: Path) -> None:
    """Write the dumped rows with XlsxWriter or csv; print the write time."""
    import xlsxwriter

    began = time.perf_counter()
    sheets = load_rows(rows_file)
    _, first = next(sheets)
    headers = next(first)
    if fmt == "xlsx":
        book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_urls": False})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for name, lines in sheets:
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, headers)
            for r, line in enumerate(lines, start=1):
                for c, value in enumerate(line):
                    if isinstance(value, datetime):
                        sheet.write_datetime(r, c, value, when)
                    elif isinstance(value, bool):
                        sheet.write_string(r, c, "예" if value else "아니오")
                    elif isinstance(value, int | float):
                        sheet.write_number(r, c, value)
                    elif value is not None and value != "":
                        sheet.write_string(r, c, str(value))
        book.close()
    else:
        _, lines = next(sheets)  # 댓글 목록 only: the CSV is the comment list
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(headers)
            for line in lines:
                writer.writerow(
                    ["" if v is None else v.strftime("%Y-%m-%d %H:%M")
                     if isinstance(v, datetime) else v for v in line]
                )  # fmt: skip
    print(json.dumps({"write": time.perf_counter() - began}))


# -- the parent ---------------------------------------------------------------------------

Measured = dict[str, tuple[float, float, float | None, int, float]]
"""Per case: wall seconds, peak RSS MiB, the writing seconds it reported, file bytes,
CPU seconds (user + system: what the case costs when the machine is shared)."""


def run(args: argparse.Namespace) -> None:
    from benchlib import record, table

    config, rows, month_rows, url = prepare(args)
    me = [sys.executable, os.path.abspath(__file__)]
    topics = [AGGREGATOR, "topics", "update", "--config", str(config)]
    job = f"topics job ({2 * args.comments:,} comments)"
    cases: list[tuple[str, str, list[str]]] = []
    if not args.pending_topics:
        cases.append((job, "", topics))
    for fmt in args.formats.split(","):
        out = WORK / f"out.{fmt}"
        cli = [AGGREGATOR, "report", "--month", MONTH, "--format", fmt, "--out", str(out),
               "--reason", "benchmark", "--config", str(config)]  # fmt: skip
        if fmt in RAW_FORMATS:
            cases.append((f"raw {fmt}", fmt, [*me, "--child", "raw", fmt, str(rows), str(out)]))
        cases.append((f"report {fmt} (CLI)", fmt, cli))
    measured: Measured = {}
    for name, fmt, command in cases:
        samples = []
        for _ in range(1 if not fmt else args.runs):  # the topics job has work only once
            peak, seconds, out_text, cpu = child(command)
            last = out_text.strip().splitlines()[-1] if out_text.strip() else ""
            inner = json.loads(last).get("write") if last.startswith("{") else None
            samples.append((seconds, peak, inner, cpu))
        samples.sort()
        seconds, peak, inner, cpu = samples[len(samples) // 2]
        size = (WORK / f"out.{fmt}").stat().st_size if fmt else 0
        measured[name] = (seconds, max(s[1] for s in samples), inner, size, cpu)
        print(name, f"{seconds:.2f} s", f"{peak:.0f} MiB", inner, size)
    lines = [_line(name, fmt, measured) for name, fmt, _ in cases]
    header = ["case", "wall s (child)", "× raw same format", "writing s", "peak RSS MiB",
              "file MiB", "target met", "CPU s (child)"]  # fmt: skip
    backend = "PostgreSQL" if args.backend == "postgresql" else "SQLite"
    record(
        f"Export, {args.comments:,} comments a month"
        + (", PostgreSQL" if args.backend == "postgresql" else ""),
        f"{backend}{' after ANALYZE' if args.analyze else ''}; {month_rows:,} rows in {MONTH} "
        f"(and {args.comments:,} in {PREVIOUS}), "
        f"median of {args.runs} runs per case, each in a child process (wall time includes "
        "interpreter start and imports; peak is the child's max RSS). The raw cases write "
        "the same cell values, dumped beforehand, so their time excludes reading the store "
        f"and computing the report. {PENDING if args.pending_topics else STEADY}\n\n"
        + table(header, lines),
        url if args.backend == "postgresql" else None,
        command="bench/export_bench.py " + " ".join(sys.argv[1:]),
    )


def _line(name: str, fmt: str, measured: Measured) -> list[str]:
    from benchlib import verdict

    return [*_cells(name, fmt, measured, verdict), f"{measured[name][4]:.2f}"]


def _cells(name: str, fmt: str, measured: Measured, verdict: Any) -> list[str]:
    seconds, peak, inner, size, _cpu = measured[name]
    memory = f"memory {verdict(peak < PEAK_MB)} (< {PEAK_MB} MB)"
    if not fmt:
        return [name, f"{seconds:.2f}", "", "", f"{peak:.0f}", "", memory]
    if fmt not in RAW_FORMATS:  # the documents: issue 16's targets, no raw counterpart
        target = f"time {verdict(seconds < 30)} (< 30 s), {memory}"
        return [name, f"{seconds:.2f}", "", "", f"{peak:.0f}", f"{size / 1048576:.1f}", target]
    ratio = seconds / measured[f"raw {fmt}"][0]
    target = ""
    if name.startswith("report"):
        target = f"time {verdict(ratio <= 1.5)} (≤ 1.5 ×), {memory}" if fmt == "xlsx" else memory
    return [name, f"{seconds:.2f}", f"{ratio:.2f}", "" if inner is None else f"{inner:.2f}",
            f"{peak:.0f}", f"{size / 1048576:.1f}", target]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql"], default="sqlite",
        help=f"the database: a SQLite file in --work, or a fresh `export_bench` database on "
        f"the PostgreSQL server of ${PG_URL_ENV}",
    )  # fmt: skip
    parser.add_argument(
        "--analyze", action="store_true",
        help="run ANALYZE on the generated database (the report query's plan needs statistics "
        "on SQLite: without them it scans the month per comment, see RESULTS.md)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=1, help="runs per case (the median is kept)")
    parser.add_argument(
        "--formats", default="xlsx,csv,pdf,html",
        help="report formats to measure, comma-separated (xlsx and csv also run their raw case)",
    )  # fmt: skip
    parser.add_argument(
        "--pending-topics", action="store_true",
        help="skip the topics job: the report then analyses every comment's nouns itself, "
        "in its own process (kiwipiepy's model loaded there), as a CLI report does when "
        "the scheduler's topics job has not run yet",
    )  # fmt: skip
    parser.add_argument(
        "--work", type=Path, default=WORK,
        help=f"scratch directory, emptied of its database first (default {WORK}); give each "
        "concurrent run its own",
    )  # fmt: skip
    parser.add_argument("--child", nargs=4, metavar=("KIND", "FORMAT", "INPUT", "OUT"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    globals()["WORK"] = args.work
    if args.child:
        _kind, fmt, source, out = args.child
        raw_case(fmt, Path(source), Path(out))
        return
    run(args)


if __name__ == "__main__":
    main()
