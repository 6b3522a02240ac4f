"""The monthly report as a filed document: what the PDF and the HTML page both show.

A cover block as Korean official documents have it (office, title, 기간, 작성일, 작성
부서, an optional 결재란), then tables whose every cell carries its unit, and the lists
of overdue and notable cases. `build_document` makes it in one pass over the rows; the
writers (`pdf.py`, `html.py`) only lay it out, so both say exactly the same.

작성일 is the closing date for a closed month (so it re-renders byte-identical), else
the day the figures were taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aggregator.config import Settings
from aggregator.reports.columns import due_date, local
from aggregator.reports.data import ReportData
from aggregator.reports.figures import FORMAL_COMPLAINT, HIGH_PRIORITY, month_days
from aggregator.reports.rows import ReportRow
from aggregator.reports.summary import (
    NO_PREVIOUS,
    amount,
    has_previous,
    status_line,
    summary_cells,
)
from aggregator.timeutil import korean_month
from aggregator.web.labels import PLATFORM_LABELS

DEFAULT_OFFICE = "○○구청"
OPEN_SHEET = "미처리·기한경과"
"""The XLSX sheet holding every open or overdue comment (`aggregator.reports.xlsx`)."""
CASE_LIMIT = 100
"""At most this many cases per list; the rest are counted and pointed to the XLSX."""
CASE_TEXT_LIMIT = 200
TOPIC_LIMIT = 12
UNASSIGNED = "미배정"


@dataclass(frozen=True)
class DocumentOptions:
    """The office's own words on the cover (config `reports`) and accounts' display names."""

    office_name: str = DEFAULT_OFFICE
    department: str = ""
    approval_titles: tuple[str, ...] = ()
    account_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentOptions:
        """The options configured in `settings`."""
        reports = settings.reports
        return cls(
            office_name=reports.office_name,
            department=reports.department,
            approval_titles=tuple(reports.approval_titles),
            account_names={a.name: a.display_name or a.name for a in settings.accounts},
        )


@dataclass(frozen=True)
class Cover:
    """The cover block."""

    office: str
    title: str
    period: str
    written: str
    department: str
    approvals: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Table:
    """A titled table of text cells; `numeric` columns are right-aligned."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()
    note: str = ""
    wide: int | None = None
    """The column that takes the page's remaining width (a comment's text), if any."""


@dataclass(frozen=True)
class Document:
    """Everything the PDF and HTML documents show, as text."""

    cover: Cover
    summary: Table
    tables: list[Table]
    cases: list[Table]


def dotted(day: Any) -> str:
    """A date as Korean official documents write it: `2026. 11. 1.`"""
    return f"{day.year}. {day.month}. {day.day}."


def platform_label(platform: str) -> str:
    """The platform as the UI names it (블로그 · 페이스북 · X · 핀터레스트)."""
    return PLATFORM_LABELS.get(platform, platform)


def cover(data: ReportData, options: DocumentOptions) -> Cover:
    """The cover block of `data`'s month."""
    days = month_days(data.month, data.timezone)
    written: datetime = data.closed_at or data.as_of
    return Cover(
        office=options.office_name,
        title=f"{korean_month(data.month)} SNS 소통 현황 보고",
        period=f"{dotted(days[0])} ~ {dotted(days[-1])}",
        written=dotted(local(written, data.timezone)),
        department=options.department,
        approvals=options.approval_titles,
        status=status_line(data),
    )


def summary_table(data: ReportData) -> Table:
    """구분 / 이번 달 / 지난달 / 증감, with units."""
    note = (
        ""
        if has_previous(data)
        else f"※ {NO_PREVIOUS}: 지난달 댓글이 없어 증감을 표시하지 않습니다."
    )
    return Table(
        "요약", ["구분", "이번 달", "지난달", "증감"], summary_cells(data), (1, 2, 3), note
    )


def _count(value: Any) -> str:
    return amount(value, "건")


def _hours(value: Any) -> str:
    return amount(value, "시간")


def platform_table(data: ReportData, accounts: dict[str, list[str]]) -> Table:
    """Per platform (Korean names) with the accounts seen, comments and answers."""
    rows = []
    for platform, comments, answered in data.figures["by_platform"]:
        names = ", ".join(accounts.get(platform, [])) or "-"
        rows.append([platform_label(platform), names, _count(comments), _count(answered)])
    return Table("플랫폼별", ["플랫폼", "계정", "주민 댓글", "답변"], rows, (2, 3))


def department_table(data: ReportData) -> Table:
    """Per department: comments, answers and the deadline outcomes."""
    rows = [[line[0], *(_count(n) for n in line[1:])] for line in data.figures["by_department"]]
    headers = ["부서", "주민 댓글", "답변", "기한 준수", "기한 초과", "진행 중", "미처리 기한경과"]
    return Table("부서별 처리 현황", headers, rows, (1, 2, 3, 4, 5, 6))


def response_tables(data: ReportData) -> list[Table]:
    """Median first-reply and final-answer times by platform and by department, when
    the figures have them."""
    times = data.figures.get("response_times")
    if not times:
        return []
    headers = ["구분", "첫 답변 중앙값", "최종 답변 중앙값"]
    note = "업무시간(평일 09:00~18:00, 공휴일 제외) 기준"
    by_platform = [[platform_label(p), _hours(a), _hours(b)] for p, a, b in times["by_platform"]]
    by_department = [[d, _hours(a), _hours(b)] for d, a, b in times["by_department"]]
    return [
        Table("처리 시간: 플랫폼별", ["플랫폼", *headers[1:]], by_platform, (1, 2), note),
        Table("처리 시간: 부서별", ["부서", *headers[1:]], by_department, (1, 2), note),
    ]


