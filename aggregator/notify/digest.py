"""The daily digest: per department, and one for the office, on business days only.

Each lists open, unanswered items overdue, due today, due on the next business day
(D-1), and new since the last business day's digest, with links (never a resident's
name or words). Empty digests are not sent. A digest is queued under a key of its day
and its place, so a second run on the same day (a restarted scheduler, a second cron
line) queues nothing again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aggregator.config import Settings
from aggregator.deadlines import add_business_days, is_business_day, overdue_cutoff
from aggregator.notify.audience import Audience, Target, outbox_rows
from aggregator.notify.kinds import OFFICE, Kind, place_label
from aggregator.notify.messages import PREFIX, Message, korean_time, link
from aggregator.store import Store
from aggregator.store.outbox_repo import DueWindow, NotifyUnit, Scope

DIGEST_RECORD = "digest"
"""The `notification_cursor` row holding the last day (YYYYMMDD) whose digests were made."""
LISTED = 10
"""Items linked per section (the count says how many there are)."""


@dataclass(frozen=True)
class Section:
    """One part of a digest: its title, how many items, the first ids."""

    title: str
    count: int
    ids: list[int]


_Plan = tuple[Audience, list[tuple[str, list[Section]]]]
"""Who hears (the audience read with the figures) and each place's sections."""


@dataclass
class DigestReport:
    """What a digest run did."""

    day: date
    business_day: bool
    queued: int = 0
    places: list[str] = field(default_factory=list)
    """The departments (and the office) whose digest had something to say."""
    already_sent: bool = False
    """Today's digests had been made by an earlier run: nothing was queued."""


def send_digests(store: Store, settings: Settings) -> DigestReport:
    """Queue today's digests (business days only, once a day); return what was done.

    The figures are read outside the write transaction (they scan the open items); the
    messages and the day's record are written together, so a concurrent second run
    finds the day done and queues nothing.
    """
    zone = ZoneInfo(settings.timezone)
    now = store.clock()
    today = now.astimezone(zone).date()
    report = DigestReport(today, is_business_day(today))
    if not report.business_day or not settings.notifications.enabled:
        return report

    def plan(unit: NotifyUnit) -> _Plan | None:
        if digest_done(unit.cursor(DIGEST_RECORD), today):
            return None
        audience = Audience.load(unit)
        window = Window.of(today, now, settings)
        counts = unit.open_counts(window.due, Scope())  # every place at once
        planned = [
            (place, _sections(unit, place, window, counts, settings))
            for place in _places(settings, audience)
            if _targets(audience, place)  # nobody to tell: no figures to compute
        ]
        return audience, planned

    found = store.outbox.notification_read(plan)
    if found is None:
        report.already_sent = True
        return report
    audience, planned = found

    def queue(unit: NotifyUnit) -> None:
        if digest_done(unit.cursor(DIGEST_RECORD), today):
            report.already_sent = True
            return
        for place, sections in planned:
            if any(section.count for section in sections):
                report.queued += _queue(unit, place, sections, audience, today, settings, now)
                report.places.append(place)
        unit.set_cursor(DIGEST_RECORD, _day_number(today), now)

    store.outbox.notification_step(queue)
    return report


def digest_done(cursor: int, day: date) -> bool:
    """True when `day`'s digests were already made (`cursor`: the `DIGEST_RECORD`
    cursor of the notifier)."""
    return cursor >= _day_number(day)


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _queue(
    unit: NotifyUnit,
    place: str,
    sections: list[Section],
    audience: Audience,
    today: date,
    settings: Settings,
    now: datetime,
) -> int:
    """Queue one place's digest to its addresses and the staff who want it."""
    message = _message(place, sections, today, settings)
    about = {"department": place, "created_at": now}
    key = f"digest:{today.isoformat()}:{place}"
    targets = _targets(audience, place)
    return unit.enqueue(outbox_rows(key, Kind.DIGEST, message, targets, **about))


