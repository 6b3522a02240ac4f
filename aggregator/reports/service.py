"""Monthly reports end to end: figures from the store (or a closed month's snapshot),
pseudonymisation, rendering, and the access-log record of every download, close and
reopen. The CLI and the web UI both call these functions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from aggregator import text_input
from aggregator.config import Settings
from aggregator.reports.csvfile import write_csv
from aggregator.reports.data import CountedRows, LiveRows, ReportData, ReportError
from aggregator.reports.figures import Headline, Tally
from aggregator.reports.progress import Meter, Progress
from aggregator.reports.pseudonyms import Pseudonymizer, pseudonymizer
from aggregator.reports.rows import ReportRow, to_report_row
from aggregator.reports.topic_index import update_in_child, update_topics
from aggregator.reports.topics import NounExtractor
from aggregator.store import Store
from aggregator.store.staff_repo import AccessEntry
from aggregator.timeutil import korean_month, month_bounds
from aggregator.workflow import Role

log = logging.getLogger(__name__)
FORMATS = ("xlsx", "csv", "html", "pdf")
MAX_REASON = 300
MISSING_KEY_KOREAN = (
    "가명처리 키가 설정되지 않았습니다: 시스템 관리자가 서버에서 `aggregator report init-key`를 "
    "한 번 실행하고 안내대로 설정하세요"
)
MISSING_KEY = (
    f"{MISSING_KEY_KOREAN} "
    "(pseudonymised reports need reports.pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY})"
)
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Requester:
    """Who asks, from where, through which channel (cli or web)."""

    staff: str
    role: Role | None
    client_ip: str | None = None
    channel: str = "cli"

    def entry(self, action: str, month: str, detail: Mapping[str, object]) -> AccessEntry:
        """The access-log record of one report action by this requester."""
        return AccessEntry(
            staff=self.staff,
            role=self.role.value if self.role else None,
            client_ip=self.client_ip,
            action=action,
            target=f"report:{month}",
            detail={**detail, "channel": self.channel},
        )


def check_month(month: str) -> str:
    """`month` when it is `YYYY-MM`; `ReportError` otherwise."""
    try:
        month_bounds(month, "UTC")
    except ValueError as exc:
        shown = month[:20]
        korean = f"월: {shown}{_topic(shown)} 올바른 달이 아닙니다 (예: 2026-11)"
        raise ReportError(str(exc), korean if shown else "월을 적어 주세요 (예: 2026-11)") from None
    return month


def _topic(word: str) -> str:
    """The topic particle after `word`: 은 after a final consonant, else 는 (은(는) when
    it cannot be told, as after Latin letters)."""
    last = word[-1:] or "x"
    if last.isdigit():
        return "은" if last in "013678" else "는"
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    return "은(는)"


def previous_month(month: str) -> str:
    """The `YYYY-MM` before `month`."""
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def compute_report(
    store: Store,
    settings: Settings,
    month: str,
    extractor: NounExtractor | None = None,
    isolated: bool = False,
    meter: Meter | None = None,
) -> ReportData:
    """A month's report from the live data, streamed (taken when its rows are read).

    Comments the `topics` job has not analysed yet are analysed first: in the topic
    worker process when `isolated` (the CLI and the web: the caller keeps no model),
    else here with `extractor`.
    `meter` counts the rows as they stream (progress).
    """
    tz, as_of = settings.timezone, store.clock()
    start, end = month_bounds(month, tz)
    _analyse_pending_topics(store, start, end, extractor, isolated)

    def source(tally: Tally) -> Iterator[ReportRow]:
        rows = _rows(store, settings, start, end, as_of)
        for row, nouns in meter.count(rows) if meter else rows:
            tally.add(row, nouns)
            yield row

    def finish(tally: Tally) -> dict[str, Any]:
        return tally.figures(_previous_headline(store, settings, month, as_of))

    stop = settings.reports.topic_stop_words
    rows = LiveRows(source, lambda: Tally(month, tz, stop), finish)
    return ReportData(month=month, timezone=tz, as_of=as_of, rows=rows)


def _analyse_pending_topics(
    store: Store, start: datetime, end: datetime, extractor: NounExtractor | None, isolated: bool
) -> None:
    pending = store.reports.topics_pending(start, end)
    if not pending:
        return
    log.info("analysing topics first: %d comments of the month not analysed yet", pending)
    if isolated and extractor is None:
        update_in_child(store)
    else:
        update_topics(store, extractor)


def _previous_headline(
    store: Store, settings: Settings, month: str, as_of: datetime
) -> dict[str, Any]:
    """Last month's headline: as it was closed, else tallied from the live data now."""
    before = previous_month(month)
    snapshot = store.reports.report_snapshot(before)
    if snapshot is not None:
        headline: dict[str, Any] = json.loads(snapshot["payload"])["figures"]["headline"]
        return headline
    tally = Headline()
    for row, _nouns in _rows(store, settings, *month_bounds(before, settings.timezone), as_of):
        tally.add(row)
    return tally.figures()