def officer_table(data: ReportData) -> list[Table]:
    """Answers per officer (internal version only: never in a pseudonymised report)."""
    officers = data.figures.get("by_officer")
    if not officers or data.pseudonymized:
        return []
    rows = [[name, _count(w), _count(a), _hours(h)] for name, w, a, h in officers]
    headers = ["담당자", "작성한 답변", "승인한 답변", "첫 답변 중앙값(업무시간)"]
    return [Table("담당자별 답변 (내부용)", headers, rows, (1, 2, 3))]


def topic_table(data: ReportData) -> Table:
    """The top topics with how often they came up and, when known, a masked sample."""
    samples = dict(data.figures.get("topic_samples") or [])
    rows = [
        [word, _count(count), samples.get(word, "")]
        for word, count in data.figures["topics"][:TOPIC_LIMIT]
    ]
    if samples:
        return Table("주요 주제어", ["주제어", "언급", "예시 댓글(개인정보 가림)"], rows, (1,))
    return Table("주요 주제어", ["주제어", "언급"], [r[:2] for r in rows], (1,))


CASE_HEADERS = ["번호", "작성 일시", "플랫폼·계정", "상태", "담당부서", "처리기한", "내용"]


def case_table(
    title: str,
    ids: list[int],
    rows: dict[int, ReportRow],
    data: ReportData,
    accounts: dict[str, str],
) -> Table:
    """Cases by id, up to `CASE_LIMIT`; a note counts the rest and points to the XLSX."""
    lines = []
    for row_id in ids[:CASE_LIMIT]:
        row = rows.get(row_id)
        if row is not None:
            lines.append(case_cells(row, data.timezone, accounts))
    rest = len(ids) - len(lines)
    note = f"외 {rest:,}건 — 전체 목록은 XLSX의 '{OPEN_SHEET}' 시트" if rest > 0 else ""
    if not ids:
        note = "해당 없음"
    return Table(title, CASE_HEADERS, lines, (0,), note, wide=len(CASE_HEADERS) - 1)


def case_cells(row: ReportRow, timezone: str, accounts: dict[str, str]) -> list[str]:
    """One case as table cells: 처리기한 is the due day (`2026-11-09`), as in the XLSX and
    CSV; the text shortened to `CASE_TEXT_LIMIT` characters."""
    text = " ".join(row.text.split())
    if len(text) > CASE_TEXT_LIMIT:
        text = text[: CASE_TEXT_LIMIT - 1] + "…"
    account = accounts.get(row.account, row.account)
    return [
        str(row.id),
        local(row.created_at, timezone).strftime("%m-%d %H:%M"),
        f"{platform_label(row.platform)} · {account}",
        row.status,
        row.department or UNASSIGNED,
        due_date(row.deadline, timezone).isoformat(),
        text,
    ]


@dataclass
class _Pass:
    """What one pass over the rows collects: accounts per platform and the case rows."""

    accounts: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[int, ReportRow] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, row: ReportRow, name: str) -> None:
        """Note the row's account, and keep it when it may be one of the listed cases
        (the first `CASE_LIMIT` overdue and notable rows, as the figures list them)."""
        listed = self.accounts.setdefault(row.platform, [])
        if name not in listed:
            listed.append(name)
        notable = row.priority == HIGH_PRIORITY or row.status == FORMAL_COMPLAINT
        for index, flag in enumerate((row.overdue, notable)):
            if flag and self.counts[index] < CASE_LIMIT:
                self.counts[index] += 1
                self.rows[row.id] = row


def _collect(data: ReportData, options: DocumentOptions) -> _Pass:
    """One pass over the rows: the accounts seen per platform, and the rows of the
    listed cases (a second pass only for a listed case the first did not keep)."""
    seen = _Pass()
    names = options.account_names
    for row in data.rows:
        seen.add(row, names.get(row.account, row.account))
    missing = [i for i in _wanted(data) if i not in seen.rows]
    if missing:
        seen.rows.update(data.rows_by_id(missing))
    for listed in seen.accounts.values():
        listed.sort()
    return seen


def _wanted(data: ReportData) -> list[int]:
    f = data.figures
    return list(f["overdue"][:CASE_LIMIT]) + list(f["notable"][:CASE_LIMIT])


def build_document(data: ReportData, options: DocumentOptions | None = None) -> Document:
    """The document of `data` (one pass over its rows, two for some open months)."""
    options = options or DocumentOptions()
    seen = _collect(data, options)
    f = data.figures
    tables = [
        platform_table(data, seen.accounts),
        department_table(data),
        *response_tables(data),
        *officer_table(data),
        topic_table(data),
    ]
    names = options.account_names
    cases = [
        case_table("기한경과 미처리", f["overdue"], seen.rows, data, names),
        case_table("주요 사례 (우선순위 높음·정식민원 전환)", f["notable"], seen.rows, data, names),
    ]
    numbered = _numbered([summary_table(data), *tables, *cases])
    count = 1 + len(tables)
    return Document(cover(data, options), numbered[0], numbered[1:count], numbered[count:])


def _numbered(tables: Iterable[Table]) -> list[Table]:
    return [replace(t, title=f"{n}. {t.title}") for n, t in enumerate(tables, start=1)]
