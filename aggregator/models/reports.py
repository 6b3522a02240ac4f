"""Monthly reports and privacy: closed months, analysed topic nouns, tombstones."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import utc_column


class ReportSnapshot(SQLModel, table=True):
    """A closed month's monthly report, frozen: its figures as JSON text (its rows are
    `ReportSnapshotRow`s, so a large month streams instead of being one huge value).

    Kept as text (not JSON/JSONB) so the stored bytes, and so every report generated
    from them, are identical on both back ends whatever changes later.
    """

    __tablename__ = "report_snapshot"

    month: str = Field(primary_key=True, max_length=7)
    """`YYYY-MM`, the month taken in the office's time zone."""
    closed_at: datetime = utc_column()
    closed_by: str = Field(max_length=64)
    payload: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    """The frozen month, time zone, time taken and figures as JSON (keys sorted)."""


class ReportSnapshotRow(SQLModel, table=True):
    """One comment row of a closed month's report, frozen as JSON text, in report order."""

    __tablename__ = "report_snapshot_row"

    month: str = Field(foreign_key="report_snapshot.month", primary_key=True, max_length=7)
    seq: int = Field(primary_key=True)
    """The row's place in the report (oldest comment first)."""
    comment_id: int = Field(index=True)
    """The comment it was taken from (no foreign key: a frozen copy; privacy deletion
    removes it by this id)."""
    payload: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))


class CommentTopic(SQLModel, table=True):
    """The nouns of a comment's text, for the monthly report's top topics.

    Derived data, analysed in batches apart from syncs (`aggregator topics update`):
    morphological analysis is far too slow for the ingest path. Valid while
    `content_hash` equals the comment's; deleted with the comment.
    """

    __tablename__ = "comment_topic"

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    content_hash: str = Field(max_length=32)
    """The comment's `content_hash` when its text was analysed."""
    nouns: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    """The distinct nouns, space-separated ("" for none, and for the district's own)."""
    analyzed_at: datetime = utc_column()


class PrivacyTombstone(SQLModel, table=True):
    """A resident forgotten on request (PIPA): later syncs never store them again.

    Holds only a digest of `platform` + author id (or name), keyed with the pseudonym
    key when one is configured (HMAC-SHA-256), else plain SHA-256; never the id itself.
    """

    __tablename__ = "privacy_tombstone"

    digest: str = Field(primary_key=True, max_length=64)
    keyed: bool = False
    """True when `digest` is an HMAC under the pseudonym key."""
    platform: str = Field(max_length=20)
    created_at: datetime = utc_column()
    created_by: str = Field(max_length=64)
