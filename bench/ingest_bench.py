"""Ingest benchmark: the real sync write path against a raw `executemany` upsert.

    .venv/bin/python bench/ingest_bench.py --comments 100000
    .venv/bin/python bench/ingest_bench.py --comments 1000000 --backend sqlite postgresql

Comments come from the sandbox data set (the Facebook Page's seeded Korean threads,
replies and district answers), rendered as Graph API comment payloads (~600 bytes of
raw JSON each) in pages of `--batch`. Four ways of writing the same rows, per back end,
in two interleaved passes (each page is written by the store and by the raw writer in
turn, alternating which goes first, so that both see the same machine load):

1. raw insert: a plain `sqlite3` (or psycopg) `executemany` upsert of the mapped rows
   into the same schema (made by the migrations: same indexes), one transaction per
   page, no search index: the ceiling.
2. store insert: connector mapping (`connectors.facebook.mapping.to_comment`) and
   `store.sync.apply_batch` with the cursor update, the routing rules of config.yaml, the
   open items and the Korean bigram search index, exactly as a sync stores a page.
3. store re-sync: the same unchanged pages again through mapping and `apply_batch`.
4. raw re-sync: the raw upsert again, guarded by `WHERE ... IS DISTINCT FROM excluded...` so
   unchanged rows are not rewritten (the best a raw re-sync can do).

Generating the payloads is never timed; mapping is timed separately and reported both
inside and outside the store figures. Targets (issue 9): store insert >= 0.5 x raw
insert, store re-sync >= 1 x raw insert.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import fresh_database, record, table, verdict

from aggregator.config import parse_settings
from aggregator.db import create_db_engine, upgrade
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.routing import Router
from aggregator.sandbox import DataSet, SandboxComment
from aggregator.sandbox.models import ACCOUNTS
from aggregator.store import Store
from connectors.facebook.mapping import to_comment

ROOT = Path(__file__).resolve().parent.parent
FACEBOOK = next(a for a in ACCOUNTS if a.key == "facebook")
GRAPH = "https://graph.facebook.com/v21.0"
RAW_COLUMNS = (
    "account_id", "platform", "external_id", "kind", "post_id", "post_external_id",
    "parent_external_id", "author_id", "author_name", "author_handle", "text", "content_hash",
    "created_at", "permalink", "metrics", "raw", "source_url", "fetched_at", "first_seen_at",
    "last_seen_at", "content_seen_at", "hidden_upstream", "by_account_owner", "manual_entry",
)  # fmt: skip
UPDATED = [c for c in RAW_COLUMNS if c not in ("account_id", "platform", "external_id",
                                               "first_seen_at", "manual_entry")]  # fmt: skip
GUARD = (
    "comment.content_hash IS DISTINCT FROM excluded.content_hash "
    "OR comment.hidden_upstream IS DISTINCT FROM excluded.hidden_upstream "
    "OR comment.parent_external_id IS DISTINCT FROM excluded.parent_external_id"
)


# -- the rows ------------------------------------------------------------------------------


def world(comments: int, seed: int) -> DataSet:
    """The sandbox data set with every comment on the Facebook Page."""
    return DataSet(seed, comments, accounts=(FACEBOOK,))


def post_external_id(post_id: int) -> str:
    """The Graph id of a sandbox post on the Page."""
    return f"{FACEBOOK.handle}_{post_id}"


def posts(data: DataSet) -> tuple[PostRecord, ...]:
    """The Page's posts as records (not timed: comments are what is measured)."""
    return tuple(
        PostRecord(
            platform="facebook",
            external_id=post_external_id(p.id),
            created_at=p.created_at,
            text="\n".join(p.paragraphs),
            title=p.title,
            url=f"https://www.facebook.com/{post_external_id(p.id)}",
            raw={"id": post_external_id(p.id), "message": p.title},
        )
        for p in data.posts(FACEBOOK.key)
    )


