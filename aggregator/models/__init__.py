"""The store's tables (SQLModel), SQLite and PostgreSQL alike, one module per concern;
importing this package registers them all.

Source data (posts, comments, revisions) is written only by the sync engine.
Staff-owned review data (status, department, assignee, tags, notes, deadline) lives
in its own tables, which a sync never writes. All times are stored as UTC.
"""

from __future__ import annotations

from aggregator.models.answers import Answer, AnswerTemplate, PlatformAction, WriteCharge
from aggregator.models.dashboard import OpenItem, OpenTally
from aggregator.models.notifications import (
    DepartmentContact,
    Notification,
    NotificationCursor,
    NotificationPreference,
)
from aggregator.models.operations import AccountHealth, ServiceLease, SyncCursor, SyncLock, SyncRun
from aggregator.models.report_jobs import ReportJob, ReportJobRequest
from aggregator.models.reports import (
    CommentTopic,
    PrivacyTombstone,
    ReportSnapshot,
    ReportSnapshotRow,
)
from aggregator.models.review import Review, ReviewEvent, ReviewNote, ReviewTag, RoutingSuggestion
from aggregator.models.source import Account, CheckItem, Comment, ContentRevision, Post
from aggregator.models.staff import AccessLog, StaffUser, WebSession
from aggregator.models.types import JSONType, UTCDateTime

__all__ = [
    "AccessLog",
    "Account",
    "AccountHealth",
    "Answer",
    "AnswerTemplate",
    "CheckItem",
    "Comment",
    "CommentTopic",
    "ContentRevision",
    "DepartmentContact",
    "JSONType",
    "Notification",
    "NotificationCursor",
    "NotificationPreference",
    "OpenItem",
    "OpenTally",
    "PlatformAction",
    "Post",
    "PrivacyTombstone",
    "ReportJob",
    "ReportJobRequest",
    "ReportSnapshot",
    "ReportSnapshotRow",
    "Review",
    "ReviewEvent",
    "ReviewNote",
    "ReviewTag",
    "RoutingSuggestion",
    "ServiceLease",
    "StaffUser",
    "SyncCursor",
    "SyncLock",
    "SyncRun",
    "UTCDateTime",
    "WebSession",
    "WriteCharge",
]
