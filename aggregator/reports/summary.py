"""The summary table every format shows: this month, last month and the change."""

from __future__ import annotations

from typing import Any

from aggregator.reports.data import ReportData

HEADLINES = (
    ("comments", "주민 댓글 수"),
    ("answered", "답변한 댓글"),
    ("two_way_rate", "쌍방향 소통률(답변 비율)"),
    ("median_first_reply_hours", "첫 답변까지 중앙값(업무시간)"),
    ("median_final_answer_hours", "최종 답변까지 중앙값(업무시간)"),
    ("compliance_rate", "처리기한 준수율"),
    ("overdue", "미처리 기한경과"),
)


def summary_lines(data: ReportData) -> list[list[Any]]:
    """[label, this month, last month, change] per headline figure."""
    f = data.figures
    return [
        [label, f["headline"][key], f["previous"][key], f["change"][key]]
        for key, label in HEADLINES
    ]


def show(value: Any, key_or_label: str = "") -> str:
    """A figure as text: rates as percentages, hours with one decimal, None as -."""
    if value is None:
        return "-"
    if "율" in key_or_label and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def status_line(data: ReportData) -> str:
    """Whether the month is closed, and when the figures were taken (office time)."""
    from aggregator.reports.columns import local

    taken = local(data.as_of, data.timezone).strftime("%Y-%m-%d %H:%M")
    closed = "마감됨" if data.closed_at else "마감 전(수치가 바뀔 수 있음)"
    privacy = "작성자 가명처리" if data.pseudonymized else "작성자 실명(가명처리 안 함)"
    return f"{closed} · 기준 시각 {taken} · {privacy}"