def graph_payload(c: SandboxComment) -> dict[str, Any]:
    """One comment as `/{post-id}/comments?filter=stream` returns it."""
    node = f"{c.post_id}_{c.id}"
    author = (
        {"id": FACEBOOK.handle, "name": FACEBOOK.name}
        if c.by_district
        else {"id": str(abs(hash(c.author_handle)) % 10**15), "name": c.author_name}
    )
    payload: dict[str, Any] = {
        "id": node,
        "message": c.text,
        "created_time": c.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": author,
        "like_count": c.number % 7,
        "comment_count": 0,
        "is_hidden": False,
        "is_private": False,
        "permalink_url": f"https://www.facebook.com/{FACEBOOK.handle}/posts/{c.post_id}"
        f"?comment_id={c.id}",
        "can_comment": c.parent_id is None,
        "can_hide": True,
        "can_remove": True,
        "can_like": True,
        "user_likes": False,
        "object": {"id": post_external_id(c.post_id)},
    }
    if c.parent_id is not None:
        payload["parent"] = {"id": f"{c.post_id}_{c.parent_id}"}
    return payload


def pages(data: DataSet, size: int) -> Iterator[list[dict[str, Any]]]:
    """The comments as pages of Graph payloads, post by post."""
    page: list[dict[str, Any]] = []
    for comment in data.iter_comments(FACEBOOK.key):
        page.append(graph_payload(comment))
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def mapped(page: Sequence[dict[str, Any]]) -> list[CommentRecord]:
    """The connector's mapping of one page (as the Facebook connector calls it)."""
    return [
        to_comment(
            p,
            page_id=FACEBOOK.handle,
            post_id=p["object"]["id"],
            source_url=f"{GRAPH}/{p['object']['id']}/comments",
        )
        for p in page
    ]


def production_router() -> Router:
    """The routing rules of the repository's example config.yaml (suggestions at ingest)."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(
        {"departments": data["departments"], "routing_rules": data.get("routing_rules", [])},
        allow_unicode=True,
    )
    return Router(parse_settings(text).routing_rules)


# -- the passes ------------------------------------------------------------------------------


@dataclass
class Pass:
    """Seconds spent in one pass over every page."""

    rows: int = 0
    mapping: float = 0.0
    writing: float = 0.0
    cpu: float = 0.0
    """CPU seconds of this process and of the database server's backends (mapping and
    writing of the store; building the tuples and writing of the raw writer)."""

    def rate(self, with_mapping: bool = False) -> float:
        """Rows per second (of writing, or of mapping and writing)."""
        spent = self.writing + (self.mapping if with_mapping else 0.0)
        return self.rows / spent if spent else 0.0

    def cpu_rate(self) -> float:
        """Rows per CPU second."""
        return self.rows / self.cpu if self.cpu else 0.0


class ServerCpu:
    """CPU seconds used so far by the PostgreSQL backends serving one database, read from
    /proc (the test server runs on this machine); always 0 on SQLite, which runs inside
    this process (its work is in `time.process_time`)."""

    def __init__(self, url: str) -> None:
        parsed = sa.engine.make_url(url)
        self.database = parsed.database or ""
        self.admin: psycopg.Connection[Any] | None = None
        if parsed.get_backend_name() == "postgresql":
            admin = parsed.set(drivername="postgresql", database="postgres")
            self.admin = psycopg.connect(
                admin.render_as_string(hide_password=False), autocommit=True
            )

    def __call__(self) -> float:
        if self.admin is None:
            return 0.0
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
        pids = [row[0] for row in self.admin.execute(query, (self.database,))]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the backend ended since
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Close the admin connection."""
        if self.admin is not None:
            self.admin.close()


def store_pass(store: Store, account: int, data: DataSet, size: int) -> Pass:
    """Map and store every page as a sync does: records and cursor in one transaction."""
    result = Pass()
    for page in pages(data, size):
        store_page(store, account, page, result)
    return result


def store_page(
    store: Store,
    account: int,
    page: list[dict[str, Any]],
    result: Pass,
    server: ServerCpu | None = None,
) -> None:
    """Map and store one page (timed into `result`)."""
    server_before = server() if server else 0.0
    cpu_before = time.process_time()
    began = time.perf_counter()
    records = mapped(page)
    stored = time.perf_counter()
    store.sync.apply_batch(
        account,
        Batch(
            stream="comments",
            comments=tuple(records),
            cursor_updates={"comments": page[-1]["created_time"]},
            api_calls=1,
        ),
    )
    done = time.perf_counter()
    result.cpu += time.process_time() - cpu_before
    result.cpu += (server() - server_before) if server else 0.0
    result.rows += len(records)
    result.mapping += stored - began
    result.writing += done - stored


