"""Residents' personal data under PIPA: retention purge, forgetting one person, tombstones.

What a purge or a forget destroys, for each affected comment (by `comment.id`):

- deleted: the comment row (text, author id/name/handle, permalink, raw payload,
  metrics), its earlier texts (`content_revision`), its search index entry, its
  review state, tags, notes, review events, routing suggestion and analysed topic
  nouns (all of which can quote or describe the comment);
- closed months' report snapshots: a snapshot whose month ended before the retention
  cutoff is deleted whole; otherwise the affected comments' rows are removed from its
  frozen rows and its figures (aggregate counts, no personal data) are kept as closed;
- kept: the district's own posts, and the access log (a legal record kept at least two
  years, append-only; its purge/forget entries hold counts, a tombstone digest and the
  reason, never the resident's id or name).

On SQLite the deletions run with `PRAGMA secure_delete` on (freed pages and cells are
overwritten with zeros) and the search index is merged (`optimize`) so no segment keeps
the deleted bigrams; `store.privacy` then checkpoints the WAL, so nothing of a deleted
comment remains in the database file. PostgreSQL leaves dead tuples until `VACUUM`
(see the README).

A tombstone holds only a digest of platform + author id (or name, for comments without
an author id): HMAC-SHA-256 under the pseudonym key when one is configured, else plain
SHA-256. `filter_tombstoned` drops tombstoned authors' comments from a batch before it
is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.records import CommentRecord
from aggregator.search_text import index_text
from aggregator.store import open_items, search
from aggregator.store.tables import (
    ANSWER,
    COMMENT,
    EVENT,
    NOTE,
    NOTIFICATION,
    PLATFORM_ACTION,
    REVIEW,
    REVISION,
    SNAPSHOT,
    SNAPSHOT_ROW,
    SUGGESTION,
    TAG,
    TOMBSTONE,
    TOPIC,
)
from aggregator.timeutil import month_bounds

CHUNK = 500
COUNT_KEYS = (
    "comments",
    "revisions",
    "search_rows",
    "reviews",
    "review_tags",
    "review_notes",
    "review_events",
    "suggestions",
    "topics",
    "snapshots_deleted",
    "snapshot_rows_removed",
)


def digest(platform: str, kind: str, value: str, key: str | None) -> str:
    """The tombstone digest of one author (`kind` is `id` or `name`)."""
    message = f"{platform}\x1f{kind}\x1f{value}".encode()
    if key:
        return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def _candidates(record: CommentRecord, key: str | None) -> set[str]:
    """Every digest a tombstone of this comment's author could have been stored under."""
    platform = str(record.platform)
    if record.author_id:
        kind, values = "id", [record.author_id]
    else:
        kind, values = "name", [v for v in (record.author_name, record.author_handle) if v]
    keys = [key, None] if key else [None]
    return {digest(platform, kind, v, k) for v in values for k in keys}


def filter_tombstoned(
    conn: Connection, comments: Sequence[CommentRecord], key: str | None
) -> tuple[CommentRecord, ...]:
    """The comments of a batch whose authors are not tombstoned (order kept)."""
    if not comments or conn.execute(sa.select(TOMBSTONE.c.digest).limit(1)).first() is None:
        return tuple(comments)
    candidates = [_candidates(record, key) for record in comments]
    wanted = set().union(*candidates)
    if not wanted:
        return tuple(comments)
    found = set(
        conn.execute(
            sa.select(TOMBSTONE.c.digest).where(TOMBSTONE.c.digest.in_(sorted(wanted)))
        ).scalars()
    )
    return tuple(r for r, c in zip(comments, candidates, strict=True) if not c & found)


def tombstoned_names(
    conn: Connection, platform: str, names: Iterable[str], key: str | None
) -> set[str]:
    """Which of these author names or handles on `platform` are tombstoned (hand-entered
    comments have a name, never an author id)."""
    wanted = {name for name in names if name}
    if not wanted or conn.execute(sa.select(TOMBSTONE.c.digest).limit(1)).first() is None:
        return set()
    keys = [key, None] if key else [None]
    by_digest = {digest(platform, "name", name, k): name for name in wanted for k in keys}
    query = sa.select(TOMBSTONE.c.digest).where(TOMBSTONE.c.digest.in_(sorted(by_digest)))
    return {by_digest[found] for found in conn.execute(query).scalars()}


def add_tombstones(
    conn: Connection, platform: str, digests: Iterable[str], keyed: bool, by: str, now: datetime
) -> int:
    """Store tombstones not stored yet; return how many were new."""
    added = 0
    for value in digests:
        exists = conn.execute(sa.select(TOMBSTONE.c.digest).where(TOMBSTONE.c.digest == value))
        if exists.first() is None:
            conn.execute(
                sa.insert(TOMBSTONE).values(
                    digest=value, keyed=keyed, platform=platform, created_at=now, created_by=by[:64]
                )
            )
            added += 1
    return added


