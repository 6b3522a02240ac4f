"""YouTube API calls and quota units per sync against the sandbox, run by hand.

    .venv/bin/python bench/youtube_quota_bench.py                  # seed 7, 6,000 comments
    .venv/bin/python bench/youtube_quota_bench.py --comments 20000 --no-record

Starts a frozen sandbox (YouTube gets a fifth of `--comments`), syncs the channel into a
fresh SQLite store through `sync_account` and the real connector, and counts for each
run the calls the run recorded, the units the sandbox's quota ledger charged and the
units the connector counted in its `quota` cursor: the first sync, a sync with nothing
new, a reconcile pass, a sync after the clock moved until a few new comments are
public, and a sync after one thread (with replies) was deleted. Also what each run
stored and marked deleted upstream. Appends the table to `bench/RESULTS.md`.
Target (issue 17): no-change sync <= 1 call per stream, 0 units beyond one list call
per stream (posts: playlistItems, comments: videos.list statistics).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from aggregator.db import create_db_engine, upgrade
from aggregator.http import HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.store import Store
from aggregator.sync import SyncOptions, sync_account
from connectors.youtube.connector import YouTubeConnector
from connectors.youtube.settings import YouTubeAccount

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import fresh_database, record, table

HEADER = ("sync", "API calls", "quota units (sandbox)", "units (connector)",
          "comments new", "updated", "marked deleted", "status", "calls by method")  # fmt: skip
API = "/youtube/v3/"


class Bench:
    """The sandbox's channel synced into one store, run after run."""

    def __init__(self, sandbox: Sandbox, url: str) -> None:
        self.sandbox = sandbox
        self.world = sandbox.youtube.world
        self.store = Store(create_db_engine(url), clock=sandbox.now)
        accounts = build_config(sandbox.base_url)["accounts"]
        entry = next(a for a in accounts if a["name"] == "youtube")
        entry = {**entry, "write_access_token": None}
        self.account = YouTubeAccount.model_validate(entry, context={"environ": SANDBOX_ENV})
        self.rows: list[tuple[object, ...]] = []

    def run(self, name: str, reconcile: bool = False) -> None:
        used, marked = self.sandbox.youtube.quota.used(), self.marked()
        self.sandbox.requests.clear()
        loopback = (ipaddress.ip_network("127.0.0.1/32"),)
        http = HttpSettings(retries=0, allow_private_networks=loopback)
        options = SyncOptions(reconcile=reconcile, http=http)
        result = sync_account(self.store, self.account, YouTubeConnector, options)
        cursors = self.store.sync.cursors(self.store.sync.ensure_account("youtube", "youtube"))
        quota = cursors.get("quota")
        counted = quota.get("units", 0) if isinstance(quota, dict) else 0
        methods = Counter(r.path.rsplit("/", 1)[-1] for r in self.sandbox.requests.find(API))
        by_method = ", ".join(f"{name} {n}" for name, n in sorted(methods.items()))
        self.rows.append((
            name, result.api_calls, self.sandbox.youtube.quota.used() - used, counted,
            result.comments.new, result.comments.updated, self.marked() - marked, result.status,
            by_method,
        ))  # fmt: skip
        print(self.rows[-1], result.error, flush=True)

    def marked(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT (SELECT count(*) FROM comment WHERE deleted_upstream_at IS NOT NULL)"
                " + (SELECT count(*) FROM post WHERE deleted_upstream_at IS NOT NULL)"
            )).scalar_one())  # fmt: skip

    def public(self) -> int:
        """Comments an API key sees now (published, in published threads)."""
        now, total = self.sandbox.now(), 0
        for video in self.world.videos(now):
            comments = self.world.comments(video, now)
            tops = {c.id for c in comments if not c.is_reply and c.status == "published"}
            total += sum(c.thread_id in tops and c.status == "published" for c in comments)
        return total

    def three_replies(self) -> None:
        """Three replies in the newest thread of the newest video with comments."""
        now = self.sandbox.now()
        for video in self.world.videos(now):
            shown = self.world.comments(video, now)
            tops = [c for c in shown if not c.is_reply and c.status == "published"]
            if tops:
                for n in range(3):
                    self.world.reply(tops[-1], f"문의하신 내용 확인했습니다 ({n + 1})", now)
                return

    def delete_a_thread(self) -> None:
        now = self.sandbox.now()
        threads = [
            (sum(r.thread_id == c.id and r.is_reply for r in shown), c)
            for v in self.world.videos(now)
            for shown in [self.world.comments(v, now)]
            for c in shown
            if not c.is_reply and c.status == "published"
        ]
        replies, thread = max(threads, key=lambda t: (t[0], t[1].id))
        self.world.changes.delete(thread.id, self.sandbox.now())
        print(f"deleted thread {thread.id} with {replies} replies", flush=True)


def until_new(bench: Bench, at_least: int) -> Callable[[], Any]:
    """Move the sandbox clock 15 minutes at a time until `at_least` new comments show."""
    before = bench.public()

    def moved() -> int:
        minutes = 0
        while bench.public() - before < at_least:
            bench.sandbox.advance(15)
            minutes += 15
        return minutes

    return moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    url = fresh_database("sqlite", "youtube-quota", None)
    upgrade(url)
    with Sandbox(seed=args.seed, comments=args.comments, speed=0.0, port=0) as sandbox:
        bench = Bench(sandbox, url)
        bench.run("first")
        videos, comments = len(bench.world.videos(sandbox.now())), bench.public()
        bench.run("no change")
        bench.run("reconcile", reconcile=True)
        bench.three_replies()
        bench.run("3 new replies in one thread")
        before = bench.public()
        minutes = until_new(bench, 3)()
        bench.run(f"clock +{minutes} min: {bench.public() - before} more public comments")
        bench.delete_a_thread()
        bench.run("a thread deleted")
        bench.store.close()
    body = (
        f"Sandbox seed {args.seed}, {videos} videos, {comments:,} public YouTube comments "
        "at the first sync; SQLite store, `sync_account` with the real connector. Units: "
        "the sandbox's quota ledger per run, and the day's total the connector keeps in "
        "its `quota` cursor. Target: no-change sync <= 1 call per stream (2 streams) and "
        "no units beyond them.\n\n" + table(HEADER, bench.rows)
    )
    if args.no_record:
        print(body)
    else:
        record("YouTube calls and quota units per sync", body,
               command=f"bench/youtube_quota_bench.py --comments {args.comments}")  # fmt: skip


if __name__ == "__main__":
    main()
