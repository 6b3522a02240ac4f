"""The comment list's columns, shared by the XLSX and CSV writers (Korean headers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aggregator.reports.rows import ReportRow

Kind = Literal["text", "datetime", "number", "due_date"]
"""`due_date`: an exclusive deadline instant shown as the last day it allows (`due_date`)."""


@dataclass(frozen=True)
class Column:
    """One column: its header, what kind of cell, its width and how to read a row."""

    header: str
    kind: Kind
    width: float
    get: Callable[[ReportRow], Any]


def met_label(value: bool | None) -> str:
    """준수 / 미준수 / (empty while pending or set aside)."""
    return "" if value is None else ("준수" if value else "미준수")


COMMENT_COLUMNS: tuple[Column, ...] = (
    Column("번호", "number", 8, lambda r: r.id),
    Column("플랫폼", "text", 10, lambda r: r.platform),
    Column("계정", "text", 14, lambda r: r.account),
    Column("게시물", "text", 28, lambda r: r.post),
    Column("스레드(상위 댓글)", "text", 16, lambda r: r.thread),
    Column("내용", "text", 60, lambda r: r.text),
    Column("작성자", "text", 16, lambda r: r.author),
    Column("작성 시각", "datetime", 17, lambda r: r.created_at),
    Column("상태", "text", 11, lambda r: r.status),
    Column("담당부서", "text", 14, lambda r: r.department),
    Column("담당자", "text", 10, lambda r: r.handler),
    Column("처리기한", "due_date", 11, lambda r: r.deadline),
    Column("첫 답변 시각", "datetime", 17, lambda r: r.first_reply_at),
    Column("최종 답변 시각", "datetime", 17, lambda r: r.final_answer_at),
    Column("첫 답변(업무시간)", "number", 12, lambda r: r.first_reply_hours),
    Column("최종 답변(업무시간)", "number", 12, lambda r: r.final_answer_hours),
    Column("기한 준수", "text", 10, lambda r: met_label(r.deadline_met)),
    Column("1차 답변", "text", 40, lambda r: r.first_answer_text),
    Column("1차 답변 게시 시각", "datetime", 17, lambda r: r.first_answer_posted_at),
    Column("최종 답변", "text", 40, lambda r: r.final_answer_text),
    Column("최종 답변 게시 시각", "datetime", 17, lambda r: r.final_answer_posted_at),
)
"""첫 답변 시각 is the first reply of any kind (the district's own reply on the platform
included), the one the deadline is measured by; the last four columns are the inbox's
answers as the resident saw them."""


def local(moment: datetime, timezone: str) -> datetime:
    """An aware instant as naive office-local time (what a spreadsheet date holds)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


@lru_cache(maxsize=4096)  # a month's 100,000 rows share a few dozen deadlines
def due_date(deadline: datetime, timezone: str) -> date:
    """The office-local day a deadline is due: the last business day it allows.

    A computed deadline is the first instant after that day (00:00 of the next day),
    an explicit one may be any time of the day itself; either way the answer is due
    on the day of the instant just before it."""
    return local(deadline - timedelta(microseconds=1), timezone).date()
