"""The daily digest's figures from the maintained open items equal those of the old
query (every comment anti-joined against replies and answers), section by section, on
SQLite and PostgreSQL, after assignments, closings, replies and answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from aggregator.config import parse_settings
from aggregator.deadlines import overdue_cutoff
from aggregator.notify import digest
from aggregator.notify.kinds import OFFICE
from aggregator.store import Store
from aggregator.store.inbox_query import Scope, answered, status_expr
from aggregator.store.outbox_repo import NotifyUnit
from aggregator.store.tables import COMMENT, REVIEW
from aggregator.workflow import OPEN_STATUSES
from tests.conftest import FakeClock
from tests.test_dashboard_store import FRIDAY, PARKING, act, comment, ingest, three_weeks
from tests.test_dashboard_store import OFFICE as OFFICER_OF_COMMS

DEPARTMENTS = ("주차관리과", "청소행정과", "환경과")
SETTINGS = parse_settings(f"departments: [{', '.join(DEPARTMENTS)}]", environ={})


def _late(at: datetime) -> sa.ColumnElement[bool]:
    cutoff = overdue_cutoff(at, SETTINGS.review.deadline_business_days, SETTINGS.timezone)
    return sa.or_(
        sa.and_(REVIEW.c.deadline.is_not(None), REVIEW.c.deadline < at),
        sa.and_(REVIEW.c.deadline.is_(None), COMMENT.c.created_at < cutoff),
    )


def _old_section(
    conn: Any, department: str | None, condition: Any, oldest_first: bool
) -> tuple[int, list[int]]:
    """The query the digest used before open items: count and the first ids."""
    where = [
        COMMENT.c.by_account_owner.is_(False),
        status_expr().in_([s.value for s in OPEN_STATUSES]),
        ~answered(),
        condition,
    ]
    if department is not None:
        where.append(REVIEW.c.department == department)
    source = COMMENT.outerjoin(REVIEW, REVIEW.c.comment_id == COMMENT.c.id)
    count = conn.execute(sa.select(sa.func.count()).select_from(source).where(*where))
    order = [COMMENT.c.created_at, COMMENT.c.id]
    if not oldest_first:
        order = [column.desc() for column in order]
    ids = sa.select(COMMENT.c.id).select_from(source).where(*where).order_by(*order)
    found = [int(i) for i in conn.execute(ids.limit(digest.LISTED)).scalars()]
    return int(count.scalar_one()), found


def _old_sections(store: Store, place: str, window: digest.Window) -> list[tuple[int, list[int]]]:
    department = None if place == OFFICE else place
    ends = [window.now, *_ends(window)]
    late = [_late(at) for at in ends]
    with store.engine.connect() as conn:
        return [
            _old_section(conn, department, late[0], oldest_first=True),
            _old_section(conn, department, late[1] & ~late[0], oldest_first=False),
            _old_section(conn, department, late[2] & ~late[1], oldest_first=False),
        ]


def _ends(window: digest.Window) -> list[datetime]:
    due = window.due
    ends = [due["today"].due_to, due["following"].due_to]
    assert all(end is not None for end in ends)
    return [end for end in ends if end is not None]


def _new_sections(store: Store, place: str, window: digest.Window) -> list[tuple[int, list[int]]]:
    def sections(unit: NotifyUnit) -> list[digest.Section]:
        counts = unit.open_counts(window.due, Scope())
        return digest._sections(unit, place, window, counts, SETTINGS)

    found = store.outbox.notification_read(sections)
    return [(section.count, section.ids) for section in found[:3]]


def _seeded(store: Store, clock: FakeClock) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    c = [ids[f"c{n}"] for n in range(101)]
    act(store, OFFICER_OF_COMMS, c[1:80:2], kind="assign_department", department="주차관리과")
    act(store, OFFICER_OF_COMMS, c[2:80:4], kind="assign_department", department="청소행정과")
    act(store, OFFICER_OF_COMMS, c[80:85], kind="status", status="종결")
    act(store, OFFICER_OF_COMMS, c[85:88], kind="status", status="답변 불요", reason="감사")
    act(store, PARKING, [c[3], c[5]], kind="transfer", department="환경과", reason="소관")
    act(store, PARKING, [c[9]], kind="status", status="1차 답변")
    ingest(store, [comment("r-x", FRIDAY, parent="c90", by_account_owner=True)])


@pytest.mark.parametrize("days_later", [0, 1, 3, 4, 7])
def test_digest_sections_equal_the_old_brute_force_query(
    store: Store, clock: FakeClock, days_later: int
) -> None:
    _seeded(store, clock)
    at = FRIDAY - timedelta(hours=1, minutes=30) + timedelta(days=days_later)
    clock.now = at
    window = digest.Window.of(at.astimezone(ZoneInfo(SETTINGS.timezone)).date(), at, SETTINGS)
    seen = 0
    for place in (OFFICE, *DEPARTMENTS):
        new = _new_sections(store, place, window)
        assert new == _old_sections(store, place, window), place
        seen += sum(count for count, _ids in new)
    assert seen > 0
