"""The access log (접속기록) page for admins: filters, readable Korean rows, CSV export.

The export is a download of personal data like any other: it needs a reason, and the
export itself is written to the log (with the filters and the row count). The file is
UTF-8 with a BOM (Korean Excel reads it as UTF-8) and every text cell is neutralised
against formulas, as in the report CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import ImmutableMultiDict
from starlette.responses import Response

from aggregator import text_input
from aggregator.reports.cells import neutralise
from aggregator.store.staff_repo import FAILED_ACTIONS, LogFilter
from aggregator.web import history_text, labels
from aggregator.web.core import Ctx
from aggregator.web.views_inbox import _day

ACCESS_PAGE = 100
EXPORT_CHUNK = 5000
MAX_EXPORT = 200_000
MAX_REASON = 300
LOG_FILTERS = ("staff", "action", "target", "subject", "from", "to", "failed")
CSV_HEADER = ("번호", "시각", "직원", "권한", "접속지", "작업", "작업 코드", "대상", "정보주체",
              "내용")  # fmt: skip


def log_filter(params: Mapping[str, str], zone: str) -> LogFilter:
    """The filter from query parameters (or the export form's hidden fields)."""
    before = params.get("before", "")

    def text(key: str) -> str | None:
        return text_input.clean(params.get(key, ""), 200) or None

    return LogFilter(
        staff=text("staff"),
        action=text("action"),
        target=labels.target_code(text("target") or "") or None,
        subject=text("subject"),
        date_from=_day(params.get("from"), zone),
        date_to=_day(params.get("to"), zone, 1),
        before_id=int(before) if before.isdigit() else None,
        failed_only=params.get("failed") == "1",
    )


def _filters(params: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k in LOG_FILTERS if (v := params.get(k, ""))}


def access_log(ctx: Ctx, error: str | None = None, status: int = 200) -> Response:
    """GET /admin/access-log: records newest first, filtered (admins only)."""
    params = _params(ctx)
    rows = ctx.state.store.staff.access_log(
        log_filter(params, ctx.state.settings.timezone), ACCESS_PAGE
    )
    filters = _filters(params)
    if error is None:
        ctx.log("view_access_log", target="access_log", detail=filters or None)
    return ctx.render(
        "access_log.html",
        rows=rows,
        filters=filters,
        more=len(rows) == ACCESS_PAGE,
        actions=sorted(labels.ACTIONS.items(), key=lambda item: item[1]),
        failed_actions=FAILED_ACTIONS,
        error=error,
        status_code=status,
    )


def _params(ctx: Ctx) -> dict[str, str]:
    """The filters asked for: the query string, or the export form's fields on POST."""
    source: ImmutableMultiDict[str, Any] = (
        ctx.request.query_params if ctx.request.method == "GET" else ctx.form
    )
    return {k: v for k, v in source.items() if isinstance(v, str)}


def access_log_export(ctx: Ctx) -> Response:
    """POST /admin/access-log/export: the filtered records as CSV, with a reason (logged)."""
    params = _params(ctx)
    reason = text_input.normalise(params.get("reason", ""), multiline=False)
    problem = text_input.check(reason, MAX_REASON)
    if not reason or problem is not None:
        message = f"사유: {problem.korean}" if problem else "내보내기 사유를 적어 주세요"
        return access_log(ctx, message, 400)
    store = ctx.state.store
    f = log_filter(params, ctx.state.settings.timezone)
    total = store.staff.count_access_log(f)
    if total > MAX_EXPORT:
        message = (
            f"조건에 맞는 기록이 {total:,}건으로 {MAX_EXPORT:,}건을 넘습니다: 기간을 좁혀 주세요"
        )
        return access_log(ctx, message, 400)
    body = access_log_csv(_all_rows(ctx, f), ctx.state.settings.timezone)
    filters = _filters(params)
    ctx.log("access_log_export", target="access_log", detail={"reason": reason, "rows": total,
            **filters})  # fmt: skip
    stamp = ctx.state.now().astimezone(ZoneInfo(ctx.state.settings.timezone))
    name = f"access-log-{stamp:%Y%m%d-%H%M}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


def _all_rows(ctx: Ctx, f: LogFilter) -> Iterable[dict[str, Any]]:
    """Every matching record, newest first, read in chunks."""
    before = f.before_id
    while True:
        page = ctx.state.store.staff.access_log(replace(f, before_id=before), EXPORT_CHUNK)
        yield from page
        if len(page) < EXPORT_CHUNK:
            return
        before = page[-1]["id"]


def access_log_csv(rows: Iterable[Mapping[str, Any]], timezone: str) -> bytes:
    """The records as CSV: UTF-8 with BOM, CRLF, Korean labels, formula-safe text."""
    zone = ZoneInfo(timezone)
    target = io.BytesIO()
    buffer = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for row in rows:
        cells = (
            labels.actor_label(row["staff"]),
            labels.role_label(row["role"]),
            row["client_ip"] or "",
            labels.action_label(row["action"]),
            row["action"],
            labels.target_label(row["target"]),
            row["subject"] or "",
            history_text.detail_text(row["detail"], timezone),
        )
        at = row["at"].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([row["id"], at, *(neutralise(str(cell)) for cell in cells)])
    buffer.flush()
    buffer.detach()
    return target.getvalue()
