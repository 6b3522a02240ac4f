"""Backfill memory and API frugality, through the real CLI against the platform sandbox.

    .venv/bin/python bench/sandbox_bench.py memory --comments 200000 --account facebook-page
    .venv/bin/python bench/sandbox_bench.py calls --comments 20000

`memory`: serves a sandbox of `--comments` comments (all of them on the chosen
account's platform share) in this process, then runs `aggregator sync --account NAME`
as a child process and reads the child's own peak RSS (`os.wait4`, ru_maxrss). The
baseline is the peak RSS of `aggregator status` on the same config (the interpreter,
SQLAlchemy and the app imported, no sync). Target: backfill peak < 300 MB.

`calls`: for every account of the sandbox config: a first sync, a sync with no change,
and a sync after the sandbox clock moved until at least 10 new comments are visible on
that platform; the API calls (`--json` api_calls), the billable reads (X posts read)
and the account's streams (cursors). Target: a no-change sync makes at most 1 call per
stream and reads 0 paid X posts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import record, table, verdict
from export_bench import LAUNCHER

from aggregator.db import upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV

ROOT = Path(__file__).resolve().parent.parent
AGGREGATOR = str(ROOT / ".venv" / "bin" / "aggregator")
WORK = Path("/tmp/aggregator-bench-sandbox")
MEMORY_TARGET_MB = 300
SANDBOX_KEYS = {
    "naver-blog": "naver",
    "wordpress-news": "wordpress",
    "tistory-blog": "tistory",
    "facebook-page": "facebook",
    "x-account": "twitter",
    "pinterest": "pinterest",
}


def child(args: list[str], config: Path) -> tuple[int, float, float, str]:
    """Run an `aggregator` command; return (exit code, peak RSS MiB, seconds, stdout)."""
    env = {**os.environ, **SANDBOX_ENV, "AGGREGATOR_CONFIG": str(config)}
    env.pop("AGGREGATOR_DATABASE_URL", None)
    began = time.perf_counter()
    process = subprocess.Popen(
        [AGGREGATOR, *args, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    out, err = process.communicate()  # communicate reaps nothing: wait4 below does
    _, status, usage = os.wait4(process.pid, 0) if process.returncode is None else (0, 0, None)
    seconds = time.perf_counter() - began
    if usage is None:  # already reaped by communicate(): fall back to the children's max
        import resource

        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        code = process.returncode
    else:
        peak, code = usage.ru_maxrss, os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.stderr.write(err)
    return code, peak / 1024, seconds, out


def peak_of(args: list[str], config: Path) -> tuple[int, float, float, str]:
    """Like `child`, but the peak RSS is the command's own: it is started from a small
    launcher process (`export_bench.LAUNCHER`), because Linux carries a parent's peak
    RSS over fork and exec into the child's `ru_maxrss`, and this process holds the
    sandbox (hundreds of MB for a large data set)."""
    env = {**os.environ, **SANDBOX_ENV, "AGGREGATOR_CONFIG": str(config)}
    env.pop("AGGREGATOR_DATABASE_URL", None)
    usage_file = WORK / "child.usage"
    command = [sys.executable, "-S", "-c", LAUNCHER, str(usage_file), AGGREGATOR, *args]
    began = time.perf_counter()
    with open(WORK / "child.out", "w") as out, open(WORK / "child.err", "w") as err:
        subprocess.run([*command, "--config", str(config)], stdout=out, stderr=err, env=env)
    seconds = time.perf_counter() - began
    code, peak_kib = json.loads(usage_file.read_text())
    if code not in (0, 1):
        sys.stderr.write((WORK / "child.err").read_text())
    return code, peak_kib / 1024, seconds, (WORK / "child.out").read_text()


def setup(sandbox: Sandbox, name: str) -> Path:
    """A fresh SQLite database and a config pointing at the running sandbox."""
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    config = sandbox.write_config(WORK / f"{name}.yaml", str(database))
    upgrade(f"sqlite:///{database}")
    return config


def stored_comments(config: Path, account: str) -> int:
    """Comments stored for an account in the config's database."""
    database = WORK / f"{config.stem}.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        count = conn.execute(
            sa.text(
                "SELECT count(*) FROM comment JOIN account ON account.id = comment.account_id "
                "WHERE account.name = :name"
            ),
            {"name": account},
        ).scalar_one()
    engine.dispose()
    return int(count)


