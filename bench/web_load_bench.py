"""The review inbox under load: 20 concurrent clients while a sync writes.

    .venv/bin/python bench/web_load_bench.py --comments 100000 --seconds 30

Serves a sandbox (in this process), backfills its Facebook Page and WordPress blog into
a fresh SQLite database through `aggregator sync`, creates an admin with
`aggregator users add`, then starts `aggregator serve` as a child process on a loopback
port. Two phases, same server, same database:

1. baseline: one client, no sync running;
2. load: `--clients` threads (each its own logged-in session) loop over the inbox, a
   2-syllable search and a 3-syllable search while another child process runs
   `aggregator sync` again and again as the sandbox clock moves (new comments).

Per page: p50 and p95 in ms, the p95 ratio against the baseline, requests and errors
(any status other than 200, or an exception). Target: 0 errors.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import percentiles, record, table, verdict

from aggregator.db import upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV

ROOT = Path(__file__).resolve().parent.parent
AGGREGATOR = str(ROOT / ".venv" / "bin" / "aggregator")
WORK = Path("/tmp/aggregator-bench-web")
USER, PASSWORD = "bench-admin", "bench-password-1"
PAGES = {"inbox": "/inbox", "search 주차": "/inbox?q=주차", "search 놀이터": "/inbox?q=놀이터"}
SYNCED = ("facebook-page", "wordpress-news")


def env(config: Path) -> dict[str, str]:
    """The child processes' environment: sandbox tokens, this config."""
    found = {**os.environ, **SANDBOX_ENV, "AGGREGATOR_CONFIG": str(config)}
    found.pop("AGGREGATOR_DATABASE_URL", None)
    return found


def aggregator(config: Path, *args: str, stdin: str | None = None) -> None:
    """Run an `aggregator` command to completion (exit 0 or 1 accepted)."""
    done = subprocess.run(
        [AGGREGATOR, *args], input=stdin, capture_output=True, text=True, env=env(config)
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"aggregator {' '.join(args)} failed: {done.stderr.strip()}")


def login(base: str) -> requests.Session:
    """A session logged in as the bench admin."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = page.split('name="login_token" value="')[1].split('"')[0]
    answer = session.post(
        base + "/login",
        data={"username": USER, "password": PASSWORD, "login_token": token},
        timeout=10,
    )
    answer.raise_for_status()
    return session


class Load:
    """Latency samples and errors per page, from many threads."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {name: [] for name in PAGES}
        self.errors: dict[str, int] = dict.fromkeys(PAGES, 0)
        self.lock = threading.Lock()

    def client(self, base: str, until: float) -> None:
        """Loop over the pages until `until` (monotonic)."""
        try:
            session = login(base)
        except (requests.RequestException, IndexError):
            with self.lock:
                self.errors["inbox"] += 1
            return
        while time.monotonic() < until:
            for name, path in PAGES.items():
                began = time.perf_counter()
                try:
                    ok = session.get(base + path, timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                spent = (time.perf_counter() - began) * 1000
                with self.lock:
                    self.samples[name].append(spent)
                    self.errors[name] += 0 if ok else 1

    def run(self, base: str, clients: int, seconds: float) -> None:
        """`clients` threads for `seconds`."""
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=self.client, args=(base, until)) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def writer(sandbox: Sandbox, config: Path, stop: threading.Event, runs: list[int]) -> None:
    """Sync the accounts again and again while the sandbox clock moves."""
    while not stop.is_set():
        sandbox.advance(30)
        args = ["sync", *[a for name in SYNCED for a in ("--account", name)]]
        aggregator(config, *args)
        runs[0] += 1


def wait_for(base: str, seconds: float = 20) -> None:
    """Until the server answers."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            requests.get(base + "/login", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("aggregator serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000, help="sandbox size")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / "web.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with Sandbox(seed=7, comments=args.comments, speed=0) as sandbox:
        config = sandbox.write_config(WORK / "config.yaml", str(database))
        upgrade(f"sqlite:///{database}")
        print("backfilling ...", flush=True)
        aggregator(config, "sync", *[a for name in SYNCED for a in ("--account", name)])
        aggregator(config, "users", "add", USER, "--role", "admin", "--password-stdin",
                   stdin=PASSWORD + "\n")  # fmt: skip
        server = subprocess.Popen(
            [AGGREGATOR, "serve", "--port", str(args.port)],
            env=env(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{args.port}"
        try:
            wait_for(base)
            print("baseline: 1 client, no sync ...", flush=True)
            baseline = Load()
            baseline.run(base, 1, min(args.seconds, 15))
            print(f"load: {args.clients} clients while syncing ...", flush=True)
            stop, runs = threading.Event(), [0]
            sync = threading.Thread(target=writer, args=(sandbox, config, stop, runs))
            sync.start()
            loaded = Load()
            loaded.run(base, args.clients, args.seconds)
            stop.set()
            sync.join()
        finally:
            server.terminate()
            server.wait(10)
    rows = []
    for name in PAGES:
        b50, b95 = percentiles(baseline.samples[name])
        l50, l95 = percentiles(loaded.samples[name])
        errors = loaded.errors[name] + baseline.errors[name]
        rows.append([name, f"{b50:.0f}", f"{b95:.0f}", f"{l50:.0f}", f"{l95:.0f}",
                     f"{l95 / b95:.1f}", len(loaded.samples[name]), errors,
                     verdict(errors == 0)])  # fmt: skip
    header = ["page", "1 client p50 ms", "p95", f"{args.clients} clients p50", "p95",
              "p95 × baseline", "requests under load", "errors", "0 errors"]  # fmt: skip
    record(
        f"Web under load, {args.clients} clients",
        f"Sandbox of {args.comments:,} comments (Facebook Page + WordPress backfilled into "
        f"SQLite); {args.seconds:.0f} s of load while {runs[0]} syncs of "
        f"{', '.join(SYNCED)} ran (sandbox clock +30 min each).\n\n" + table(header, rows),
        command="bench/web_load_bench.py " + " ".join(sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
