"""The dashboard's figures that are not counts: this month's deadline compliance so far
(the monthly report's definition, computed by its own functions) and each account's
sync health (the assessment `aggregator status` shows), both in Korean words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from aggregator.config import Settings
from aggregator.health import Health, assess
from aggregator.reports.figures import Headline
from aggregator.reports.rows import to_report_row
from aggregator.store import Store
from aggregator.timeutil import month_bounds, month_of

HEALTH_LABELS = {
    "ok": "정상",
    "never": "수집 전",
    "disabled": "사용 안 함",
    "stale": "수집 지연",
    "failing": "수집 실패",
    "needs_configuration": "설정 필요",
    "needs_reauth": "재인증 필요",
    "throttled": "호출 제한 (자동 재개)",
    "budget_exhausted": "예산 소진",
    "abandoned": "마지막 수집 중단",
    "token_expiring": "토큰 만료 임박",
}
TOTAL = ""


@dataclass(frozen=True)
class Compliance:
    """Deadline compliance of the month so far: items decided (met or missed) and met."""

    month: str
    decided: int
    met: int
    as_of: datetime

    @property
    def rate(self) -> float | None:
        """Met over decided, as the report computes it (None when nothing is decided)."""
        return round(self.met / self.decided, 4) if self.decided else None


def month_compliance(store: Store, settings: Settings, now: datetime) -> dict[str, Compliance]:
    """This month's compliance so far, overall (key '') and per department, from the
    report's rows and its `Headline` tally (one pass over the month's comments)."""
    tz, days = settings.timezone, settings.review.deadline_business_days
    month = month_of(now, tz)
    start, end = month_bounds(month, tz)
    tallies: dict[str, Headline] = defaultdict(Headline)
    for raw in store.reports.report_rows(start, min(end, now)):
        row = to_report_row(raw, days, tz, now)
        tallies[TOTAL].add(row)
        if row.department:
            tallies[row.department].add(row)
    return {key: Compliance(month, tally.decided, tally.met, now) for key, tally in tallies.items()}


@dataclass(frozen=True)
class AccountHealth:
    """One account's sync health as the dashboard shows it."""

    account: str
    display_name: str
    state: str
    label: str
    problem: bool
    last_success_at: datetime | None
    detail: str


def sync_health(store: Store, settings: Settings) -> list[AccountHealth]:
    """Every configured account's health (the assessment of `aggregator status`), problems
    first; without the per-account item counts, which cost a scan at a million comments."""
    statuses = {s.name: s for s in store.sync.account_statuses(settings.timezone, counts=False)}
    now = store.clock()
    found = [
        _shown(account, assess(account, statuses.get(account.name), settings.alerts,
                               settings.timezone, now))
        for account in settings.accounts
    ]  # fmt: skip
    return sorted(found, key=lambda h: (not h.problem, h.account))


def _shown(account: object, health: Health) -> AccountHealth:
    return AccountHealth(
        account=health.account,
        display_name=getattr(account, "display_name", None) or health.account,
        state=health.state,
        label=HEALTH_LABELS.get(health.state, health.state),
        problem=health.is_problem,
        last_success_at=health.last_success_at,
        detail=health.detail,
    )