def memory(args: argparse.Namespace) -> None:
    """Peak RSS of a backfill sync of one account against a baseline command."""
    with Sandbox(seed=args.seed, comments=args.comments, speed=0) as sandbox:
        config = setup(sandbox, "memory")
        key = SANDBOX_KEYS.get(args.account, args.account)
        visible = sandbox.data.counts(sandbox.now())[key]["comments"]
        _, base_rss, _, _ = peak_of(["status"], config)
        print(f"baseline (aggregator status): {base_rss:.0f} MiB; syncing {args.account} ...")
        code, rss, seconds, out = peak_of(["sync", "--account", args.account, "--json"], config)
        stored = stored_comments(config, args.account)
        calls = _result(out, args.account).get("api_calls", "?")
    rows = [
        ["`aggregator status` (baseline)", f"{base_rss:.0f}", "1.00", "", "", "", ""],
        [f"`aggregator sync --account {args.account}` (backfill)", f"{rss:.0f}",
         f"{rss / base_rss:.2f}", f"{stored:,} of {visible:,} visible", calls,
         f"{seconds:.0f} s (exit {code})", f"{verdict(rss < MEMORY_TARGET_MB)} (< 300 MB)"],
    ]  # fmt: skip
    header = ["process", "peak RSS MiB", "× baseline", "comments stored", "API calls",
              "time", "target met"]  # fmt: skip
    record(
        f"Backfill memory, {args.account}, sandbox of {args.comments:,} comments",
        f"Sandbox data set of {args.comments:,} comments (seed {args.seed}), SQLite.\n\n"
        + table(header, rows),
        command="bench/sandbox_bench.py " + " ".join(sys.argv[1:]),
    )


def _result(out: str, account: str) -> dict[str, Any]:
    try:
        found = json.loads(out)
    except json.JSONDecodeError:
        return {}
    items = found if isinstance(found, list) else found.get("accounts", [found])
    return next((r for r in items if isinstance(r, dict) and r.get("account") == account), {})


def streams(config: Path, account: str) -> int:
    """How many cursor streams an account has stored."""
    engine = sa.create_engine(f"sqlite:///{WORK / (config.stem + '.db')}")
    with engine.connect() as conn:
        count = conn.execute(
            sa.text(
                "SELECT count(*) FROM sync_cursor JOIN account ON account.id = "
                "sync_cursor.account_id WHERE account.name = :name"
            ),
            {"name": account},
        ).scalar_one()
    engine.dispose()
    return int(count)


def advance_until_new(sandbox: Sandbox, key: str | None, wanted: int) -> int:
    """Move the sandbox clock in small steps until `wanted` new comments are visible."""

    def visible() -> int:
        counts = sandbox.data.counts(sandbox.now())
        return sum(c["comments"] for k, c in counts.items() if key is None or k == key)

    before = visible()
    for _ in range(2000):
        if visible() - before >= wanted:
            break
        sandbox.advance(2)
    return visible() - before


def calls(args: argparse.Namespace) -> None:
    """First, no-change and 10-new-comment syncs of every account: calls and paid reads."""
    rows: list[list[object]] = []
    requested: dict[str, list[str]] = {}
    with Sandbox(seed=args.seed, comments=args.comments, speed=0) as sandbox:
        probe = setup(sandbox, "calls-probe")
        names = [
            line.split(":", 1)[1].strip()
            for line in probe.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("- name:")
        ]
        for name in names:
            config = setup(sandbox, f"calls-{name}")
            runs: list[tuple[str, dict[str, Any]]] = []
            for label in ("first sync", "no change", "10 new comments"):
                if label == "10 new comments":
                    new = advance_until_new(sandbox, SANDBOX_KEYS.get(name), 10)
                    label = f"{new} new comments (clock moved)"
                sandbox.requests.clear()
                _, _, _, out = child(["sync", "--account", name, "--json"], config)
                runs.append((label, _result(out, name)))
                if label == "no change":
                    paths = sorted({r.path for r in sandbox.requests.find("/")})
                    print(f"{name}: no-change requests: {paths}")
                    requested[name] = paths
            count = streams(config, name)
            for label, result in runs:
                calls_made = result.get("api_calls", "?")
                paid = result.get("units_read", "?")
                target = ""
                if label == "no change":
                    ok = isinstance(calls_made, int) and calls_made <= max(count, 1) and paid == 0
                    target = f"{verdict(ok)} (≤ {max(count, 1)} calls, 0 paid)"
                comments = result.get("comments", {})
                rows.append([name, label, calls_made, count, paid,
                             f"{comments.get('new', '?')}/{comments.get('updated', '?')}",
                             result.get("status", "?"), target])  # fmt: skip
                print(rows[-1])
    header = ["account", "sync", "API calls", "streams", "paid reads (X posts)",
              "comments new/updated", "status", "target met"]  # fmt: skip
    record(
        f"API frugality per account, sandbox of {args.comments:,} comments",
        f"Each account synced alone into its own SQLite database (seed {args.seed}).\n\n"
        + table(header, rows)
        + "\n\nPaths requested by each no-change sync:\n\n"
        + "\n".join(f"- {name}: {', '.join(paths)}" for name, paths in requested.items()),
        command="bench/sandbox_bench.py " + " ".join(sys.argv[1:]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="bench", required=True)
    mem = sub.add_parser("memory", help="peak RSS of a backfill")
    mem.add_argument("--comments", type=int, default=200_000)
    mem.add_argument("--account", default="facebook-page")
    mem.add_argument("--seed", type=int, default=7)
    api = sub.add_parser("calls", help="API calls of first / no-change / new-comment syncs")
    api.add_argument("--comments", type=int, default=20_000)
    api.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    {"memory": memory, "calls": calls}[args.bench](args)


if __name__ == "__main__":
    main()