def _targets(audience: Audience, place: str) -> list[Target]:
    """A place's digest goes to its addresses and the staff who want it."""
    if place == OFFICE:
        return audience.place(place) + audience.people(Kind.DIGEST, office=True)
    return audience.place(place) + audience.people(Kind.DIGEST, department=place)


@dataclass(frozen=True)
class Window:
    """The instants a digest compares deadlines and arrivals with, and its due windows
    (`overdue`, `today`, `following`: whose deadline passes before now, before the end of
    today, before the end of the next business day)."""

    now: datetime
    since: datetime
    due: Mapping[str, DueWindow]

    @classmethod
    def of(cls, today: date, now: datetime, settings: Settings) -> Window:
        """The window of `today`'s digest."""
        zone = ZoneInfo(settings.timezone)

        def midnight_after(day: date) -> datetime:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)

        previous = today - timedelta(days=1)
        while not is_business_day(previous):
            previous -= timedelta(days=1)
        at = settings.notifications.digest_at
        since = datetime.combine(previous, at, tzinfo=zone).astimezone(UTC)
        ends = (now, midnight_after(today), midnight_after(add_business_days(today, 1)))
        days, zone_name = settings.review.deadline_business_days, settings.timezone
        cutoffs = [overdue_cutoff(at, days, zone_name) for at in ends]
        due = {
            "overdue": DueWindow(created_to=cutoffs[0], due_to=ends[0]),
            "today": DueWindow(cutoffs[0], cutoffs[1], ends[0], ends[1]),
            "following": DueWindow(cutoffs[1], cutoffs[2], ends[1], ends[2]),
        }
        return cls(now, since, due)


def _places(settings: Settings, audience: Audience) -> list[str]:
    """The office first, then every department someone would hear about."""
    departments = list(settings.departments)
    departments += [d for d in audience.contacts if d != OFFICE and d not in departments]
    departments += sorted(
        {p["department"] for p in audience.subscribers if p["department"]} - {*departments}
    )
    return [OFFICE, *departments]


def _sections(
    unit: NotifyUnit,
    place: str,
    window: Window,
    counts: Mapping[str, Counter[str]],
    settings: Settings,
) -> list[Section]:
    """A place's sections; `counts`: open items per due window and department, from the
    maintained open items (`NotifyUnit.open_counts`)."""
    department = None if place == OFFICE else place

    def section(title: str, name: str, oldest_first: bool) -> Section:
        found = counts[name]
        count = sum(found.values()) if department is None else found.get(department, 0)
        due = window.due[name]
        ids = unit.open_ids(department, due, LISTED, oldest_first) if count else []
        return Section(title, count, ids)

    sections = [
        section("기한초과", "overdue", oldest_first=True),
        section("오늘 마감", "today", oldest_first=False),
        section("다음 근무일 마감 (D-1)", "following", oldest_first=False),
    ]
    if department is None:
        count, ids = unit.new_comments(window.since, window.now, LISTED)
    else:
        routed = sorted(
            {cid for cid, dept in unit.routed_since(window.since, window.now) if dept == department}
        )
        count, ids = len(routed), routed[:LISTED]
    since = korean_time(window.since, settings.timezone)
    sections.append(Section(f"신규 ({since} 이후)", count, ids))
    return sections


def _message(place: str, sections: list[Section], today: date, settings: Settings) -> Message:
    label = place_label(place)
    day = f"{today.month}월 {today.day}일"
    counts = " · ".join(f"{s.title.split(' (')[0]} {s.count}건" for s in sections)
    lines = [f"{label} 일일 요약 ({day})", "", counts, ""]
    for section in sections:
        lines.append(f"■ {section.title}: {section.count}건")
        lines += [f"  - #{cid} {link(settings, cid)}" for cid in section.ids]
        if section.count > len(section.ids):
            lines.append(f"  … 외 {section.count - len(section.ids)}건 (검토함에서 확인)")
    return Message(f"{PREFIX} {label} 일일 요약 ({day}): {counts}", "\n".join(lines) + "\n")