class RawWriter:
    """A plain DB-API upsert into the `comment` table of a migrated database."""

    def __init__(self, url: str, guarded: bool) -> None:
        self.backend = sa.engine.make_url(url).get_backend_name()
        placeholder = "?" if self.backend == "sqlite" else "%s"
        guard = f" WHERE {GUARD}" if guarded else ""
        self.statement = (
            f"INSERT INTO comment ({', '.join(RAW_COLUMNS)}) "
            f"VALUES ({', '.join([placeholder] * len(RAW_COLUMNS))}) "
            f"ON CONFLICT (platform, external_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in UPDATED)
            + guard
        )
        if self.backend == "sqlite":
            self.lite = sqlite3.connect(
                sa.engine.make_url(url).database or "", isolation_level=None
            )
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                self.lite.execute(f"PRAGMA {pragma}")
        else:
            plain = sa.engine.make_url(url).set(drivername="postgresql")
            self.pg = psycopg.connect(plain.render_as_string(hide_password=False))

    def post_ids(self) -> dict[str, int]:
        """Stored post ids by external id."""
        query = "SELECT external_id, id FROM post"
        if self.backend == "sqlite":
            return dict(self.lite.execute(query).fetchall())
        with self.pg.cursor() as cur:
            return {str(k): int(v) for k, v in cur.execute(query).fetchall()}

    def row(
        self, account: int, post_ids: dict[str, int], r: CommentRecord, now: Any
    ) -> tuple[Any, ...]:
        """The column values of one record, converted as the driver needs them."""
        if self.backend == "sqlite":
            now = now.replace(tzinfo=None).isoformat(" ")
            created: Any = r.created_at.replace(tzinfo=None).isoformat(" ")
        else:
            created = r.created_at
        return (
            account, str(r.platform), r.external_id, str(r.kind),
            post_ids.get(r.post_external_id or ""), r.post_external_id, r.parent_external_id,
            r.author_id, r.author_name, r.author_handle, r.text, r.content_hash, created,
            r.permalink, json.dumps(dict(r.metrics)), json.dumps(dict(r.raw)), r.source_url,
            now, now, now, now, r.hidden_upstream, r.by_account_owner, False,
        )  # fmt: skip

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """One transaction: the executemany upsert of one page."""
        if self.backend == "sqlite":
            self.lite.execute("BEGIN IMMEDIATE")
            self.lite.executemany(self.statement, rows)
            self.lite.execute("COMMIT")
            return
        with self.pg.transaction(), self.pg.cursor() as cur:
            cur.executemany(self.statement.encode(), rows)

    def close(self) -> None:
        """Close the connection."""
        if self.backend == "sqlite":
            self.lite.close()
        else:
            self.pg.close()


def raw_page(
    writer: RawWriter,
    account: int,
    post_ids: dict[str, int],
    page: list[dict[str, Any]],
    result: Pass,
    server: ServerCpu | None = None,
) -> None:
    """Upsert one page with plain executemany (building the tuples is timed, mapping not)."""
    records = mapped(page)
    server_before = server() if server else 0.0
    cpu_before = time.process_time()
    began = time.perf_counter()
    now = datetime.now(UTC)
    writer.write([writer.row(account, post_ids, r, now) for r in records])
    result.writing += time.perf_counter() - began
    result.cpu += time.process_time() - cpu_before
    result.cpu += (server() - server_before) if server else 0.0
    result.rows += len(records)


@dataclass
class Side:
    """One of the two writers of a paired pass: its database's URL and account."""

    url: str
    account: int


def paired_passes(
    store: Store, side: Side, writer: RawWriter, raw: Side, data: DataSet, size: int
) -> tuple[Pass, Pass]:
    """The store and the raw writer each write every page, page by page in turn (which
    goes first alternates), so both rates are measured under the same machine load: on a
    shared machine, two passes one after the other saw different loads and the ratio
    moved by a third between runs. CPU time is counted too (this process's, and the
    server backends' of each database), the measure load disturbs least."""
    store_result, raw_result = Pass(), Pass()
    store_cpu, raw_cpu = ServerCpu(side.url), ServerCpu(raw.url)
    post_ids = writer.post_ids()
    for number, page in enumerate(pages(data, size)):
        if number % 2:
            raw_page(writer, raw.account, post_ids, page, raw_result, raw_cpu)
        store_page(store, side.account, page, store_result, store_cpu)
        if not number % 2:
            raw_page(writer, raw.account, post_ids, page, raw_result, raw_cpu)
    store_cpu.close()
    raw_cpu.close()
    return store_result, raw_result


