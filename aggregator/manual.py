"""Comments entered by hand: one from the command line, or many from a CSV file.

CSV: a header row with `platform,post,author,text,created_at` (any order; optional
`author_handle`), UTF-8 (with or without BOM, as Excel's "CSV UTF-8") or CP949 (Korean
Excel's plain "CSV"). `post` is the post's URL or its external id; `created_at` is
`2026-11-20 14:30`, `2026-11-20T14:30:00+09:00` or similar (no time zone: the
office's). Every row is checked before anything is stored; one bad row rejects the
file with a message per bad row, so nothing is ever half-imported.

Every column has a length limit (`LIMITS`) and no column may hold a control character
(NUL, ESC, ...; only `text` keeps tabs and line breaks); the same checks apply to a
comment entered with `aggregator comments add` or the web form.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aggregator import text_input
from aggregator.store.checks import ManualComment
from connectors.registry import PLATFORMS as REGISTERED

REQUIRED = ("platform", "post", "author", "text", "created_at")
OPTIONAL = ("author_handle",)
MAX_TEXT = 8000
MAX_ROWS = 50_000
MAX_ENTERED_BY = 100
MAX_FILE_BYTES = 100 * 1024 * 1024
LIMITS = {"platform": 20, "post": 2000, "author": 200, "author_handle": 200,
          "text": MAX_TEXT, "created_at": 40}  # fmt: skip
"""The most characters each column may hold (`text` alone may span lines)."""
MULTI_LINE = ("text",)
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS = "in Excel, save it as 'CSV UTF-8 (comma delimited)'"
PLATFORMS = tuple(REGISTERED)
"""The platforms comments may be entered for: every registered one."""
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M")

PostFinder = Callable[[str, str], int | None]
"""(reference, platform) -> post id, or None when no stored post matches."""


FIELD_LABELS = {
    "platform": "플랫폼",
    "post": "게시물 주소 또는 ID",
    "author": "작성자",
    "author_handle": "작성자 아이디",
    "text": "내용",
    "created_at": "작성 시각",
}
"""Each field as the web form names it (its Korean messages start with it)."""


class ManualInputError(Exception):
    """The input is unusable; `problems` has one line per bad field or row (English, for
    the command line), `korean` the same lines for the web form."""

    def __init__(self, problems: Sequence[str], korean: Sequence[str] | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)
        self.korean = list(korean) if korean is not None else self.problems


@dataclass(frozen=True)
class Problem:
    """One bad field: `where` (`line 5: ` in a file), the English and the Korean text."""

    where: str
    english: str
    korean: str

    def __str__(self) -> str:
        return f"{self.where}{self.english}"


class TimeError(ValueError):
    """A comment time that cannot be used; `korean` says why on the web form."""

    def __init__(self, message: str, korean: str) -> None:
        super().__init__(message)
        self.korean = korean


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
        raise TimeError(f"{text!r} is in the future", "미래의 시각입니다")
    return moment


def _strptime_any(text: str) -> datetime:
    for pattern in FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise TimeError(
        f"{text!r} is not a date and time (use e.g. 2026-11-20 14:30)",
        "날짜와 시각이 아닙니다 (예: 2026-11-20 14:30)",
    )


def one_comment(
    values: Mapping[str, str | None], find_post: PostFinder, timezone: str, now: datetime
) -> ManualComment:
    """Validate one comment's fields (as from the CLI or a web form)."""
    problems: list[Problem] = []
    comment = _row(values, find_post, timezone, now, problems, where="")
    if comment is None:
        raise ManualInputError([str(p) for p in problems], [p.korean for p in problems])
    return comment


def entered_by_problem(name: str) -> str | None:
    """What is wrong with the name of who entered comments, or None."""
    if not name.strip():
        return "must name who entered the comments"
    return text_input.problem(name.strip(), MAX_ENTERED_BY)


def file_size_problem(size: int) -> str | None:
    """What is wrong with a CSV file of `size` bytes (checked before reading it), or None."""
    if size > MAX_FILE_BYTES:
        return f"the file has {size:,} bytes, more than {MAX_FILE_BYTES:,}: split it"
    return None


