"""The store's tables (SQLModel), SQLite and PostgreSQL alike.

Source data (posts, comments, revisions) is written only by the sync engine.
Staff-owned review data (status, department, assignee, tags, notes, deadline) lives
in its own tables, which a sync never writes. All times are stored as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both back ends (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _utc_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _json_column(nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(JSONType, nullable=nullable))


class Account(SQLModel, table=True):
    """An account the district publishes on (one per `accounts` entry in config)."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=63)
    platform: str = Field(max_length=20)
    display_name: str | None = None
    created_at: datetime = _utc_column()


class Post(SQLModel, table=True):
    """One of the district's own posts."""

    __tablename__ = "post"
    __table_args__ = (
        sa.UniqueConstraint("platform", "external_id", name="uq_post_platform_external_id"),
        sa.Index("ix_post_account_created", "account_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=255)
    url: str | None = None
    title: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    author_id: str | None = None
    author_name: str | None = None
    created_at: datetime = _utc_column()
    updated_upstream_at: datetime | None = _utc_column(nullable=True)
    comment_count: int | None = None
    metrics: dict[str, Any] = _json_column()
    raw: dict[str, Any] = _json_column()
    source_url: str | None = None
    fetched_at: datetime = _utc_column()
    first_seen_at: datetime = _utc_column()
    last_seen_at: datetime = _utc_column()
    content_seen_at: datetime = _utc_column()
    """When the current text was first seen (earlier texts are in `content_revision`)."""
    hidden_upstream: bool = False
    deleted_upstream_at: datetime | None = _utc_column(nullable=True)
    comments_readable: bool = True
    """False where the platform counts comments but never shows them (Pinterest)."""


class Comment(SQLModel, table=True):
    """A resident's comment, reply or mention, or the district's own reply."""

    __tablename__ = "comment"
    __table_args__ = (
        sa.UniqueConstraint("platform", "external_id", name="uq_comment_platform_external_id"),
        sa.Index("ix_comment_account_created", "account_id", "created_at"),
        sa.Index("ix_comment_created", "created_at", "id"),
        sa.Index("ix_comment_platform_created", "platform", "created_at", "id"),
        sa.Index("ix_comment_manual_created", "manual_entry", "created_at", "id"),
        sa.Index(
            "ix_comment_owner",
            "id",
            sqlite_where=sa.text("by_account_owner = 1"),
            postgresql_where=sa.text("by_account_owner"),
        ),
        sa.Index("ix_comment_post", "post_id"),
        sa.Index(
            "ix_comment_parent",
            "platform",
            "parent_external_id",
            sqlite_where=sa.text("parent_external_id IS NOT NULL"),
            postgresql_where=sa.text("parent_external_id IS NOT NULL"),
        ),
        sa.Index("ix_comment_post_external", "platform", "post_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    post_external_id: str | None = Field(default=None, max_length=255)
    parent_external_id: str | None = Field(default=None, max_length=255)
    author_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    created_at: datetime = _utc_column()
    permalink: str | None = None
    metrics: dict[str, Any] = _json_column()
    raw: dict[str, Any] = _json_column()
    source_url: str | None = None
    fetched_at: datetime = _utc_column()
    first_seen_at: datetime = _utc_column()
    last_seen_at: datetime = _utc_column()
    content_seen_at: datetime = _utc_column()
    """When the current text was first seen (earlier texts are in `content_revision`)."""
    hidden_upstream: bool = False
    deleted_upstream_at: datetime | None = _utc_column(nullable=True)
    by_account_owner: bool = False
    manual_entry: bool = False
    entered_by: str | None = None


class ContentRevision(SQLModel, table=True):
    """An earlier text of a post or comment, kept when an edit was seen upstream."""

    __tablename__ = "content_revision"
    __table_args__ = (sa.Index("ix_revision_item", "item_type", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=10)
    item_id: int
    title: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    seen_from: datetime = _utc_column()
    replaced_at: datetime = _utc_column()


class Review(SQLModel, table=True):
    """Staff-owned review state of one comment; a sync never writes this table.

    A comment without a row here is 신규 (new). `comment_created_at` repeats the
    comment's (immutable) creation time so the inbox can page newest-first through
    one status, department or assignee on one index.
    """

    __tablename__ = "review"
    __table_args__ = (
        sa.Index("ix_review_status_created", "status", "comment_created_at", "comment_id"),
        sa.Index("ix_review_department_created", "department", "comment_created_at", "comment_id"),
        sa.Index("ix_review_assignee_created", "assignee", "comment_created_at", "comment_id"),
    )

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    status: str = Field(default="신규", max_length=20)
    department: str | None = None
    assignee: str | None = None
    deadline: datetime | None = _utc_column(nullable=True)
    """An explicit deadline; when empty it is derived from the comment's time."""
    updated_at: datetime = _utc_column()
    updated_by: str | None = None
    comment_created_at: datetime = _utc_column()
    priority: str | None = Field(default=None, max_length=10)
    reason: str | None = None
    """Why it was hidden or marked spam (MOIS categories)."""
    complaint_ref: str | None = None
    """The formal complaint's reference number (정식민원 전환)."""
    claimed_by: str | None = None
    claimed_until: datetime | None = _utc_column(nullable=True)


class ReviewTag(SQLModel, table=True):
    """A tag staff put on a comment."""

    __tablename__ = "review_tag"
    __table_args__ = (sa.Index("ix_review_tag_tag", "tag", "comment_id"),)

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    tag: str = Field(primary_key=True, max_length=50)


class ReviewNote(SQLModel, table=True):
    """A note (메모) staff wrote on a comment."""

    __tablename__ = "review_note"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    author: str
    body: str
    created_at: datetime = _utc_column()


class SyncCursor(SQLModel, table=True):
    """Where an account's stream stopped; committed with the records it covers."""

    __tablename__ = "sync_cursor"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    stream: str = Field(primary_key=True, max_length=100)
    value: Any = _json_column()
    updated_at: datetime = _utc_column()


class SyncRun(SQLModel, table=True):
    """One sync of one account: when, why, how it ended and what it did."""

    __tablename__ = "sync_run"
    __table_args__ = (sa.Index("ix_sync_run_account_started", "account_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    trigger: str = Field(max_length=20)
    started_at: datetime = _utc_column()
    finished_at: datetime | None = _utc_column(nullable=True)
    status: str = Field(max_length=30)
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    comments_new: int = 0
    comments_updated: int = 0
    comments_unchanged: int = 0
    api_calls: int = 0
    units_read: int = 0
    """Billable items read (X: posts read)."""
    estimated_cost: float = 0.0
    warnings: list[str] = _json_column()
    error: str | None = None


class SyncLock(SQLModel, table=True):
    """A lease that keeps two processes from syncing the same account at once."""

    __tablename__ = "sync_lock"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    holder: str = Field(max_length=200)
    acquired_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()


class ServiceLease(SQLModel, table=True):
    """A named lease held by one process (the scheduler): one holder per database."""

    __tablename__ = "service_lease"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    acquired_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()


class AccountHealth(SQLModel, table=True):
    """The last health state seen for an account, so each change alerts exactly once."""

    __tablename__ = "account_health"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    state: str = Field(max_length=30)
    since: datetime = _utc_column()
    alerted_at: datetime | None = _utc_column(nullable=True)


class CheckItem(SQLModel, table=True):
    """A "check this post" item: comments exist upstream that no API lets us read.

    Opened when a post's comment count rises where the platform gives no comment text;
    closed when staff have entered that many comments by hand, or dismissed it.
    """

    __tablename__ = "check_item"
    __table_args__ = (sa.Index("ix_check_item_status", "status", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    post_id: int = Field(foreign_key="post.id", index=True)
    platform: str = Field(max_length=20)
    url: str | None = None
    comments_before: int = 0
    """The post's comment count before the new comments arrived."""
    comments_now: int = 0
    entered: int = 0
    """Comments staff entered by hand for this post since the item opened."""
    status: str = Field(default="open", max_length=20)
    """open, entered (staff entered the comments) or dismissed."""
    opened_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    closed_at: datetime | None = _utc_column(nullable=True)
    closed_by: str | None = None
    note: str | None = None


class ReviewEvent(SQLModel, table=True):
    """One change of a comment's review (status, assignment, tag, note, claim): append-only."""

    __tablename__ = "review_event"
    __table_args__ = (sa.Index("ix_review_event_comment", "comment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    at: datetime = _utc_column()
    actor: str
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    detail: dict[str, Any] = _json_column()


class RoutingSuggestion(SQLModel, table=True):
    """What the routing rules suggested for a comment when it was stored (not staff state)."""

    __tablename__ = "routing_suggestion"

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    department: str | None = None
    tags: list[str] = _json_column()
    priority: str | None = Field(default=None, max_length=10)
    spam: bool = False
    rules: list[str] = _json_column()
    created_at: datetime = _utc_column()
    decision: str | None = Field(default=None, max_length=20)
    """accepted or dismissed, once staff decided."""
    decided_at: datetime | None = _utc_column(nullable=True)
    decided_by: str | None = None


class StaffUser(SQLModel, table=True):
    """A staff account of the web inbox (password as an argon2 hash)."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=20)
    department: str | None = None
    password_hash: str
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = _utc_column(nullable=True)
    created_at: datetime = _utc_column()
    password_changed_at: datetime = _utc_column()
    last_login_at: datetime | None = _utc_column(nullable=True)


class WebSession(SQLModel, table=True):
    """A logged-in browser: the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _utc_column()
    last_seen_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()
    client_ip: str | None = Field(default=None, max_length=64)


class AccessLog(SQLModel, table=True):
    """PIPA access record (접속기록): who, when, from where, what, which action.

    Append-only: the database refuses UPDATE, and DELETE of records younger than two
    years (triggers made by the migration); each row also carries a hash chained to
    the previous row, so a gap or an edit outside the app shows.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        sa.Index("ix_access_log_at", "at", "id"),
        sa.Index("ix_access_log_staff", "staff", "at"),
        sa.Index("ix_access_log_action", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    staff: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=20)
    client_ip: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=100)
    """What was touched, e.g. `comment:123`, `search`, `user:kim`."""
    subject: str | None = None
    """The data subject (the resident's name or handle) where one was touched."""
    detail: str | None = None
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64)


class ReportSnapshot(SQLModel, table=True):
    """A closed month's monthly report, frozen: its figures as JSON text (its rows are
    `ReportSnapshotRow`s, so a large month streams instead of being one huge value).

    Kept as text (not JSON/JSONB) so the stored bytes, and so every report generated
    from them, are identical on both back ends whatever changes later.
    """

    __tablename__ = "report_snapshot"

    month: str = Field(primary_key=True, max_length=7)
    """`YYYY-MM`, the month taken in the office's time zone."""
    closed_at: datetime = _utc_column()
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
    analyzed_at: datetime = _utc_column()


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
    created_at: datetime = _utc_column()
    created_by: str = Field(max_length=64)