def prepare(url: str, data: DataSet) -> tuple[Store, int]:
    """Migrate, create the account and store the posts (untimed)."""
    upgrade(url)
    store = Store(create_db_engine(url), router=production_router())
    account = store.sync.ensure_account("facebook-page", "facebook", "한빛구청")
    store.sync.apply_batch(account, Batch(stream="posts", posts=posts(data)))
    return store, account


def database_size(url: str) -> str:
    """The size of a SQLite file (with its WAL) or of a PostgreSQL database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    else:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
    return f"{size / 2**20:,.0f} MiB"


def run_backend(backend: str, args: argparse.Namespace) -> str:
    """All four passes on one back end; the Markdown table of the results."""
    data = world(args.comments, args.seed)
    raw_url = fresh_database(backend, "bench_ingest_raw", args.pg_url)
    store_url = fresh_database(backend, "bench_ingest_store", args.pg_url)
    raw_store, raw_account = prepare(raw_url, data)
    raw_store.close()
    store, account = prepare(store_url, data)
    print(f"[{backend}] raw and store insert, page by page ...", flush=True)
    sides = Side(store_url, account), Side(raw_url, raw_account)
    raw = RawWriter(raw_url, guarded=False)
    store_insert, raw_insert = paired_passes(store, sides[0], raw, sides[1], data, args.batch)
    raw.close()
    print(f"[{backend}] raw (guarded) and store re-sync, page by page ...", flush=True)
    raw = RawWriter(raw_url, guarded=True)
    store_resync, raw_resync = paired_passes(store, sides[0], raw, sides[1], data, args.batch)
    raw.close()
    stored = store.sync.count_rows("comment")
    store.close()
    base, base_cpu = raw_insert.rate(), raw_insert.cpu_rate()
    rows = [
        ["raw executemany upsert, insert", f"{base:,.0f}", "1.00", "", f"{base_cpu:,.0f} (1.00)",
         "baseline"],
        _line("store insert (apply_batch, index + routing)", store_insert, raw_insert, 0.5),
        _line("store re-sync, unchanged", store_resync, raw_insert, 1.0),
        ["raw upsert re-sync, guarded", f"{raw_resync.rate():,.0f}",
         f"{raw_resync.rate() / base:.2f}", "",
         f"{raw_resync.cpu_rate():,.0f} ({raw_resync.cpu_rate() / base_cpu:.2f})", "reference"],
    ]  # fmt: skip
    header = ["path", "rows/s", "× raw insert", "rows/s incl. mapping (× raw)",
              "rows per CPU s incl. mapping (× raw)", "target met (incl. mapping)"]  # fmt: skip
    return (
        f"### {backend}: {args.comments:,} comments, pages of {args.batch} "
        f"({stored:,} stored; store db {database_size(store_url)}, "
        f"raw db {database_size(raw_url)})\n\n"
        + table(header, rows)
        + f"\n\nMapping (`to_comment`) alone: {store_insert.rows / store_insert.mapping:,.0f} "
        "rows/s. CPU: this process's and (PostgreSQL) the server backends' of each database.\n"
    )


def _line(name: str, measured: Pass, raw: Pass, target: float) -> list[str]:
    base = raw.rate()
    with_map = measured.rate(with_mapping=True)
    cpu = measured.cpu_rate()
    return [
        name,
        f"{measured.rate():,.0f}",
        f"{measured.rate() / base:.2f}",
        f"{with_map:,.0f} ({with_map / base:.2f})",
        f"{cpu:,.0f} ({cpu / raw.cpu_rate():.2f})",
        f"{verdict(with_map / base >= target)} (≥ {target} ×)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="rows per page / transaction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", nargs="+", default=["sqlite"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--pg-url", default=os.environ.get("AGGREGATOR_TEST_PG_URL"))
    args = parser.parse_args()
    sections = [run_backend(backend, args) for backend in args.backend]
    record(
        f"Ingest, {args.comments:,} comments",
        "\n".join(sections),
        args.pg_url if "postgresql" in args.backend else None,
        "bench/ingest_bench.py " + " ".join(sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
