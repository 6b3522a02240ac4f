""" "Check this post" items and comments staff enter by hand.

Where a platform counts comments but never shows them (Pinterest), a rising count
opens an item; staff then enter the comments by hand (or import a CSV), which closes
the item once as many were entered as arrived, or dismiss it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.records import text_hash
from aggregator.routing import Router
from aggregator.store import open_items
from aggregator.store.privacy import tombstoned_names
from aggregator.store.search import IndexedText, index_comments
from aggregator.store.suggestions import suggest
from aggregator.store.tables import CHECK, COMMENT, POST, conflict_insert

OPEN, ENTERED, DISMISSED = "open", "entered", "dismissed"


@dataclass(frozen=True)
class ManualComment:
    """A comment as staff saw it on the platform, for a post already in the store."""

    post_id: int
    author_name: str
    text: str
    created_at: datetime
    author_handle: str | None = None


def open_check_items(
    conn: Connection, pairs: Sequence[tuple[dict[str, Any], dict[str, Any] | None]], now: datetime
) -> int:
    """For (new row, stored row) pairs whose unreadable comment count rose: open or grow items."""
    rising = [
        (row, int((old or {}).get("comment_count") or 0))
        for row, old in pairs
        if not row["comments_readable"]
        and (row["comment_count"] or 0) > int((old or {}).get("comment_count") or 0)
    ]
    if not rising:
        return 0
    ids = _post_ids(conn, rising[0][0]["platform"], [row["external_id"] for row, _ in rising])
    for row, before in rising:
        _open_or_grow(conn, row, ids[row["external_id"]], before, now)
    return len(rising)


def _post_ids(conn: Connection, platform: str, keys: list[str]) -> dict[str, int]:
    query = sa.select(POST.c.external_id, POST.c.id).where(
        POST.c.platform == platform, POST.c.external_id.in_(keys)
    )
    ids: dict[str, int] = dict(conn.execute(query).all())
    return ids


def _open_or_grow(
    conn: Connection, row: dict[str, Any], post_id: int, before: int, now: datetime
) -> None:
    where = (CHECK.c.post_id == post_id) & (CHECK.c.status == OPEN)
    grown = conn.execute(
        sa.update(CHECK).where(where).values(comments_now=row["comment_count"], updated_at=now)
    )
    if grown.rowcount:
        return
    conn.execute(
        sa.insert(CHECK).values(
            account_id=row["account_id"],
            post_id=post_id,
            platform=row["platform"],
            url=row["url"],
            comments_before=before,
            comments_now=row["comment_count"],
            entered=0,
            status=OPEN,
            opened_at=now,
            updated_at=now,
        )
    )


class ForgottenAuthor(Exception):
    """Hand-entered comments by residents forgotten on request (PIPA): never stored."""

    def __init__(self, positions: Sequence[int]) -> None:
        self.positions = list(positions)
        where = ", ".join(str(p + 1) for p in self.positions)
        super().__init__(
            f"comment {where}: the author asked to be forgotten (PIPA, `privacy forget`); "
            "their comments are not stored"
        )


def forgotten_in(conn: Connection, comments: Sequence[ManualComment], key: str | None) -> list[int]:
    """Positions (0-based) of the comments whose author name or handle is tombstoned."""
    posts = _posts(conn, {c.post_id for c in comments})
    platform_of = {post_id: post.platform for post_id, post in posts.items()}
    names: dict[str, set[str]] = {}
    for comment in comments:
        platform = platform_of.get(comment.post_id, "")
        names.setdefault(platform, set()).update((comment.author_name, comment.author_handle or ""))
    forgotten = {
        (platform, name)
        for platform, wanted in names.items()
        for name in tombstoned_names(conn, platform, wanted, key)
    }
    return [
        index
        for index, c in enumerate(comments)
        if {(platform_of.get(c.post_id, ""), c.author_name),
            (platform_of.get(c.post_id, ""), c.author_handle or "")} & forgotten
    ]  # fmt: skip


def add_manual_comments(
    conn: Connection,
    comments: Sequence[ManualComment],
    entered_by: str,
    now: datetime,
    router: Router | None = None,
) -> tuple[int, int]:
    """Store hand-entered comments; return (added, already present).

    Each comment's key is a hash of post, author, time and text, so entering or
    importing the same comment twice stores it once. Entered comments count towards
    the post's open check item, which closes once enough were entered. Each new
    comment is indexed for search and gets the routing rules' suggestion.
    """
    posts = _posts(conn, {c.post_id for c in comments})
    added = 0
    new_ids: list[int] = []
    for comment in comments:
        post = posts[comment.post_id]
        statement = _insert_ignoring_duplicates(conn, _manual_row(comment, post, entered_by, now))
        # rowcount is unreliable for ON CONFLICT DO NOTHING on PostgreSQL: ask for the id
        new_id = conn.execute(statement.returning(COMMENT.c.id)).scalar()
        if new_id is not None:
            added += 1
            new_ids.append(int(new_id))
            _count_entered(conn, comment.post_id, entered_by, now)
            index_comments(conn, [IndexedText(int(new_id), comment.text)])
            if router:
                suggest(conn, router, [(int(new_id), comment.text)], now)
    open_items.refresh(conn, new_ids)
    return added, len(comments) - added


def _posts(conn: Connection, ids: set[int]) -> dict[int, Any]:
    query = sa.select(POST.c.id, POST.c.account_id, POST.c.platform, POST.c.external_id).where(
        POST.c.id.in_(ids)
    )
    return {row.id: row for row in conn.execute(query)}


def manual_key(comment: ManualComment) -> str:
    """The stable external id of a hand-entered comment."""
    parts = (
        str(comment.post_id),
        comment.author_name,
        comment.created_at.isoformat(),
        comment.text,
    )
    return "manual:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _manual_row(
    comment: ManualComment, post: Any, entered_by: str, now: datetime
) -> dict[str, Any]:
    return {
        "account_id": post.account_id, "platform": post.platform,
        "external_id": manual_key(comment), "kind": "comment", "post_id": post.id,
        "post_external_id": post.external_id, "author_name": comment.author_name,
        "author_handle": comment.author_handle, "text": comment.text,
        "content_hash": text_hash(comment.text), "created_at": comment.created_at,
        "metrics": {}, "raw": {"entered_by": entered_by, "entered_at": now.isoformat()},
        "fetched_at": now, "first_seen_at": now, "last_seen_at": now, "content_seen_at": now,
        "hidden_upstream": False, "by_account_owner": False, "manual_entry": True,
        "entered_by": entered_by,
    }  # fmt: skip


def _insert_ignoring_duplicates(conn: Connection, row: dict[str, Any]) -> Any:
    return conflict_insert(conn, COMMENT).values(row).on_conflict_do_nothing()


def _count_entered(conn: Connection, post_id: int, by: str, now: datetime) -> None:
    where = (CHECK.c.post_id == post_id) & (CHECK.c.status == OPEN)
    conn.execute(sa.update(CHECK).where(where).values(entered=CHECK.c.entered + 1, updated_at=now))
    done = where & (CHECK.c.entered >= CHECK.c.comments_now - CHECK.c.comments_before)
    conn.execute(sa.update(CHECK).where(done).values(status=ENTERED, closed_at=now, closed_by=by))


def dismiss(conn: Connection, item_id: int, by: str, note: str | None, now: datetime) -> bool:
    """Close an open item without entering comments; False when it is not open."""
    where = (CHECK.c.id == item_id) & (CHECK.c.status == OPEN)
    values = {"status": DISMISSED, "closed_at": now, "closed_by": by, "note": note}
    return bool(conn.execute(sa.update(CHECK).where(where).values(**values)).rowcount)


def list_items(conn: Connection, include_closed: bool = False) -> list[dict[str, Any]]:
    """Check items, open ones first, newest first, with their post's title."""
    query = (
        sa.select(CHECK, POST.c.title, POST.c.external_id.label("post_external_id"))
        .join(POST, POST.c.id == CHECK.c.post_id)
        .order_by((CHECK.c.status == OPEN).desc(), CHECK.c.opened_at.desc(), CHECK.c.id.desc())
    )
    if not include_closed:
        query = query.where(CHECK.c.status == OPEN)
    return [dict(row._mapping) for row in conn.execute(query)]


def find_post(conn: Connection, reference: str, platform: str | None) -> int | None:
    """A post by external id, else by URL ignoring query, fragment and a trailing slash."""
    scope = POST.c.platform == platform if platform else sa.true()
    by_id = conn.execute(
        sa.select(POST.c.id).where(scope, POST.c.external_id == reference)
    ).scalar()
    if by_id is not None:
        return int(by_id)
    bare = _bare_url(reference)
    if not bare:
        return None
    candidates = conn.execute(
        sa.select(POST.c.id, POST.c.url).where(scope, POST.c.url.startswith(bare))
    )
    for post_id, url in candidates:
        if _bare_url(url or "") == bare:
            return int(post_id)
    return None


def _bare_url(url: str) -> str:
    if "://" not in url:
        return ""
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