def read_csv(
    data: bytes, find_post: PostFinder, timezone: str, now: datetime
) -> list[ManualComment]:
    """Every comment of a CSV file, or `ManualInputError` listing every bad row."""
    if problem := file_size_problem(len(data)):
        raise ManualInputError([problem])
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise ManualInputError([_csv_problem(exc, text, 1, 1, [])]) from None
    header = [name.strip().lower() for name in fieldnames]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise ManualInputError(_header_problems(missing, unknown))
    reader.fieldnames = header
    problems: list[Problem] = []
    comments = [
        comment
        for line, row in _rows(reader, text)
        if (comment := _row(row, find_post, timezone, now, problems, where=f"line {line}: "))
    ]
    if problems:
        raise ManualInputError([str(p) for p in problems])
    if not comments:
        raise ManualInputError(["the file has a header but no comments"])
    return comments


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ManualInputError(["the file is empty"])
    if data.startswith(ZIP_MAGIC):
        raise ManualInputError(
            [f"this is an Excel workbook or another zip file, not CSV: {SAVE_AS}"]
        )
    if _is_utf16_text(data):
        raise ManualInputError([f"the file is UTF-16 text (Excel's 'Unicode text'): {SAVE_AS}"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data.startswith(codecs.BOM_UTF8) or _mostly_utf8(data[: exc.start]):
            line = data[: exc.start].count(b"\n") + 1
            raise ManualInputError(
                [f"line {line}: byte {exc.start + 1} of the file is not UTF-8: {SAVE_AS}"]
            ) from None
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        pass
    raise ManualInputError([f"the file is neither UTF-8 nor CP949 (EUC-KR) text: {SAVE_AS}"])


def _mostly_utf8(valid_prefix: bytes) -> bool:
    """True when the bytes before a UTF-8 error hold several multi-byte characters: a
    UTF-8 file with a broken byte (CP949 text fails UTF-8 at its first Hangul)."""
    return sum(ord(char) > 127 for char in valid_prefix.decode("utf-8-sig")) >= 3


def _is_utf16_text(data: bytes) -> bool:
    if not data.startswith(UTF16_BOMS):
        return False
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return "," in text or "\t" in text


def _header_problems(missing: list[str], unknown: list[str]) -> list[str]:
    problems = []
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"line 1: unknown column(s): {', '.join(_cut(n) for n in unknown)}")
    problems.append(f"line 1: the header must name {', '.join(REQUIRED)} (optional: author_handle)")
    return problems


def _cut(value: str, limit: int = 60) -> str:
    """`value` for a message, cut to `limit` characters."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _shown(value: str, limit: int = 60) -> str:
    """`value` for a message: quoted, cut to `limit` characters."""
    return repr(_cut(value, limit))


def _rows(reader: csv.DictReader[str], text: str) -> Iterator[tuple[int, dict[str, str | None]]]:
    count = 0
    while True:
        last_line = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields = list(reader.fieldnames or [])
            problem = _csv_problem(exc, text, last_line + 1, reader.line_num, fields)
            raise ManualInputError([problem]) from None
        count += 1
        if count > MAX_ROWS:
            raise ManualInputError([f"more than {MAX_ROWS} rows: split the file"])
        if None in row:
            raise ManualInputError([f"line {reader.line_num}: more fields than columns"])
        if any((value or "").strip() for value in row.values()):
            yield reader.line_num, row


def _csv_problem(
    error: csv.Error, text: str, start_line: int, line: int, header: Sequence[str]
) -> str:
    """One line for the csv module's error at `line` in the record read from `start_line`
    (earlier when blank lines or a quoted line break came between)."""
    if "field larger than field limit" not in str(error):
        return f"line {line}: not readable as CSV ({error})"
    index = _oversized_field(text, _line_offset(text, start_line), csv.field_size_limit())
    name = header[index] if index < len(header) else f"#{index + 1}"
    limit = LIMITS.get(name, csv.field_size_limit())
    return f"line {line}: column '{name}' is longer than {limit} characters"


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
    return offset


def _oversized_field(text: str, start: int, limit: int) -> int:
    """The index of the first field longer than `limit` in the CSV record at `start`."""
    index, length, quoted, position = 0, 0, False, start
    while position < len(text) and length <= limit:
        char = text[position]
        if quoted and char == '"' and text.startswith('"', position + 1):
            length, position = length + 1, position + 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            index, length = index + 1, 0
        else:
            length += 1
        position += 1
    return index


def _row(
    values: Mapping[str, str | None],
    find_post: PostFinder,
    timezone: str,
    now: datetime,
    problems: list[Problem],
    where: str,
) -> ManualComment | None:
    before = len(problems)
    field = _fields(values, problems, where)
    if field["platform"] and field["platform"] not in PLATFORMS:
        known = ", ".join(PLATFORMS)
        english = f"platform {field['platform']!r} is not one of {known}"
        problems.append(Problem(where, english, "플랫폼: 목록에 있는 플랫폼을 고르세요"))
    created = _time_or_problem(field["created_at"], timezone, now, problems, where)
    post_id = None
    if field["post"] and field["platform"] in PLATFORMS:
        post_id = find_post(field["post"], field["platform"])
        if post_id is None:
            shown = _shown(field["post"], 200)
            english = f"no stored {field['platform']} post matches {shown}"
            korean = f"{FIELD_LABELS['post']}: 저장된 게시물 중에 {shown}에 맞는 것이 없습니다"
            problems.append(Problem(where, english, korean))
    if len(problems) > before or post_id is None or created is None:
        return None
    return ManualComment(
        post_id=post_id, author_name=field["author"], text=field["text"], created_at=created,
        author_handle=field["author_handle"] or None,
    )  # fmt: skip


def _fields(
    values: Mapping[str, str | None], problems: list[Problem], where: str
) -> dict[str, str]:
    """Every field normalised; a field that is empty (when required), too long or holds a
    control character is named in `problems` and left empty (so nothing else checks it)."""
    field: dict[str, str] = {}
    for name, limit in LIMITS.items():
        multiline = name in MULTI_LINE
        value = text_input.normalise(values.get(name) or "", multiline)
        found = text_input.check(value, limit, multiline)
        problem = (found.english, found.korean) if found else None
        if problem is None and not value and name in REQUIRED:
            problem = ("is empty", "비어 있습니다")
        if problem is not None:
            english, korean = problem
            problems.append(
                Problem(where, f"column '{name}' {english}", f"{FIELD_LABELS[name]}: {korean}")
            )
            value = ""
        field[name] = value
    return field


def _time_or_problem(
    value: str, timezone: str, now: datetime, problems: list[Problem], where: str
) -> datetime | None:
    if not value:
        return None
    try:
        return parse_time(value, timezone, now)
    except TimeError as exc:
        label = FIELD_LABELS["created_at"]
        problems.append(Problem(where, f"created_at: {exc}", f"{label}: {exc.korean}"))
        return None
