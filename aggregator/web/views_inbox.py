"""The inbox list (filters, counts, search, keyset pages) and bulk actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams
from starlette.responses import RedirectResponse, Response

from aggregator.deadlines import deadline_for
from aggregator.store.inbox_query import Cursor, InboxFilter
from aggregator.web.actions import action_from_form
from aggregator.web.core import Ctx
from aggregator.workflow import DEADLINE_EXEMPT, MOIS_REASONS, OPEN_STATUSES, STATUSES, Role

FILTER_KEYS = (
    "platform",
    "account",
    "status",
    "department",
    "assignee",
    "tag",
    "from",
    "to",
    "overdue",
    "answered",
    "manual",
    "check",
    "q",
)


def parse_filter(params: QueryParams, timezone: str) -> InboxFilter:
    """Filters from the query string; anything malformed is ignored, never an error."""

    def text(key: str) -> str | None:
        value = params.get(key, "").strip()
        return value[:100] or None

    answered = {"yes": True, "no": False}.get(params.get("answered", ""))
    status = text("status")
    return InboxFilter(
        platform=text("platform"),
        account=text("account"),
        status=status if status in STATUSES else None,
        department=text("department"),
        assignee=text("assignee"),
        tag=text("tag"),
        date_from=_day(params.get("from"), timezone),
        date_to=_day(params.get("to"), timezone, 1),
        overdue=params.get("overdue") == "1",
        answered=answered,
        manual=params.get("manual") == "1",
        check_items=params.get("check") == "1",
        query=params.get("q", "")[:200],
    )


def _day(value: str | None, timezone: str, plus_days: int = 0) -> datetime | None:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    start = datetime.combine(day + timedelta(days=plus_days), time(0), tzinfo=ZoneInfo(timezone))
    return start.astimezone(UTC)


def parse_cursor(value: str | None) -> Cursor | None:
    """`after=<iso time>~<id>` -> (time, id); None when absent or malformed."""
    if not value or "~" not in value:
        return None
    at, _, key = value.rpartition("~")
    try:
        moment = datetime.fromisoformat(at)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC), int(key))
    except ValueError:
        return None


def inbox(ctx: Ctx) -> Response:
    """GET /inbox: one page of the filtered list, newest first."""
    settings = ctx.state.settings
    f = parse_filter(ctx.request.query_params, settings.timezone)
    cursor = parse_cursor(ctx.request.query_params.get("after"))
    deadlines = ctx.state.deadlines()
    store = ctx.state.store
    rows, following = store.inbox_page(f, ctx.scope, deadlines, cursor, settings.web.page_size)
    for row in rows:
        _add_deadline(ctx, row)
    filters = {k: v for k in FILTER_KEYS if (v := ctx.request.query_params.get(k, ""))}
    ctx.log("search" if f.query else "view_list", target="inbox", detail=filters or None)
    return ctx.render(
        "inbox.html",
        rows=rows,
        f=f,
        filters=filters,
        counts=ctx.state.status_counts(ctx.scope),
        next_url=_page_url(filters, following) if following else None,
        first_url=_page_url(filters, None),
        statuses=STATUSES,
        reasons=MOIS_REASONS,
        accounts=[a.name for a in settings.accounts],
        staff=[u for u in store.users() if u.role != Role.VIEWER and not u.disabled],
        done=ctx.request.query_params.get("done"),
        refused=ctx.request.query_params.get("refused"),
    )


def _add_deadline(ctx: Ctx, row: dict[str, Any]) -> None:
    """`due` (None when the item has no deadline: 숨김, 스팸, 답변 불요) and `overdue`."""
    settings = ctx.state.settings
    due = row["deadline"] or deadline_for(
        row["created_at"], settings.review.deadline_business_days, settings.timezone
    )
    row["due"] = None if row["status"] in DEADLINE_EXEMPT else due
    running = row["status"] in OPEN_STATUSES and not row["answered"]
    row["overdue"] = running and due < ctx.state.now()


def _page_url(filters: dict[str, str], cursor: Cursor | None) -> str:
    params = dict(filters)
    if cursor is not None:
        params["after"] = f"{cursor[0].isoformat()}~{cursor[1]}"
    return "/inbox?" + urlencode(params)


def bulk(ctx: Ctx) -> Response:
    """POST /inbox/bulk: one action on every checked item; refusals are counted."""
    ids = [int(v) for v in ctx.form.getlist("ids") if isinstance(v, str) and v.isdigit()][:500]
    action = action_from_form(ctx.form)
    done, refused = 0, 0
    if ids and action is not None:
        result = ctx.state.store.review(ctx.user.actor, ids, action, ctx.state.review_context())
        done, refused = len(result.done), len(result.refused)
        ctx.log(
            "bulk_" + action.kind,
            target=f"comments:{len(ids)}",
            detail={"ids": ids[:100], "done": done, "refused": refused},
        )
    back = str(ctx.form.get("return_to", ""))
    if not back.startswith("/inbox") or "//" in back or "\\" in back:
        back = "/inbox"
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}done={done}&refused={refused}", status_code=303)
