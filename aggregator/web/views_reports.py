"""The 월간 보고서 page: ask for a month's report (with a reason, logged; the file is
made in the background and listed with its progress), fetch it when done, close and
reopen months. Viewers have no exports; reopening and real names are for admins."""

from __future__ import annotations

from typing import Any

from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from aggregator.reports import jobs
from aggregator.reports.data import ReportError
from aggregator.reports.service import FORMATS, Requester, close, previous_month, reopen
from aggregator.timeutil import MONTH, korean_month, month_of
from aggregator.web.core import Ctx
from aggregator.web.errors import error_page
from aggregator.web.report_jobs_view import job_views


def _who(ctx: Ctx) -> Requester:
    return Requester(ctx.user.name, ctx.user.role, ctx.ip, channel="web")


def reports_page(ctx: Ctx, error: str | None = None, status: int = 200) -> Response:
    """GET /reports: the download form, the user's report requests and the closed months.

    After an error the forms keep what was typed (month, format, reason, real names)."""
    this_month = month_of(ctx.state.now(), ctx.state.settings.timezone)
    ctx.log("view_reports", target="reports")
    typed = error is not None
    views = job_views(ctx.state.store, ctx.user.name, ctx.state.settings.timezone)
    return ctx.render(
        "reports.html",
        formats=FORMATS,
        default_month=previous_month(this_month),
        closed=ctx.state.store.reports.closed_months(),
        error=error,
        form=_typed_form(ctx, previous_month(this_month)) if typed else None,
        jobs=views,
        active=any(view["active"] for view in views),
        keep_hours=ctx.state.settings.reports.keep_hours,
        key_missing=ctx.state.settings.reports.pseudonym_key is None,
        done=done_message(ctx.request.query_params.get("done", "")),
        status_code=status,
    )


def _typed_form(ctx: Ctx, default_month: str) -> dict[str, Any]:
    """What the user typed into the form that failed (the other forms keep the default)."""
    path = ctx.request.url.path
    return {
        "download": path == "/reports/download",
        "close": path == "/reports/close",
        "month": _field(ctx, "month")[:20] or default_month,
        "format": _field(ctx, "format"),
        "reason": _field(ctx, "reason")[:300],
        "identified": _field(ctx, "identified") == "1",
    }


READY = "다 되면 아래 목록에 내려받기 링크가 나타납니다"
DONE_MESSAGES = {
    "closed": "{month} 보고서를 마감했습니다",
    "already_closed": "{month} 보고서는 이미 마감되어 있습니다",
    "reopened": "{month} 보고서를 다시 열었습니다",
    "not_closed": "{month} 보고서는 마감되어 있지 않습니다",
    "queued": "{month} 보고서를 만들기 시작했습니다. " + READY,
    "joined": "{month} 같은 보고서를 이미 만들고 있어 그 작업에 함께 올렸습니다. " + READY,
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
    """POST /reports/download: queue the file (pseudonymised unless an admin asked
    otherwise), or join the same one being made; the request is logged at once."""
    month = _field(ctx, "month")
    try:
        ticket = jobs.request_report(
            ctx.state.store,
            ctx.state.settings,
            month,
            _field(ctx, "format"),
            _field(ctx, "reason"),
            _who(ctx),
            pseudonymize=_field(ctx, "identified") != "1",
        )
    except ReportError as exc:
        return reports_page(ctx, exc.korean, 400)
    if ctx.state.report_worker is not None:
        ctx.state.report_worker.wake()
    done = "joined" if ticket.joined else "queued"
    return RedirectResponse(f"/reports?done={done}:{month}#job-{ticket.job_id}", status_code=303)


def report_jobs(ctx: Ctx) -> Response:
    """GET /reports/jobs: the user's report requests as JSON (the page polls it)."""
    views = job_views(ctx.state.store, ctx.user.name, ctx.state.settings.timezone)
    body = {"active": any(view["active"] for view in views), "jobs": views}
    return JSONResponse(body)


def report_file(ctx: Ctx) -> Response:
    """GET /reports/file?job=N: a finished report file, for who asked for it (or an
    admin); logged. Without a job number, back to the page."""
    raw = ctx.request.query_params.get("job", "")
    if not raw:
        return RedirectResponse("/reports", status_code=303)
    if not raw.isdigit() or len(raw) > 12:
        return ctx.not_found("요청하신 보고서 파일이 없습니다")
    try:
        ready = jobs.fetch(ctx.state.store, ctx.state.settings, int(raw), _who(ctx))
    except jobs.JobUnavailable as exc:
        if exc.status == 404:
            return ctx.not_found(exc.korean)
        return error_page(ctx.state.templates, exc.status, exc.korean, user=ctx.user, csrf=ctx.csrf)
    return FileResponse(ready.path, media_type=ready.media_type, filename=ready.name)


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
