"""The summary table every format shows: this month, last month and the change.

Last month's column and the change are shown only when last month has data: a month
without comments is no baseline ("지난달 0 / 증감 603" says nothing), so both are None
(shown as "-") and the documents say 지난달 자료 없음.
"""

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
UNITS = {
    "comments": "건",
    "answered": "건",
    "two_way_rate": "%",
    "median_first_reply_hours": "시간",
    "median_final_answer_hours": "시간",
    "compliance_rate": "%",
    "overdue": "건",
}
NO_PREVIOUS = "지난달 자료 없음"


def has_previous(data: ReportData) -> bool:
    """Whether last month has comments to compare with."""
    return bool(data.figures["previous"].get("comments"))


def summary_lines(data: ReportData) -> list[list[Any]]:
    """[label, this month, last month, change] per headline figure (last month and the
    change None when last month has no data)."""
    f = data.figures
    compare = has_previous(data)
    return [
        [
            label,
            f["headline"][key],
            f["previous"][key] if compare else None,
            f["change"][key] if compare else None,
        ]
        for key, label in HEADLINES
    ]


def unit_of(key: str) -> str:
    """The unit a headline figure is shown in: 건, % or 시간."""
    return UNITS[key]


def amount(value: float | int | None, unit: str) -> str:
    """A figure with its unit: `1,234건`, `87.5%` (from a 0–1 rate), `12.3시간`; `-` for
    None."""
    if value is None:
        return "-"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "시간":
        return f"{value:,.1f}시간"
    return f"{value:,}{unit}"


def difference(value: float | int | None, unit: str) -> str:
    """A change with its sign and unit: `+12건`, `-3.2%p` (percentage points), `+1.5시간`."""
    if value is None:
        return "-"
    if unit == "%":
        points = round(value * 100, 1)
        return f"{points:+.1f}%p" if points else "0.0%p"
    if unit == "시간":
        return f"{value:+,.1f}시간" if round(value, 1) else "0.0시간"
    return f"{value:+,}{unit}" if value else f"0{unit}"


def summary_cells(data: ReportData) -> list[list[str]]:
    """The summary table as the documents print it: 구분, 이번 달, 지난달, 증감 with units."""
    lines = summary_lines(data)
    return [
        [label, amount(now, unit_of(key)), amount(before, unit_of(key)),
         difference(delta, unit_of(key))]
        for (key, _), (label, now, before, delta) in zip(HEADLINES, lines, strict=True)
    ]  # fmt: skip


def status_line(data: ReportData) -> str:
    """Whether the month is closed, and when the figures were taken (office time)."""
    from aggregator.reports.columns import local

    taken = local(data.as_of, data.timezone).strftime("%Y-%m-%d %H:%M")
    closed = "마감됨" if data.closed_at else "마감 전(수치가 바뀔 수 있음)"
    privacy = "작성자 가명처리" if data.pseudonymized else "작성자 실명(가명처리 안 함)"
    return f"{closed} · 기준 시각 {taken} · {privacy}"