def _rows(
    store: Store, settings: Settings, start: datetime, end: datetime, as_of: datetime
) -> Iterator[tuple[ReportRow, str | None]]:
    """The report rows of [start, end) as of `as_of`, with each comment's stored nouns."""
    tz, days = settings.timezone, settings.review.deadline_business_days
    for raw in store.reports.report_rows(start, end):
        yield to_report_row(raw, days, tz, as_of), raw.nouns


def load_report(
    store: Store,
    settings: Settings,
    month: str,
    isolated: bool = False,
    progress: Progress | None = None,
) -> ReportData:
    """A closed month's frozen report, or the live one of an open month; `progress` is
    told the rows read of how many while they stream."""
    snapshot = store.reports.report_snapshot(check_month(month))
    meter = _meter(store, settings, month, progress)
    if snapshot is not None:

        def frozen() -> Iterator[str]:
            rows = store.reports.report_snapshot_rows(month)
            return meter.count(rows) if meter else rows

        return ReportData.from_snapshot(snapshot, frozen)
    return compute_report(store, settings, month, isolated=isolated, meter=meter)


def _meter(store: Store, settings: Settings, month: str, progress: Progress | None) -> Meter | None:
    if progress is None:
        return None
    start, end = month_bounds(month, settings.timezone)
    return Meter(progress, store.reports.report_row_total(month, start, end))


def pseudonymizer_for(settings: Settings) -> Pseudonymizer:
    """The configured pseudonym function; `ReportError` when no key is configured."""
    key = settings.reports.pseudonym_key
    if key is None:
        raise ReportError(MISSING_KEY, MISSING_KEY_KOREAN)
    try:
        return pseudonymizer(key.value)
    except ValueError as exc:
        korean = "가명처리 키가 올바르지 않습니다: 관리자에게 문의하세요"
        raise ReportError(str(exc), korean) from None


def render(data: ReportData, fmt: str, settings: Settings) -> bytes:
    """The report file's bytes in `fmt` (xlsx, csv, html or pdf)."""
    if fmt == "csv":
        return write_csv(data)
    if fmt == "xlsx":
        from aggregator.reports.xlsx import write_xlsx

        return write_xlsx(data)
    from aggregator.reports.charts import korean_font  # matplotlib: only charts need it
    from aggregator.reports.document import DocumentOptions

    font, options = korean_font(_font_path(settings)), DocumentOptions.from_settings(settings)
    if fmt == "html":
        from aggregator.reports.html import write_html

        return write_html(data, font, options)
    if fmt == "pdf":
        from aggregator.reports.pdf import write_pdf

        return write_pdf(data, font, options)
    raise ReportError(
        f"format must be one of {', '.join(FORMATS)}, not {fmt!r}",
        f"형식은 {', '.join(FORMATS).upper()} 중 하나입니다",
    )


def _font_path(settings: Settings) -> Path | None:
    path = settings.reports.font_path
    if path is None or path.is_absolute():
        return path
    return settings.base_dir / path


def checked_reason(reason: str, when_missing: str) -> str:
    """The reason for the access log, stripped; `ReportError(when_missing)` when empty,
    or naming what is wrong when too long or holding a control character."""
    reason = reason.strip()
    if not reason:
        raise ReportError(when_missing, "사유를 적어 주세요 (접속기록에 남습니다)")
    problem = text_input.check(reason, MAX_REASON)
    if problem is not None:
        raise ReportError(f"the reason {problem.english}", f"사유: {problem.korean}")
    return reason


