"""Comments entered by hand: one from the command line, or many from a CSV file.

CSV: a header row with `platform,post,author,text,created_at` (any order; optional
`author_handle`), UTF-8 (with or without BOM, as Excel's "CSV UTF-8") or CP949 (Korean
Excel's plain "CSV"). `post` is the post's URL or its external id; `created_at` is
`2026-11-20 14:30`, `2026-11-20T14:30:00+09:00` or similar (no time zone: the
office's). Every row is checked before anything is stored; one bad row rejects the
file with a message per bad row, so nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aggregator.store.checks import ManualComment

REQUIRED = ("platform", "post", "author", "text", "created_at")
OPTIONAL = ("author_handle",)
MAX_TEXT = 8000
MAX_ROWS = 50_000
PLATFORMS = ("blog", "facebook", "twitter", "pinterest")
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M")

PostFinder = Callable[[str, str], int | None]
"""(reference, platform) -> post id, or None when no stored post matches."""


class ManualInputError(Exception):
    """The input is unusable; `problems` has one line per bad field or row."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def parse_time(value: str, timezone: str, now: datetime) -> datetime:
    """A comment time from text; naive times are in `timezone`; never in the future."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _strptime_any(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    if moment > now:
        raise ValueError(f"{text!r} is in the future")
    return moment


def _strptime_any(text: str) -> datetime:
    for pattern in FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date and time (use e.g. 2026-11-20 14:30)")


def one_comment(
    values: Mapping[str, str | None], find_post: PostFinder, timezone: str, now: datetime
) -> ManualComment:
    """Validate one comment's fields (as from the CLI or a web form)."""
    problems: list[str] = []
    comment = _row(values, find_post, timezone, now, problems, where="")
    if comment is None:
        raise ManualInputError(problems)
    return comment


def read_csv(
    data: bytes, find_post: PostFinder, timezone: str, now: datetime
) -> list[ManualComment]:
    """Every comment of a CSV file, or `ManualInputError` listing every bad row."""
    reader = csv.DictReader(io.StringIO(_decode(data)))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise ManualInputError(_header_problems(missing, unknown))
    reader.fieldnames = header
    problems: list[str] = []
    comments = [
        comment
        for line, row in _rows(reader)
        if (comment := _row(row, find_post, timezone, now, problems, where=f"line {line}: "))
    ]
    if problems:
        raise ManualInputError(problems)
    if not comments:
        raise ManualInputError(["the file has a header but no comments"])
    return comments


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ManualInputError(["the file is neither UTF-8 nor CP949 (EUC-KR) text"])


def _header_problems(missing: list[str], unknown: list[str]) -> list[str]:
    problems = []
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"line 1: unknown column(s): {', '.join(unknown)}")
    problems.append(f"line 1: the header must name {', '.join(REQUIRED)} (optional: author_handle)")
    return problems


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    for count, row in enumerate(reader, start=1):
        if count > MAX_ROWS:
            raise ManualInputError([f"more than {MAX_ROWS} rows: split the file"])
        if None in row:
            raise ManualInputError([f"line {reader.line_num}: more fields than columns"])
        if any((value or "").strip() for value in row.values()):
            yield reader.line_num, row


def _row(
    values: Mapping[str, str | None],
    find_post: PostFinder,
    timezone: str,
    now: datetime,
    problems: list[str],
    where: str,
) -> ManualComment | None:
    before = len(problems)
    field = {name: (values.get(name) or "").strip() for name in REQUIRED + OPTIONAL}
    for name in REQUIRED:
        if not field[name]:
            problems.append(f"{where}column '{name}' is empty")
    if field["platform"] and field["platform"] not in PLATFORMS:
        known = ", ".join(PLATFORMS)
        problems.append(f"{where}platform {field['platform']!r} is not one of {known}")
    if len(field["text"]) > MAX_TEXT:
        problems.append(f"{where}text is longer than {MAX_TEXT} characters")
    created = _time_or_problem(field["created_at"], timezone, now, problems, where)
    post_id = None
    if field["post"] and field["platform"] in PLATFORMS:
        post_id = find_post(field["post"], field["platform"])
        if post_id is None:
            problems.append(f"{where}no stored {field['platform']} post matches {field['post']!r}")
    if len(problems) > before or post_id is None or created is None:
        return None
    return ManualComment(
        post_id=post_id, author_name=field["author"], text=field["text"], created_at=created,
        author_handle=field["author_handle"] or None,
    )  # fmt: skip


def _time_or_problem(
    value: str, timezone: str, now: datetime, problems: list[str], where: str
) -> datetime | None:
    if not value:
        return None
    try:
        return parse_time(value, timezone, now)
    except ValueError as exc:
        problems.append(f"{where}created_at: {exc}")
        return None
