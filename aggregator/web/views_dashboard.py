"""The dashboard (첫 화면): today's work at a glance, each number a link to the inbox
filtered to exactly the items it counts (`due=`, `department=`/`unassigned=1`,
`from=`, `answer=`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.responses import Response

from aggregator.dashboard import today_start
from aggregator.dashboard_figures import Compliance, month_compliance, sync_health
from aggregator.store.inbox_repo import DashboardCounts
from aggregator.web.core import Ctx
from aggregator.workflow import Role

COMPLIANCE_TTL = timedelta(minutes=5)
"""This month's compliance reads the month's rows (as the report does): recomputed at
most this often, and shown with the time it was computed."""
UNASSIGNED = "미배정"


@dataclass(frozen=True)
class DepartmentRow:
    """One line of the by-department table: its counts and their inbox links."""

    name: str
    overdue: int
    today: int
    tomorrow: int
    open: int
    filter: dict[str, str]

    def link(self, due: str) -> str:
        """The inbox listing this line's items of one due window."""
        return inbox_link(due=due, **self.filter)


def inbox_link(**params: str) -> str:
    """/inbox with these filters."""
    return "/inbox?" + urlencode(params)


def department_rows(counts: DashboardCounts, restricted: bool) -> list[DepartmentRow]:
    """Departments with open items, most overdue first (then due today, then name)."""
    names = {name for by in counts.due.values() for name in by}
    rows = []
    for name in names:
        if restricted:
            where: dict[str, str] = {}
        elif name:
            where = {"department": name}
        else:
            where = {"unassigned": "1"}
        figures = {due: by[name] for due, by in counts.due.items()}
        if not figures.get("open"):
            continue
        rows.append(
            DepartmentRow(
                name=name or UNASSIGNED,
                overdue=figures.get("overdue", 0),
                today=figures.get("today", 0),
                tomorrow=figures.get("tomorrow", 0),
                open=figures.get("open", 0),
                filter=where,
            )
        )
    return sorted(rows, key=lambda r: (-r.overdue, -r.today, -r.tomorrow, r.name))


def compliance_for(ctx: Ctx, now: datetime) -> Compliance | None:
    """This month's compliance within the user's scope (cached for `COMPLIANCE_TTL`)."""
    state = ctx.state
    cached = state.compliance_cache.get("month")
    if cached is None or not (now - COMPLIANCE_TTL <= cached[0] <= now):
        cached = (now, month_compliance(state.store, state.settings, now))
        state.compliance_cache["month"] = cached
    figures: dict[str, Compliance] = cached[1]
    key = (ctx.scope.department or "") if ctx.scope.restricted else ""
    return figures.get(key)


def dashboard(ctx: Ctx) -> Response:
    """GET / and /dashboard: the office's figures, or one department's."""
    settings = ctx.state.settings
    deadlines = ctx.state.deadlines()
    now = deadlines.now
    today = today_start(now, settings.timezone)
    counts = ctx.state.store.inbox.dashboard_counts(ctx.scope, deadlines.windows, today)
    restricted = ctx.scope.restricted
    totals = {due: sum(by.values()) for due, by in counts.due.items()}
    local_today = now.astimezone(ZoneInfo(settings.timezone)).date()
    ctx.log("view_dashboard", target="dashboard")
    return ctx.render(
        "dashboard.html",
        counts=counts,
        totals=totals,
        rows=department_rows(counts, restricted),
        restricted=restricted,
        compliance=compliance_for(ctx, now),
        health=[] if ctx.user.role == Role.DEPARTMENT else sync_health(ctx.state.store, settings),
        today_link=inbox_link(**{"from": local_today.isoformat()}),
        due_link=lambda due: inbox_link(due=due),
        answer_link=lambda kind: inbox_link(answer=kind),
        today=local_today,
    )