def secure_delete_on(conn: Connection) -> None:
    """SQLite: overwrite deleted content with zeros for the rest of this connection's use."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def expired_comment_ids(conn: Connection, cutoff: datetime) -> list[int]:
    """Ids of every comment (residents' and the district's replies) created before `cutoff`."""
    query = sa.select(COMMENT.c.id).where(COMMENT.c.created_at < cutoff).order_by(COMMENT.c.id)
    return [int(i) for i in conn.execute(query).scalars()]


def author_comment_ids(
    conn: Connection, platform: str, author_id: str, author_name: str | None
) -> list[int]:
    """Ids of one person's comments: by author id, and (when a name is given) comments
    without an author id whose name or handle is that name."""
    match = COMMENT.c.author_id == author_id
    if author_name:
        match = sa.or_(
            match,
            sa.and_(
                COMMENT.c.author_id.is_(None),
                sa.or_(
                    COMMENT.c.author_name == author_name, COMMENT.c.author_handle == author_name
                ),
            ),
        )
    query = sa.select(COMMENT.c.id).where(COMMENT.c.platform == platform, match)
    return sorted(int(i) for i in conn.execute(query.order_by(COMMENT.c.id)).scalars())


def delete_comments(conn: Connection, ids: Sequence[int]) -> dict[str, int]:
    """Delete comments and everything derived from them; return counts per kind."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        counts["search_rows"] += _unindex(conn, chunk)
        answered = _answered_by(conn, chunk)
        open_items.drop(conn, chunk)
        revisions = sa.delete(REVISION).where(
            REVISION.c.item_type == "comment", REVISION.c.item_id.in_(chunk)
        )
        counts["revisions"] += conn.execute(revisions).rowcount
        actions = sa.delete(PLATFORM_ACTION).where(PLATFORM_ACTION.c.comment_id.in_(chunk))
        conn.execute(actions)  # the comments' upstream hide requests
        _drop_answers(conn, chunk)
        for name, table in (
            ("review_events", EVENT),
            ("review_notes", NOTE),
            ("review_tags", TAG),
            ("suggestions", SUGGESTION),
            ("topics", TOPIC),
            ("reviews", REVIEW),
        ):
            counts[name] += conn.execute(
                sa.delete(table).where(table.c.comment_id.in_(chunk))
            ).rowcount
        counts["comments"] += conn.execute(
            sa.delete(COMMENT).where(COMMENT.c.id.in_(chunk))
        ).rowcount
        open_items.refresh(conn, answered)
    if ids and conn.dialect.name == "sqlite":  # merge segments: no deleted bigrams remain
        conn.execute(sa.text("INSERT INTO comment_search (comment_search) VALUES ('optimize')"))
    return counts


def _drop_answers(conn: Connection, ids: list[int]) -> None:
    """Delete the answers to these comments and the notifications about them (their text
    may quote the resident), and unlink an answer whose read-back reply is among them."""
    conn.execute(
        sa.update(ANSWER).where(ANSWER.c.reply_comment_id.in_(ids)).values(reply_comment_id=None)
    )
    conn.execute(sa.delete(NOTIFICATION).where(NOTIFICATION.c.comment_id.in_(ids)))
    conn.execute(sa.delete(ANSWER).where(ANSWER.c.comment_id.in_(ids)))


def _answered_by(conn: Connection, ids: list[int]) -> list[int]:
    """The comments that the district's replies among `ids` answer (deleting the reply
    may reopen them)."""
    parent = COMMENT.alias("parent")
    query = sa.select(parent.c.id).join(
        COMMENT,
        (COMMENT.c.platform == parent.c.platform)
        & (COMMENT.c.parent_external_id == parent.c.external_id),
    )
    where = COMMENT.c.id.in_(ids), COMMENT.c.by_account_owner.is_(True)
    return [int(i) for i in conn.execute(query.where(*where)).scalars()]


def _unindex(conn: Connection, ids: list[int]) -> int:
    if conn.dialect.name == "postgresql":
        return search.delete_postgresql(conn, ids)
    residents = COMMENT.c.id.in_(ids), COMMENT.c.by_account_owner.is_(False)  # `indexed`
    rows = conn.execute(sa.select(COMMENT.c.id, COMMENT.c.text).where(*residents)).all()
    if rows:  # a contentless FTS5 table forgets a row given the tokens it indexed
        conn.execute(
            sa.text(
                "INSERT INTO comment_search (comment_search, rowid, grams) "
                "VALUES ('delete', :id, :grams)"
            ),
            [{"id": int(r.id), "grams": index_text(r.text)} for r in rows],
        )
    return len(rows)


def strip_snapshots(
    conn: Connection, ids: Iterable[int], timezone: str, drop_ended_by: datetime | None = None
) -> tuple[int, int]:
    """Remove deleted comments' rows from closed months' snapshots, and delete whole
    snapshots of months that ended by `drop_ended_by`; return (deleted, rows removed)."""
    deleted = removed = 0
    if drop_ended_by is not None:
        for month in conn.execute(sa.select(SNAPSHOT.c.month)).scalars().all():
            if month_bounds(month, timezone)[1] <= drop_ended_by:
                conn.execute(sa.delete(SNAPSHOT_ROW).where(SNAPSHOT_ROW.c.month == month))
                conn.execute(sa.delete(SNAPSHOT).where(SNAPSHOT.c.month == month))
                deleted += 1
    gone = sorted(set(ids))
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start : start + CHUNK]
        query = sa.delete(SNAPSHOT_ROW).where(SNAPSHOT_ROW.c.comment_id.in_(chunk))
        removed += conn.execute(query).rowcount
    return deleted, removed