def check_request(
    settings: Settings, month: str, fmt: str, reason: str, who: Requester, pseudonymize: bool
) -> str:
    """The reason, stripped, when a download may be made as asked.

    Raises:
        ReportError: bad format, no reason, identified export without an admin, bad
            month, or no pseudonym key.
    """
    if fmt not in FORMATS:
        choices = f"{', '.join(FORMATS).upper()} 중 하나"
        korean = f"형식: {fmt[:10]}{_topic(fmt[:10])} 쓸 수 없습니다 ({choices})"
        raise ReportError(
            f"format must be one of {', '.join(FORMATS)}, not {fmt!r}",
            korean if fmt else f"형식을 골라 주세요 ({choices})",
        )
    reason = checked_reason(reason, "a reason is required for every download (PIPA access record)")
    if not pseudonymize and who.role != Role.ADMIN:
        raise ReportError(
            "only an admin may export authors without pseudonyms",
            "실명(가명처리 안 함) 내려받기는 관리자만 할 수 있습니다",
        )
    check_month(month)
    if pseudonymize:
        pseudonymizer_for(settings)
    return reason


@dataclass(frozen=True)
class ReportFile:
    """A report file made: its bytes, name, rows and whether its month was closed."""

    body: bytes
    name: str
    rows: int
    closed: bool


def make_file(
    store: Store, settings: Settings, month: str, fmt: str, pseudonymize: bool,
    isolated: bool = False, progress: Progress | None = None,
) -> ReportFile:  # fmt: skip
    """A month's report file (nothing logged: the caller logs the download)."""
    data = load_report(store, settings, month, isolated=isolated, progress=progress)
    if pseudonymize:
        data = data.pseudonymize(pseudonymizer_for(settings))
    counted = CountedRows(data.rows)
    body = render(replace(data, rows=counted), fmt, settings)
    return ReportFile(body, file_name(month, fmt), counted.count, data.closed_at is not None)


def file_name(month: str, fmt: str) -> str:
    """The name a report file is saved under: `sns-report-2026-11.pdf`."""
    return f"sns-report-{month}.{fmt}"


def download(
    store: Store, settings: Settings, month: str, fmt: str, reason: str,
    who: Requester, pseudonymize: bool = True,
) -> tuple[bytes, str]:  # fmt: skip
    """A report file and its file name; the download is recorded in the access log.

    Raises:
        ReportError: bad month or format, no reason, identified export without an
            admin, or no pseudonym key.
    """
    reason = check_request(settings, month, fmt, reason, who, pseudonymize)
    made = make_file(store, settings, month, fmt, pseudonymize, isolated=True)
    detail = {"format": fmt, "reason": reason, "pseudonymized": pseudonymize,
              "rows": made.rows, "closed": made.closed}  # fmt: skip
    store.staff.log_access(who.entry(download_action(pseudonymize), month, detail))
    log.info("report %s.%s for %s: %d bytes", month, fmt, who.staff, len(made.body))
    return made.body, made.name


def download_action(pseudonymize: bool) -> str:
    """The access-log action of a report download."""
    return "report_download" if pseudonymize else "report_download_identified"


def close(store: Store, settings: Settings, month: str, who: Requester) -> bool:
    """Freeze a month that has ended; False when it was already closed."""
    _start, end = month_bounds(check_month(month), settings.timezone)
    if end > store.clock():
        raise ReportError(
            f"{month} has not ended yet: a month can be closed once it is over",
            f"{korean_month(month)}은 아직 끝나지 않았습니다: 달이 끝난 뒤에 마감할 수 있습니다",
        )
    data = compute_report(store, settings, month, isolated=True)

    def finish(count: int) -> tuple[str, AccessEntry]:
        return data.header(), who.entry("report_close", month, {"rows": count})

    return store.reports.close_month(month, who.staff, data.frozen_rows(), finish)


def reopen(store: Store, month: str, reason: str, who: Requester) -> bool:
    """Unfreeze a closed month (admins only, with a reason); False when it was open."""
    if who.role != Role.ADMIN:
        raise ReportError(
            "only an admin may reopen a closed month", "마감된 달은 관리자만 다시 열 수 있습니다"
        )
    reason = checked_reason(reason, "a reason is required to reopen a closed month")
    entry = who.entry("report_reopen", check_month(month), {"reason": reason})
    return store.reports.reopen_month(month, entry)
