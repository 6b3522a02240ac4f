"""The 월간 보고서 page: download a month's report (with a reason, logged), close and
reopen months. Viewers have no exports; reopening and real names are for admins."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from aggregator.reports.data import ReportError
from aggregator.reports.service import (
    FORMATS,
    MEDIA_TYPES,
    Requester,
    close,
    download,
    previous_month,
    reopen,
)
from aggregator.timeutil import MONTH, korean_month, month_of
from aggregator.web.core import Ctx


def _who(ctx: Ctx) -> Requester:
    return Requester(ctx.user.name, ctx.user.role, ctx.ip, channel="web")


def reports_page(ctx: Ctx, error: str | None = None, status: int = 200) -> Response:
    """GET /reports: the download form and the closed months."""
    this_month = month_of(ctx.state.now(), ctx.state.settings.timezone)
    ctx.log("view_reports", target="reports")
    return ctx.render(
        "reports.html",
        formats=FORMATS,
        default_month=previous_month(this_month),
        closed=ctx.state.store.closed_months(),
        error=error,
        reason=_field(ctx, "reason")
        if error and ctx.request.url.path == "/reports/download"
        else "",
        key_missing=ctx.state.settings.reports.pseudonym_key is None,
        done=done_message(ctx.request.query_params.get("done", "")),
        status_code=status,
    )


DONE_MESSAGES = {
    "closed": "{month} 보고서를 마감했습니다",
    "already_closed": "{month} 보고서는 이미 마감되어 있습니다",
    "reopened": "{month} 보고서를 다시 열었습니다",
    "not_closed": "{month} 보고서는 마감되어 있지 않습니다",
}


def done_message(done: str) -> str | None:
    """`closed:2026-11` (from the redirect) -> `2026년 11월 보고서를 마감했습니다`."""
    what, _, month = done.partition(":")
    template = DONE_MESSAGES.get(what)
    if template is None or not MONTH.match(month):
        return None
    return template.format(month=korean_month(month))


def _field(ctx: Ctx, name: str) -> str:
    return str(ctx.form.get(name, "")).strip()


def reports_download(ctx: Ctx) -> Response:
    """POST /reports/download: the file, pseudonymised unless an admin asked otherwise."""
    fmt = _field(ctx, "format")
    try:
        body, name = download(
            ctx.state.store,
            ctx.state.settings,
            _field(ctx, "month"),
            fmt,
            _field(ctx, "reason"),
            _who(ctx),
            pseudonymize=_field(ctx, "identified") != "1",
        )
    except ReportError as exc:
        return reports_page(ctx, exc.korean, 400)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def reports_close(ctx: Ctx) -> Response:
    """POST /reports/close: freeze a month that has ended."""
    month = _field(ctx, "month")
    try:
        closed = close(ctx.state.store, ctx.state.settings, month, _who(ctx))
    except ReportError as exc:
        return reports_page(ctx, exc.korean, 400)
    done = "closed" if closed else "already_closed"
    return RedirectResponse(f"/reports?done={done}:{month}", status_code=303)


def reports_reopen(ctx: Ctx) -> Response:
    """POST /reports/reopen: unfreeze a closed month (admins, with a reason)."""
    month = _field(ctx, "month")
    try:
        reopened = reopen(ctx.state.store, month, _field(ctx, "reason"), _who(ctx))
    except ReportError as exc:
        return reports_page(ctx, exc.korean, 400)
    done = "reopened" if reopened else "not_closed"
    return RedirectResponse(f"/reports?done={done}:{month}", status_code=303)
