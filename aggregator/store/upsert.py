"""Batch upserts of posts and comments on the natural key `(platform, external_id)`.

One SELECT per batch classifies each record as new, changed or unchanged; then one
`INSERT ... ON CONFLICT DO UPDATE` writes the new and changed rows (an executemany;
on PostgreSQL one statement over arrays, see `aggregator.store.pg_upsert`). A
text change first copies the old text into `content_revision`. Unchanged rows are
not written at all (except a `last_seen_at` refresh at most once a day), and no
statement here ever touches the staff-owned review tables. Which records are new,
changed or unchanged, and the revisions, are `aggregator.store.upsert_changes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.records import CommentRecord, PostRecord
from aggregator.routing import Router
from aggregator.store import answers, open_items
from aggregator.store.bulk_insert import SqlitePlan, sqlite_plan
from aggregator.store.checks import open_check_items
from aggregator.store.pg_upsert import pg_plan
from aggregator.store.search import IndexedText, index_comments, indexed
from aggregator.store.suggestions import suggest
from aggregator.store.tables import COMMENT, POST, conflict_insert
from aggregator.store.upsert_changes import Counts, Row, classify, existing_rows, write_revisions
from aggregator.store.value_sets import one_of

POST_SOURCE_COLUMNS = (
    "url",
    "title",
    "text",
    "content_hash",
    "author_id",
    "author_name",
    "created_at",
    "updated_upstream_at",
    "comment_count",
    "metrics",
    "raw",
    "source_url",
    "fetched_at",
    "last_seen_at",
    "content_seen_at",
    "hidden_upstream",
)
COMMENT_SOURCE_COLUMNS = (
    "kind",
    "post_external_id",
    "parent_external_id",
    "author_id",
    "author_name",
    "author_handle",
    "text",
    "content_hash",
    "created_at",
    "permalink",
    "metrics",
    "raw",
    "source_url",
    "fetched_at",
    "last_seen_at",
    "content_seen_at",
    "hidden_upstream",
    "by_account_owner",
)
COMPARED_POST_FIELDS = ("url", "comment_count", "metrics", "hidden_upstream", "updated_upstream_at")
COMPARED_COMMENT_FIELDS = (
    "metrics", "hidden_upstream", "parent_external_id", "post_external_id", "post_id", "permalink",
)  # fmt: skip


def upsert_posts(
    conn: Connection, account_id: int, records: Sequence[PostRecord], now: datetime
) -> Counts:
    """Insert or update posts; return what happened to each."""
    records = _last_wins(records)
    rows = [_post_row(account_id, r, now) for r in records]
    existing = existing_rows(conn, POST, rows, ("title", "text", *COMPARED_POST_FIELDS))
    counts, writes, changed, _modified = classify(rows, existing, COMPARED_POST_FIELDS, now)
    write_revisions(conn, "post", changed, now)
    _execute_upsert(conn, POST, writes, POST_SOURCE_COLUMNS)
    open_check_items(conn, [(row, existing.get(row["external_id"])) for row in writes], now)
    new_keys = [row["external_id"] for row in writes if row["external_id"] not in existing]
    _link_orphan_comments(conn, rows[0]["platform"] if rows else "", new_keys)
    return counts


def upsert_comments(
    conn: Connection,
    account_id: int,
    records: Sequence[CommentRecord],
    now: datetime,
    router: Router | None = None,
) -> Counts:
    """Insert or update comments (linking each to its stored post); return what happened.

    New and changed texts are (re)indexed for search, new comments get the routing
    rules' suggestions, and the open items of the comments written (and of those the
    district's replies among them answer) are brought up to date, in the same
    transaction.
    """
    records = _last_wins(records)
    rows = [_comment_row(account_id, r, now) for r in records]
    _resolve_post_ids(conn, rows)
    fields = ("text", "kind", "by_account_owner", *COMPARED_COMMENT_FIELDS)
    existing = existing_rows(conn, COMMENT, rows, fields)
    counts, writes, changed, modified = classify(rows, existing, COMPARED_COMMENT_FIELDS, now)
    write_revisions(conn, "comment", changed, now)
    new_rows = [row for row in writes if row["external_id"] not in existing]
    largest = _largest_id(conn) if new_rows else None
    stored = _execute_upsert(conn, COMMENT, writes, (*COMMENT_SOURCE_COLUMNS, "post_id"))
    new_ids = _new_ids(conn, new_rows, largest) if stored is None else stored
    index_comments(conn, _index_changes(writes, existing, new_ids))
    owner = {r["external_id"]: new_ids[r["external_id"]] for r in new_rows if r["by_account_owner"]}
    if owner:
        answers.link_synced_replies(conn, new_rows[0]["platform"], owner)
    if router:
        residents = [row for row in new_rows if not row["by_account_owner"]]
        suggest(conn, router, [(new_ids[r["external_id"]], r["text"]) for r in residents], now)
    _refresh_open_items(conn, modified, existing, new_ids)
    return counts


def _index_changes(
    writes: list[Row], existing: dict[str, Row], new_ids: dict[str, int]
) -> list[IndexedText]:
    """The search index's part of a batch: new residents' comments, changed texts, and
    comments whose author now reads otherwise (leaving or entering the index)."""
    items: list[IndexedText] = []
    for row in writes:
        now = indexed(row["by_account_owner"])
        old = existing.get(row["external_id"])
        if old is None:
            if now:
                items.append(IndexedText(new_ids[row["external_id"]], row["text"]))
            continue
        was = indexed(old["by_account_owner"])
        if (was or now) and (was != now or old["content_hash"] != row["content_hash"]):
            text, old_text = row["text"] if now else None, old["text"] if was else None
            items.append(IndexedText(int(old["id"]), text, old_text))
    return items


def _refresh_open_items(
    conn: Connection,
    modified: list[dict[str, Any]],
    existing: dict[str, dict[str, Any]],
    new_ids: dict[str, int],
) -> None:
    """The comments inserted or changed may have opened or closed, and so may those the
    district's replies among them answer (the parent before and after): only these are
    recomputed (see `aggregator.store.open_items`); unchanged comments cannot have."""
    if not modified:
        return
    inserted: list[int] = []
    ids: list[int] = []
    parents: set[str] = set()
    for row in modified:
        key = row["external_id"]
        old = existing.get(key)
        if old is None:
            if not row["by_account_owner"]:  # the district's own comments are never open
                inserted.append(new_ids[key])
        else:
            ids.append(int(old["id"]))
        if row["by_account_owner"] or (old is not None and old["by_account_owner"]):
            parents.update(
                p for p in (row["parent_external_id"], old and old["parent_external_id"]) if p
            )
    known = {**{k: int(o["id"]) for k, o in existing.items()}, **new_ids}
    ids += [known[p] for p in parents if p in known]
    unknown = [p for p in parents if p not in known]
    if unknown:
        ids += open_items.ids_by_key(conn, modified[0]["platform"], unknown)
    open_items.open_new(conn, inserted)
    fresh = set(inserted)
    open_items.refresh(conn, [i for i in ids if i not in fresh])


def _largest_id(conn: Connection) -> int | None:
    """SQLite: the largest comment id before this batch's insert (see `_new_ids`)."""
    if conn.dialect.name != "sqlite":
        return None
    return int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM comment").scalar_one())


