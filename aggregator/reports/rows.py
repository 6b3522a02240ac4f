"""One report row per resident comment, derived from the store's query rows.

Definitions used throughout the monthly report:

- **Business hours** are 09:00–18:00 office time (Asia/Seoul) on business days
  (Monday to Friday, not a Korean public holiday, see `aggregator.deadlines`). Reply
  times are counted in these hours only: a comment written on Friday at 17:00 and
  answered on Monday at 10:00 took 2 business hours.
- **First reply**: the earlier of the district's own reply being synced and the first
  answer from the inbox reaching the resident (its `posted_at` in the `answer` table:
  posted on the platform, or confirmed as posted by hand); for older comments without
  such an answer, staff marking it 1차 답변 or 최종 답변.
  **Final answer**: the 최종 답변 from the inbox reaching the resident, else staff first
  marking it 최종 답변. The row carries the text, posting time, writer and approver of
  the first 1차 답변 and the first 최종 답변 the resident saw.
- **Deadline**: the review's explicit deadline, or N business days after the day the
  comment was written (`review.deadline_business_days`). **Met** when the first reply
  came by the deadline; **missed** when it came later or has not come and the
  deadline passed; **pending** otherwise. Comments set aside as 숨김 or 스팸, those
  closed as 답변 불요 (no answer needed) and those turned into a 정식민원 (answered
  through the formal complaint process instead) have no deadline outcome and are not
  counted as answerable, nor in the response times.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from aggregator.deadlines import deadline_for, is_business_day
from aggregator.store.reports_repo import CommentRow
from aggregator.workflow import DEADLINE_EXEMPT, OPEN_STATUSES, Status

WORK_START = time(9, 0)
WORK_END = time(18, 0)
SET_ASIDE = frozenset({Status.HIDDEN.value, Status.SPAM.value})
NO_DEADLINE = frozenset(s.value for s in (*DEADLINE_EXEMPT, Status.FORMAL))
"""Outside the compliance figures: 숨김, 스팸, 답변 불요 and 정식민원 전환."""
TIME_FIELDS = (
    "created_at", "deadline", "first_reply_at", "final_answer_at",
    "first_answer_posted_at", "final_answer_posted_at",
)  # fmt: skip


class ReportRow(NamedTuple):
    """One resident comment as the report shows it (author not yet pseudonymised).

    A named tuple rather than a frozen dataclass: a month's report builds 100,000 of
    these, and a tuple is built several times faster. Closed months keep their rows as
    `to_json` wrote them, so a field added later goes last, with a default, and rows
    frozen before it load with that default (`from_json`)."""

    id: int
    platform: str
    account: str
    post: str
    post_url: str
    thread: str
    text: str
    author: str
    author_key: str
    created_at: datetime
    status: str
    department: str
    handler: str
    priority: str
    deadline: datetime
    first_reply_at: datetime | None
    final_answer_at: datetime | None
    first_reply_hours: float | None
    final_answer_hours: float | None
    deadline_met: bool | None
    overdue: bool
    first_answer_text: str = ""
    first_answer_posted_at: datetime | None = None
    final_answer_text: str = ""
    final_answer_posted_at: datetime | None = None
    first_answer_by: str = ""
    first_answer_approved_by: str = ""
    final_answer_by: str = ""
    final_answer_approved_by: str = ""

    @property
    def answered(self) -> bool:
        """The district replied (or staff recorded an answer)."""
        return self.first_reply_at is not None

    @property
    def is_open(self) -> bool:
        """Still waiting for an answer (open status, no reply yet)."""
        return self.status in OPEN_STATUSES and not self.answered

    @property
    def set_aside(self) -> bool:
        """Hidden or spam: outside the answer, deadline and topic figures."""
        return self.status in SET_ASIDE

    @property
    def needs_no_answer(self) -> bool:
        """Hidden, spam, 답변 불요 or 정식민원: outside the answer and deadline figures."""
        return self.status in NO_DEADLINE

    def first_answer(self) -> tuple[str, datetime] | None:
        """(writer, posting time) of the first inbox answer the resident saw, of either
        kind; None when no answer from the inbox reached them."""
        answers = [
            (at, who)
            for at, who in (
                (self.first_answer_posted_at, self.first_answer_by),
                (self.final_answer_posted_at, self.final_answer_by),
            )
            if at is not None
        ]
        if not answers:
            return None
        at, who = min(answers)
        return who, at

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (times as ISO strings, UTC)."""
        data = self._asdict()
        for name in TIME_FIELDS:
            data[name] = data[name].isoformat() if data[name] is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportRow:
        """The inverse of `to_json`, tolerant of rows frozen by another version: a field
        they lack gets its default (`FROZEN_DEFAULTS`), a field since removed is ignored."""
        values: dict[str, Any] = {
            name: data.get(name, FROZEN_DEFAULTS.get(name)) for name in cls._fields
        }
        for name in TIME_FIELDS:
            values[name] = datetime.fromisoformat(values[name]) if values[name] else None
        return cls(**values)


