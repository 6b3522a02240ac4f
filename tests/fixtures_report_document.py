"""A fixed month for the PDF/HTML document tests, built without a database: report rows
made here, their figures tallied by the real `Tally`, plus the figures the report may
carry beyond it (`by_officer`, `response_times`, `topic_samples`).

November 2026 (Asia/Seoul), figures taken 2026-12-01 10:00 KST: 603 resident comments
on two Facebook accounts, X and the blog; 549 of them overdue (so the printed list ends
with "외 449건"), some with emoji, `$math$`, a very long line and a rare symbol.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.data import ReportData
from aggregator.reports.figures import Headline, Tally
from aggregator.reports.rows import ReportRow

KST = ZoneInfo("Asia/Seoul")
MONTH = "2026-11"
AS_OF = datetime(2026, 12, 1, 10, 0, tzinfo=KST).astimezone(UTC)
EMOJI_TEXT = "놀이터 그네가 고장났어요 😀👍🏻 빨리 고쳐 주세요 ❤️ 𓀀 $x^2$"
LONG_TEXT = "주차장 " + "불법주차차량때문에통행이어렵습니다" * 12
ACCOUNTS = {
    "fb-page": "한빛구청 페이스북",
    "fb-youth": "한빛구청 청년 페이스북",
    "x-main": "한빛구청 X",
    "naver-blog": "한빛구청 공식 블로그",
}
PLATFORM_OF = {"fb-page": "facebook", "fb-youth": "facebook", "x-main": "twitter",
               "naver-blog": "blog"}  # fmt: skip
EXTRA_FIGURES: dict[str, Any] = {
    "by_officer": [["김주무관", 31, 0, 5.25], ["이팀장", 0, 28, None]],
    "response_times": {
        "by_platform": [["facebook", 3.5, 20.25], ["twitter", None, None]],
        "by_department": [["주차관리과", 4.0, 21.0], ["청소행정과", 2.5, None]],
    },
    "topic_samples": [["주차", "○○동 주차장 앞 불법주차 때문에 불편합니다 (010-****-****)"]],
}


class ListRows:
    """Rows held in a list with given figures: a `RowStream` for tests."""

    def __init__(self, rows: list[ReportRow], figures: dict[str, Any]) -> None:
        self._rows, self._figures = rows, figures

    def __iter__(self) -> Iterator[ReportRow]:
        return iter(self._rows)

    def figures(self) -> dict[str, Any]:
        return self._figures


def _row(n: int, account: str, text: str, **extra: Any) -> ReportRow:
    created = datetime(2026, 11, 2, 9, 0, tzinfo=KST).astimezone(UTC) + timedelta(hours=n)
    values: dict[str, Any] = {
        "id": 1000 + n, "platform": PLATFORM_OF[account], "account": account,
        "post": "11월 구정 소식", "post_url": "", "thread": "", "text": text,
        "author": f"주민{n}", "author_key": f"facebook:u{n}", "created_at": created,
        "status": "신규", "department": "주차관리과" if n % 2 else "", "handler": "",
        "priority": "", "deadline": created + timedelta(days=3), "first_reply_at": None,
        "final_answer_at": None, "first_reply_hours": None, "final_answer_hours": None,
        "deadline_met": False, "overdue": True,
    }  # fmt: skip
    values.update(extra)
    return ReportRow(**values)


def november_rows() -> list[ReportRow]:
    """603 rows: 549 overdue, 54 answered in time (3 of them notable)."""
    accounts = list(ACCOUNTS)
    rows = []
    for n in range(603):
        account = accounts[n % len(accounts)]
        text = {0: EMOJI_TEXT, 1: LONG_TEXT}.get(n, f"{n}번째 민원: 주차 문제와 쓰레기 수거 문의")
        if n >= 549:
            answered = rows_answered(n)
            rows.append(_row(n, account, text, **answered))
        else:
            rows.append(_row(n, account, text))
    return rows


def rows_answered(n: int) -> dict[str, Any]:
    """An answered, in-time row's fields (every 20th is high priority)."""
    created = datetime(2026, 11, 2, 9, 0, tzinfo=KST).astimezone(UTC) + timedelta(hours=n)
    return {
        "status": "최종 답변", "first_reply_at": created + timedelta(hours=2),
        "final_answer_at": created + timedelta(hours=5), "first_reply_hours": 2.0,
        "final_answer_hours": 5.0, "deadline_met": True, "overdue": False,
        "priority": "높음" if n % 20 == 0 else "",
    }  # fmt: skip


def previous_headline(comments: int) -> dict[str, Any]:
    """Last month's headline: empty, or `comments` comments half of them answered."""
    headline = Headline()
    for n in range(comments):
        row = _row(n, "fb-page", "지난달", **(rows_answered(n) if n % 2 else {}))
        headline.add(row)
    return headline.figures()


def november(
    previous: int = 0, extra: bool = True, closed: bool = False, pseudonymized: bool = False
) -> ReportData:
    """The month as report data; `previous` comments last month; `extra` figures."""
    rows = november_rows()
    tally = Tally(MONTH, "Asia/Seoul")
    for row in rows:
        tally.add(row, "주차 쓰레기 놀이터")
    figures = tally.figures(previous_headline(previous))
    if extra:
        figures.update(EXTRA_FIGURES)
    else:  # a snapshot frozen before these figures existed
        for key in EXTRA_FIGURES:
            figures.pop(key, None)
    closed_at = datetime(2026, 12, 2, 9, 30, tzinfo=KST).astimezone(UTC) if closed else None
    return ReportData(
        month=MONTH, timezone="Asia/Seoul", as_of=AS_OF, rows=ListRows(rows, figures),
        closed_at=closed_at, closed_by="comm1" if closed else None, pseudonymized=pseudonymized,
    )  # fmt: skip
