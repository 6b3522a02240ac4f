"""The dashboard's figures counted the slow, obvious way: every row read into Python
and classified with `aggregator.deadlines` alone (no store query, no window math).

Tests compare the maintained counts with these after each kind of write.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from aggregator.answers.states import VISIBLE
from aggregator.deadlines import add_business_days, deadline_for
from aggregator.store import Store
from aggregator.workflow import OPEN_STATUSES

TZ = "Asia/Seoul"
DAYS = 3
OPEN = {s.value for s in OPEN_STATUSES}
VISIBLE_STATES = {s.value for s in VISIBLE}


def _aware(value: object) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def truth(store: Store, now: datetime, department: str | None = None) -> dict[str, Counter[str]]:
    """Per window (overdue, today, tomorrow, open, new): counts per department ('' none),
    and `new` under the key ''; `department` restricts to one department's items."""
    with store.engine.connect() as conn:
        comments = conn.exec_driver_sql(
            "SELECT id, platform, external_id, parent_external_id, by_account_owner, created_at"
            " FROM comment"
        ).all()
        reviews = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.exec_driver_sql(
                "SELECT comment_id, status, department, deadline FROM review"
            )
        }
        answers = conn.execute(sa.text("SELECT comment_id, state FROM answer")).all()
    replied = {(c.platform, c.parent_external_id) for c in comments if c.by_account_owner}
    visible = {a.comment_id for a in answers if a.state in VISIBLE_STATES}
    zone = ZoneInfo(TZ)
    today = now.astimezone(zone).date()
    today_start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    next_day = add_business_days(today, 1)
    found: dict[str, Counter[str]] = {
        name: Counter() for name in ("overdue", "today", "tomorrow", "open", "new")
    }
    for c in comments:
        if c.by_account_owner:
            continue
        status, dept, explicit = reviews.get(c.id, ("신규", None, None))
        if department is not None and dept != department:
            continue
        created = _aware(c.created_at)
        if created >= today_start:
            found["new"][""] += 1
        answered = (c.platform, c.external_id) in replied or c.id in visible
        if status not in OPEN or answered:
            continue
        due = _aware(explicit) if explicit else deadline_for(created, DAYS, TZ)
        due_day = (due - timedelta(microseconds=1)).astimezone(zone).date()
        key = dept or ""
        found["open"][key] += 1
        if due < now:
            found["overdue"][key] += 1
        elif due_day == today:
            found["today"][key] += 1
        elif due_day == next_day:
            found["tomorrow"][key] += 1
    return found
