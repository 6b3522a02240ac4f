"""The store's tables as SQLAlchemy Core `Table` objects, named once for every store module."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from aggregator.models import (
    AccessLog,
    Account,
    AccountHealth,
    Answer,
    AnswerTemplate,
    CheckItem,
    Comment,
    CommentTopic,
    ContentRevision,
    DepartmentContact,
    Notification,
    NotificationCursor,
    NotificationPreference,
    OpenItem,
    OpenTally,
    PlatformAction,
    Post,
    PrivacyTombstone,
    ReportJob,
    ReportJobRequest,
    ReportSnapshot,
    ReportSnapshotRow,
    Review,
    ReviewEvent,
    ReviewNote,
    ReviewTag,
    RoutingSuggestion,
    ServiceLease,
    StaffUser,
    SyncCursor,
    SyncLock,
    SyncRun,
    WebSession,
    WriteCharge,
)


def _table(model: type) -> sa.Table:
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


ACCOUNT = _table(Account)
ANSWER = _table(Answer)
ANSWER_TEMPLATE = _table(AnswerTemplate)
CHECK = _table(CheckItem)
COMMENT = _table(Comment)
CURSOR = _table(SyncCursor)
EVENT = _table(ReviewEvent)
HEALTH = _table(AccountHealth)
LOCK = _table(SyncLock)
LOG = _table(AccessLog)
NOTE = _table(ReviewNote)
OPEN_ITEM = _table(OpenItem)
OPEN_TALLY = _table(OpenTally)
POST = _table(Post)
REVIEW = _table(Review)
REVISION = _table(ContentRevision)
RUN = _table(SyncRun)
SERVICE = _table(ServiceLease)
SESSION = _table(WebSession)
SNAPSHOT = _table(ReportSnapshot)
SNAPSHOT_ROW = _table(ReportSnapshotRow)
SUGGESTION = _table(RoutingSuggestion)
TAG = _table(ReviewTag)
TOPIC = _table(CommentTopic)
TOMBSTONE = _table(PrivacyTombstone)
USER = _table(StaffUser)
PLATFORM_ACTION = _table(PlatformAction)
WRITE_CHARGE = _table(WriteCharge)
NOTIFICATION = _table(Notification)
NOTIFY_CURSOR = _table(NotificationCursor)
CONTACT = _table(DepartmentContact)
PREFERENCE = _table(NotificationPreference)
REPORT_JOB = _table(ReportJob)
REPORT_JOB_REQUEST = _table(ReportJobRequest)


def conflict_insert(conn: Connection, table: sa.Table) -> Any:
    """An INSERT that takes `ON CONFLICT` clauses, in the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
