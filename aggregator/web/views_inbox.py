"""The inbox list (filters, counts, search, keyset pages) and bulk actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams
from starlette.responses import RedirectResponse, Response

from aggregator.dashboard import WINDOWS
from aggregator.deadlines import deadline_for
from aggregator.store.inbox_repo import ANSWER_STATES, Cursor, InboxFilter
from aggregator.web.actions import action_from_form
from aggregator.web.core import Ctx
from aggregator.web.flash import grouped
from aggregator.web.list_totals import TOTALS_CAP
from aggregator.web.listing import FILTER_KEYS, clean_list, inbox_url, list_query, with_list
from aggregator.workflow import (
    DEADLINE_EXEMPT,
    MOIS_REASONS,
    OPEN_STATUSES,
    STATUSES,
    Role,
    settable_statuses,
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
        due=params.get("due") if params.get("due") in WINDOWS else None,
        unassigned=params.get("unassigned") == "1",
        answer_state=params.get("answer") if params.get("answer") in ANSWER_STATES else None,
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
    rows, following = store.inbox.inbox_page(
        f, ctx.scope, deadlines, cursor, settings.web.page_size
    )
    for row in rows:
        _add_deadline(ctx, row)
    filters = {k: v for k in FILTER_KEYS if (v := ctx.request.query_params.get(k, ""))}
    ctx.log("search" if f.query else "view_list", target="inbox", detail=filters or None)
    list_q = list_query(ctx.request.query_params)
    return ctx.render(
        "inbox.html",
        rows=rows,
        f=f,
        filters=filters,
        counts=ctx.state.status_counts(ctx.scope),
        totals=_totals(ctx, f),
        overdue_url=inbox_url(list_query({**filters, "overdue": "1"})),
        today=ctx.state.now().astimezone(ZoneInfo(settings.timezone)).date().isoformat(),
        list_q=list_q,
        item_url=lambda comment_id: with_list(f"/comments/{comment_id}", list_q),
        next_url=_page_url(filters, following) if following else None,
        first_url=_page_url(filters, None),
        statuses=STATUSES,
        settable=settable_statuses(ctx.user.role),
        reasons=MOIS_REASONS,
        no_answer_reasons=settings.review.no_answer_reasons,
        accounts=[a.name for a in settings.accounts],
        staff=[u for u in store.staff.users() if u.role != Role.VIEWER and not u.disabled],
        done=ctx.request.query_params.get("done"),
        refused=ctx.request.query_params.get("refused"),
        refusals=_refusals(ctx),
    )


def _totals(ctx: Ctx, f: InboxFilter) -> tuple[str, str]:
    """How many items the filtered list holds and how many are overdue, as shown: each
    counted up to `TOTALS_CAP` and kept briefly; the whole list and a one-status list
    show their exact total, from the status counts."""
    state, scope = ctx.state, ctx.scope
    total, overdue = state.list_totals.get(
        (f, scope),
        state.now(),
        lambda: state.store.inbox.inbox_totals(f, scope, state.deadlines(), TOTALS_CAP),
    )
    all_label = _count_label(*total)
    if f == InboxFilter(status=f.status):
        counts = state.status_counts(scope)
        all_label = f"{counts.get(f.status, 0) if f.status else sum(counts.values()):,}건"
    return all_label, _count_label(*overdue)


def _count_label(count: int, exact: bool) -> str:
    """A count as the list shows it: 123건, or 123건 이상 (a lower bound or past the cap)."""
    if count > TOTALS_CAP:
        return f"{TOTALS_CAP:,}건 이상"
    return f"{count:,}건" + ("" if exact else " 이상")


def _refusals(ctx: Ctx) -> list[tuple[str, list[int]]]:
    """Why each item of the last bulk action was refused, grouped by reason."""
    token = ctx.request.query_params.get("result")
    found = ctx.state.bulk_results.get(token, ctx.user.name, ctx.state.now())
    return grouped(found or [])


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
    """POST /inbox/bulk: one action on every checked item; back to the same list, which
    says how many were done and, per refused item, why."""
    ids = [int(v) for v in ctx.form.getlist("ids") if isinstance(v, str) and v.isdigit()][:500]
    action = action_from_form(ctx.form)
    back = str(ctx.form.get("return_to", ""))
    list_q = clean_list(back.partition("?")[2]) if back.startswith("/inbox") else ""
    if not ids or action is None:
        return RedirectResponse(inbox_url(list_q, done="0", refused="0"), status_code=303)
    result = ctx.state.store.inbox.review(ctx.user.actor, ids, action, ctx.state.review_context())
    ctx.state.review_changed()
    done, refused = len(result.done), len(result.refused)
    ctx.log(
        "bulk_" + action.kind,
        target=f"comments:{len(ids)}",
        detail={"ids": ids[:100], "done": done, "refused": refused},
    )
    shown = {"done": str(done), "refused": str(refused)}
    if result.refused:
        now = ctx.state.now()
        shown["result"] = ctx.state.bulk_results.put(ctx.user.name, now, result.refused)
    return RedirectResponse(inbox_url(list_q, **shown), status_code=303)