def _new_ids(conn: Connection, rows: list[dict[str, Any]], largest: int | None) -> dict[str, int]:
    """The ids of the comments just inserted, by external id.

    SQLite gives each inserted row the table's largest rowid + 1 (unless the largest is
    2**63 - 1), and this transaction is the only writer (BEGIN IMMEDIATE), so the new
    rows got `largest + 1`, `largest + 2`, ... in the order they were written: when the
    largest id grew by exactly their number that is what happened, and a 1,000-key
    lookup is saved. Otherwise they are looked up."""
    if largest is not None and rows:
        grown = conn.exec_driver_sql("SELECT max(id) FROM comment").scalar_one()
        if grown == largest + len(rows):
            return {row["external_id"]: largest + n for n, row in enumerate(rows, 1)}
    return _ids(conn, rows)


def _ids(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """The stored ids of just-inserted comments, by external id (one query)."""
    if not rows:
        return {}
    query = sa.select(COMMENT.c.external_id, COMMENT.c.id).where(
        COMMENT.c.platform == rows[0]["platform"],
        one_of(conn, COMMENT.c.external_id, [row["external_id"] for row in rows]),
    )
    return {key: int(value) for key, value in conn.execute(query)}


def _last_wins(records: Sequence[Any]) -> list[Any]:
    """Drop earlier duplicates of a key within one batch (the newest payload wins)."""
    by_key = {(r.platform, r.external_id): r for r in records}
    return list(by_key.values())


def _common_row(account_id: int, r: PostRecord | CommentRecord, now: datetime) -> dict[str, Any]:
    """Columns posts and comments share: identity, content, provenance, seen times."""
    return {
        "account_id": account_id, "platform": str(r.platform), "external_id": r.external_id,
        "text": r.text, "content_hash": r.content_hash, "author_id": r.author_id,
        "author_name": r.author_name, "created_at": r.created_at, "metrics": dict(r.metrics),
        "raw": dict(r.raw), "source_url": r.source_url, "hidden_upstream": r.hidden_upstream,
        "fetched_at": now, "first_seen_at": now, "last_seen_at": now, "content_seen_at": now,
    }  # fmt: skip


def _post_row(account_id: int, r: PostRecord, now: datetime) -> dict[str, Any]:
    return {
        **_common_row(account_id, r, now),
        "url": r.url,
        "title": r.title,
        "updated_upstream_at": r.updated_at,
        "comment_count": r.comment_count,
        "comments_readable": r.comments_readable,
    }


def _comment_row(account_id: int, r: CommentRecord, now: datetime) -> dict[str, Any]:
    """The comment's columns; one dict literal, no copies: the hottest loop of an ingest.

    The keys are those of `_common_row` and then the comment's own, in that order."""
    return {
        "account_id": account_id, "platform": str(r.platform), "external_id": r.external_id,
        "text": r.text, "content_hash": r.content_hash, "author_id": r.author_id,
        "author_name": r.author_name, "created_at": r.created_at, "metrics": _plain(r.metrics),
        "raw": _plain(r.raw), "source_url": r.source_url, "hidden_upstream": r.hidden_upstream,
        "fetched_at": now, "first_seen_at": now, "last_seen_at": now, "content_seen_at": now,
        "kind": str(r.kind), "post_id": None, "post_external_id": r.post_external_id,
        "parent_external_id": r.parent_external_id, "author_handle": r.author_handle,
        "permalink": r.permalink, "by_account_owner": r.by_account_owner, "manual_entry": False,
    }  # fmt: skip


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """A record's mapping as the dict JSON serialisation needs (copied only if not one)."""
    return value if value.__class__ is dict else dict(value)


def _execute_upsert(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], update_columns: Sequence[str]
) -> dict[str, int] | None:
    """Write the rows; return their ids by external id where the driver path tells them."""
    if not rows:
        return {}
    keys, updates = tuple(rows[0]), tuple(update_columns)
    if conn.dialect.name == "postgresql":
        pg = pg_plan(conn.dialect, table, keys, updates)
        if pg is not None:
            return pg.execute(conn, rows)
    if conn.dialect.name == "sqlite":
        plan = _sqlite_plan(conn.dialect, table, keys, updates)
        if plan is not None:
            conn.exec_driver_sql(plan.sql, plan.parameters(rows))
            return None
    statement = conflict_insert(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.platform, table.c.external_id],
        set_={name: statement.excluded[name] for name in update_columns},
    )
    conn.execute(statement, rows)
    return None