def _frozen_default(annotation: str) -> Any:
    """The value a row frozen without a field of this type gets: empty text, not
    overdue, else unknown (None)."""
    return {"str": "", "bool": False}.get(annotation)


FROZEN_DEFAULTS: dict[str, Any] = {
    **{
        name: _frozen_default(getattr(kind, "__forward_arg__", str(kind)))
        for name, kind in ReportRow.__annotations__.items()
    },
    **ReportRow._field_defaults,
}
"""What a frozen row lacking a field loads with: the field's own default when it has
one, else by its type (text `""`, flags `False`, anything optional `None`)."""


def business_hours(start: datetime, end: datetime, timezone: str) -> float:
    """Hours between two instants that fall within 09:00–18:00 on business days."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    seconds = 0.0
    day: date = local_start.date()
    while day <= local_end.date():
        if is_business_day(day):
            lo = max(local_start, datetime.combine(day, WORK_START, tzinfo=zone))
            hi = min(local_end, datetime.combine(day, WORK_END, tzinfo=zone))
            seconds += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return round(seconds / 3600, 2)


def _earliest(one: datetime | None, other: datetime | None) -> datetime | None:
    if one is None or other is None:
        return one or other
    return min(one, other)


def _outcome(
    status: str, deadline: datetime, first: datetime | None, as_of: datetime
) -> tuple[bool | None, bool]:
    """(deadline met, overdue now) for one comment."""
    if status in NO_DEADLINE:
        return None, False
    if first is not None:
        return first <= deadline, False
    if deadline < as_of:
        return False, status in OPEN_STATUSES
    return None, False


def _author_key(raw: CommentRow) -> str:
    """Who wrote it, as stably as the platform allows: its id, else handle, else name."""
    who = raw.author_id or raw.author_handle or raw.author_name or ""
    return f"{raw.platform}:{who}"


def to_report_row(raw: CommentRow, days: int, timezone: str, as_of: datetime) -> ReportRow:
    """A store row (`aggregator.store.report_query.comment_rows`) as a report row."""
    created: datetime = raw.created_at
    deadline = raw.deadline or deadline_for(created, days, timezone)
    posted = _earliest(raw.first_posted_at, raw.final_posted_at)
    first = _earliest(raw.owner_reply_at, posted or raw.answer_event_at)
    final = raw.final_posted_at or raw.final_answer_at
    met, overdue = _outcome(raw.status, deadline, first, as_of)
    post = raw.post_title or (raw.post_text or "")[:60]
    return ReportRow(
        id=int(raw.id),
        platform=raw.platform,
        account=raw.account,
        post=post,
        post_url=raw.post_url or "",
        thread=raw.thread or "",
        text=raw.text or "",
        author=raw.author_name or raw.author_handle or "",
        author_key=_author_key(raw),
        created_at=created,
        status=raw.status,
        department=raw.department or "",
        handler=raw.assignee or "",
        priority=raw.priority or "",
        deadline=deadline,
        first_reply_at=first,
        final_answer_at=final,
        first_reply_hours=business_hours(created, first, timezone) if first else None,
        final_answer_hours=business_hours(created, final, timezone) if final else None,
        deadline_met=met,
        overdue=overdue,
        first_answer_text=raw.first_text or "",
        first_answer_posted_at=raw.first_posted_at,
        final_answer_text=raw.final_text or "",
        final_answer_posted_at=raw.final_posted_at,
        first_answer_by=raw.first_written_by or "",
        first_answer_approved_by=raw.first_approved_by or "",
        final_answer_by=raw.final_written_by or "",
        final_answer_approved_by=raw.final_approved_by or "",
    )
