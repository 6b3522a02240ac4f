"""PIPA destruction (owner: `aggregator.privacy`, the `privacy` CLI and the admin page):
retention purge and forgetting one person, each logged in the access log in the same
transaction (the SQL is in `aggregator.store.privacy`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from aggregator.db import write_transaction
from aggregator.store import access_log, privacy
from aggregator.store.access_log import AccessEntry
from aggregator.store.base import Repository
from aggregator.store.tables import TOMBSTONE

__all__ = ["Forgotten", "PrivacyRepository"]


@dataclass(frozen=True)
class Forgotten:
    """What forgetting one person did: counts per kind, and the tombstone's digest."""

    counts: dict[str, int]
    digest: str
    new_tombstones: int


class _Rollback(Exception):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__("dry run")
        self.counts = counts


class PrivacyRepository(Repository):
    """Purge and forget."""

    def purge_expired(
        self, cutoff: datetime, timezone: str, entry: AccessEntry, dry_run: bool = False
    ) -> dict[str, int]:
        """Destroy every comment created before `cutoff` and what derives from it, and
        closed months' snapshots of months ended by then; log it (not on a dry run,
        which rolls everything back and only reports the counts)."""
        try:
            with write_transaction(self.engine) as conn:
                privacy.secure_delete_on(conn)
                ids = privacy.expired_comment_ids(conn, cutoff)
                counts = privacy.delete_comments(conn, ids)
                dropped, removed = privacy.strip_snapshots(conn, ids, timezone, cutoff)
                counts.update(snapshots_deleted=dropped, snapshot_rows_removed=removed)
                if dry_run:
                    raise _Rollback(counts)
                detail = {**(entry.detail or {}), **counts}
                access_log.append(conn, _with_detail(entry, detail), self.clock())
        except _Rollback as rollback:
            return rollback.counts
        self._checkpoint()
        return counts

    def forget_author(
        self,
        platform: str,
        author_id: str,
        author_name: str | None,
        timezone: str,
        entry: AccessEntry,
    ) -> Forgotten:
        """Delete one person's comments and what derives from them, tombstone them so
        later syncs never store them again, and log it."""
        key = self.privacy_key
        main = privacy.digest(platform, "id", author_id, key)
        digests = [main]
        if author_name:
            digests.append(privacy.digest(platform, "name", author_name, key))
        now = self.clock()
        with write_transaction(self.engine) as conn:
            privacy.secure_delete_on(conn)
            ids = privacy.author_comment_ids(conn, platform, author_id, author_name)
            counts = privacy.delete_comments(conn, ids)
            _, removed = privacy.strip_snapshots(conn, ids, timezone)
            counts["snapshot_rows_removed"] = removed
            added = privacy.add_tombstones(conn, platform, digests, bool(key), entry.staff, now)
            detail = {**(entry.detail or {}), **counts, "platform": platform}
            logged = AccessEntry(
                staff=entry.staff,
                action=entry.action,
                role=entry.role,
                client_ip=entry.client_ip,
                target=f"tombstone:{main[:16]}",
                detail=detail,
            )
            access_log.append(conn, logged, now)
        self._checkpoint()
        return Forgotten(counts=counts, digest=main, new_tombstones=added)

    def tombstone_count(self) -> int:
        """How many tombstones are stored."""
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(TOMBSTONE)
            return int(conn.execute(query).scalar_one())

    def _checkpoint(self) -> None:
        """SQLite: copy the WAL into the file and truncate it, so the old pages of the
        deleted rows are gone from the WAL too (best effort: readers may hold it)."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _with_detail(entry: AccessEntry, detail: dict[str, object]) -> AccessEntry:
    return AccessEntry(
        staff=entry.staff,
        action=entry.action,
        role=entry.role,
        client_ip=entry.client_ip,
        target=entry.target,
        subject=entry.subject,
        detail=detail,
    )