@lru_cache(maxsize=64)
def _sqlite_plan(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], update_columns: tuple[str, ...]
) -> SqlitePlan | None:
    """The SQLite upsert written for the sqlite3 driver, or None to use SQLAlchemy's.

    SQLAlchemy's per-row bind processing (aware datetimes, JSON) and executemany
    bookkeeping were about 40 % of a batch's time: see `aggregator.store.bulk_insert`.
    """
    quote = dialect.identifier_preparer.quote
    key = f"{quote('platform')}, {quote('external_id')}"
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update_columns)
    return sqlite_plan(dialect, table, keys, f" ON CONFLICT ({key}) DO UPDATE SET {updates}")


def _resolve_post_ids(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Fill `post_id` from the stored posts the comments belong to (one query)."""
    keys = {row["post_external_id"] for row in rows if row["post_external_id"]}
    if not keys:
        return
    query = sa.select(POST.c.external_id, POST.c.id).where(
        POST.c.platform == rows[0]["platform"], one_of(conn, POST.c.external_id, list(keys))
    )
    ids: dict[str, int] = dict(conn.execute(query).all())
    for row in rows:
        row["post_id"] = ids.get(row["post_external_id"])


def _link_orphan_comments(conn: Connection, platform: str, new_post_keys: list[str]) -> None:
    """Link comments stored before their post arrived to the post now stored."""
    if not new_post_keys:
        return
    post_id = (
        sa.select(POST.c.id)
        .where(
            POST.c.platform == COMMENT.c.platform, POST.c.external_id == COMMENT.c.post_external_id
        )
        .scalar_subquery()
    )
    conn.execute(
        sa.update(COMMENT)
        .where(
            COMMENT.c.platform == platform,
            COMMENT.c.post_external_id.in_(new_post_keys),
            COMMENT.c.post_id.is_(None),
        )
        .values(post_id=post_id)
    )
