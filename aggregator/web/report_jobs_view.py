"""The user's report requests as the 월간 보고서 page shows them (and its JSON, which the
page polls): Korean status, progress, and when the file goes away."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.jobs import recent_jobs
from aggregator.store import Store
from aggregator.store.reports_repo import DONE, EXPIRED, FAILED, QUEUED, RUNNING
from aggregator.timeutil import korean_month
from aggregator.web.labels import korean_datetime

STATUS_LABELS = {
    QUEUED: "대기",
    RUNNING: "작성 중",
    DONE: "완료",
    FAILED: "실패",
    EXPIRED: "보관 기간 지남",
}
SHOWN = 10
"""Requests listed on the page, newest first."""


def job_views(store: Store, staff: str, timezone: str) -> list[dict[str, Any]]:
    """The latest requests of `staff`, each as a dict of display strings (JSON-ready)."""
    zone = ZoneInfo(timezone)
    return [_view(job, zone) for job in recent_jobs(store, staff, SHOWN)]


def _view(job: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    status = job["status"]
    return {
        "id": int(job["id"]),
        "month": korean_month(job["month"]),
        "format": job["format"].upper(),
        "names": "가명" if job["pseudonymized"] else "실명",
        "label": STATUS_LABELS.get(status, status),
        "active": status in (QUEUED, RUNNING),
        "done": status == DONE,
        "percent": _percent(job),
        "progress": _progress(job),
        "error": job["error"] or "",
        "requested": _when(job["requested_at"], zone),
        "expires": _when(job["expires_at"], zone) if status == DONE else "",
    }


def _percent(job: dict[str, Any]) -> int:
    if job["status"] in (DONE, EXPIRED):
        return 100
    total = job["rows_total"]
    if job["status"] != RUNNING or not total:
        return 0
    return min(99, int(job["rows_done"]) * 100 // int(total))


def _progress(job: dict[str, Any]) -> str:
    status, done, total = job["status"], job["rows_done"], job["rows_total"]
    if status == QUEUED:
        return "차례를 기다리는 중"
    if status == RUNNING and total is None:
        return "준비 중"
    if status == RUNNING and done >= total:
        return f"{total:,}건 읽음 · 파일 만드는 중"
    if status == RUNNING:
        return f"{done:,} / {total:,}건 읽음"
    if status in (DONE, EXPIRED) and total is not None:
        return f"{total:,}건"
    return ""


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return korean_datetime(value.astimezone(zone), with_year=False) if value else ""
