"""Limits on free text entered by hand: `aggregator comments import|add` in a real
subprocess refuse oversized fields, control characters, bad encodings and files that
are not CSV with one line naming the row and column, and store nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.datastructures import FormData
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.manual import ManualInputError, one_comment, read_csv
from aggregator.reports.data import ReportError
from aggregator.reports.service import Requester, download
from aggregator.store import Store
from aggregator.store.access_log import LogFilter
from aggregator.web.actions import action_from_form
from aggregator.workflow import Role
from tests.fixtures_reports import report_settings
from tests.fixtures_web import Web
from tests.test_manual_comments import HEADER, PIN_URL, _seed_pin, finder

NOW = datetime(2026, 11, 30, tzinfo=UTC)
GOOD_ROW = f"pinterest,{PIN_URL},김영희,좋아요,2026-11-20 14:30"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A migrated SQLite database with one Pinterest pin; returns the config path."""
    config = tmp_path / "config.yaml"
    config.write_text("database: {url: t.db}\n", encoding="utf-8")
    upgraded = CliRunner().invoke(app, ["db", "upgrade", "--config", str(config)])
    assert upgraded.exit_code == 0, upgraded.output
    _seed_pin(tmp_path / "t.db")
    return config


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AGGREGATOR_DATABASE_URL"}
    command = [sys.executable, "-m", "aggregator", *args, "--config", str(config)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=config.parent)


def fingerprint(config: Path) -> str:
    """A digest of every row of every real table (the FTS5 shadow tables included)."""
    digest = hashlib.sha256()
    with sqlite3.connect(config.parent / "t.db") as conn:
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        ).fetchall()
        for (table,) in tables:
            digest.update(
                repr(conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()).encode()
            )
    return digest.hexdigest()


def import_file(config: Path, data: bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    path = config.parent / "comments.csv"
    path.write_bytes(data)
    return run_cli(config, "comments", "import", str(path), "--entered-by", "김주무관", *extra)


def assert_refused_alone(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


def csv_of(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (f'pinterest,{PIN_URL},김영희,"{"가" * 10_000_000}",2026-11-20 14:30',
         "line 3: column 'text' is longer than 8000 characters"),
        (f"pinterest,{PIN_URL},{'가' * 120_000},좋아요,2026-11-20 14:30",
         "line 3: column 'author' is longer than 200 characters (120000)"),
        (f"pinterest,{PIN_URL},김영희,좋아\x00요,2026-11-20 14:30",
         "line 3: column 'text' contains the control character U+0000 at position 3"),
        (f"pinterest,{PIN_URL},김\x1b[31m영희,좋아요,2026-11-20 14:30",
         "line 3: column 'author' contains the control character U+001B at position 2"),
        (f"pinterest,{PIN_URL}?{'x' * 3000},김영희,좋아요,2026-11-20 14:30",
         "line 3: column 'post' is longer than 2000 characters"),
    ],
    ids=["10-MB-text", "long-author", "NUL", "escape-sequence", "long-post-url"],
)  # fmt: skip
def test_import_refuses_a_bad_field_naming_row_and_column_and_stores_nothing(
    office: Path, bad_row: str, expected: str
) -> None:
    before = fingerprint(office)
    result = import_file(office, csv_of(GOOD_ROW, bad_row))
    assert_refused_alone(result, "nothing imported", expected)
    assert fingerprint(office) == before


def test_import_with_a_long_handle_column_names_it(office: Path) -> None:
    data = (
        "platform,post,author,author_handle,text,created_at\n"
        f"pinterest,{PIN_URL},김영희,{'h' * 201},좋아요,2026-11-20 14:30\n"
    ).encode()
    before = fingerprint(office)
    result = import_file(office, data)
    assert_refused_alone(result, "line 2: column 'author_handle' is longer than 200 characters")
    assert fingerprint(office) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((HEADER + GOOD_ROW).encode("utf-16"), "UTF-16"),
        (b"", "the file is empty"),
        (b"PK\x03\x04" + b"\x00" * 40, "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "neither UTF-8 nor CP949"),
    ],
    ids=["utf-16", "empty", "xlsx", "binary"],
)
def test_import_refuses_a_file_that_is_not_csv_text(
    office: Path, data: bytes, expected: str
) -> None:
    before = fingerprint(office)
    result = import_file(office, data)
    assert_refused_alone(result, expected)
    assert fingerprint(office) == before


def test_a_real_xlsx_workbook_is_named_as_such(office: Path) -> None:
    workbook = office.parent / "book.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    result = import_file(office, workbook.read_bytes())
    assert_refused_alone(result, "Excel workbook", "CSV UTF-8")


def test_import_refuses_a_long_entered_by(office: Path) -> None:
    before = fingerprint(office)
    path = office.parent / "ok.csv"
    path.write_bytes(csv_of(GOOD_ROW))
    result = run_cli(office, "comments", "import", str(path), "--entered-by", "가" * 101)
    assert_refused_alone(result, "--entered-by is longer than 100 characters")
    assert fingerprint(office) == before


def test_import_of_a_good_file_still_works(office: Path) -> None:
    result = import_file(office, csv_of(GOOD_ROW, GOOD_ROW.replace("김영희", "박철수")))
    assert result.returncode == 0, result.stderr
    assert "imported 2 comments" in result.stdout


def test_add_refuses_a_nul_in_the_author_and_stores_nothing(office: Path) -> None:
    before = fingerprint(office)
    args = ["comments", "add", "--config", str(office), "--entered-by", "김주무관",
            "--platform", "pinterest", "--post", PIN_URL, "--author", "김\x00영희",
            "--text", "좋아요", "--time", "2026-11-20 14:30"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "column 'author' contains the control character U+0000" in result.output
    assert fingerprint(office) == before


def test_a_form_comment_keeps_its_line_breaks_as_lf() -> None:
    values = {"platform": "pinterest", "post": PIN_URL, "author": "김영희",
              "text": "첫 줄\r\n둘째 줄\t끝", "created_at": "2026-11-20 14:30"}  # fmt: skip
    comment = one_comment(values, finder, "Asia/Seoul", NOW)
    assert comment.text == "첫 줄\n둘째 줄\t끝"


def test_a_form_comment_refuses_a_line_break_in_the_author() -> None:
    values = {"platform": "pinterest", "post": PIN_URL, "author": "김\n영희",
              "text": "좋아요", "created_at": "2026-11-20 14:30"}  # fmt: skip
    with pytest.raises(ManualInputError, match="column 'author' contains the control character"):
        one_comment(values, finder, "Asia/Seoul", NOW)


def test_a_huge_unparsable_time_is_not_echoed_back() -> None:
    row = f"pinterest,{PIN_URL},김영희,좋아요,{'9' * 5000}"
    with pytest.raises(ManualInputError) as info:
        read_csv(csv_of(row), finder, "Asia/Seoul", NOW)
    assert info.value.problems == [
        "line 2: column 'created_at' is longer than 40 characters (5000)"
    ]


def test_review_form_text_loses_control_characters() -> None:
    form = FormData([("kind", "note"), ("note", "주차\x00 민원\r\n확인\x1b"), ("tag", "주\n차")])
    action = action_from_form(form)
    assert action is not None
    assert (action.note, action.tag) == ("주차 민원\n확인", "주 차")


def test_a_report_reason_is_refused_when_too_long_or_holding_a_control_character(
    store: Store,
) -> None:
    settings = report_settings()
    comm = Requester("comm1", Role.COMMUNICATIONS)
    for reason, expected in (("가" * 301, "longer than 300"), ("월간\x00보고", "U\\+0000")):
        with pytest.raises(ReportError, match=f"^the reason .*{expected}"):
            download(store, settings, "2026-10", "csv", reason, comm)
    assert store.staff.access_log(LogFilter()) == []


def test_brackets_in_a_refused_value_are_shown_literally_not_as_markup(office: Path) -> None:
    result = import_file(office, csv_of("pinterest,[/bold],[red]김,좋아요,2026-11-20 14:30"))
    assert_refused_alone(result, "line 2: no stored pinterest post matches '[/bold]'")


def test_the_web_form_refuses_an_oversized_author_and_stores_nothing(web: Web) -> None:
    client = web.client("communications")
    form = {"platform": "facebook", "post": "https://facebook.example/p1",
            "author": "가" * 250, "text": "가로등 고장 신고", "created_at": "2026-11-16 20:00",
            "csrf_token": web.csrf(client)}  # fmt: skip
    before = web.store.sync.count_rows("comment")
    refused = client.post("/manual", data=form, follow_redirects=False)
    assert refused.status_code == 400
    assert "작성자: 200자를 넘습니다 (250자)" in refused.text
    assert web.store.sync.count_rows("comment") == before


def test_import_refuses_a_file_over_100_mb_without_reading_it(office: Path) -> None:
    huge = office.parent / "huge.csv"
    with huge.open("wb") as sparse:
        sparse.truncate(101 * 1024 * 1024)
    before = fingerprint(office)
    result = run_cli(office, "comments", "import", str(huge), "--entered-by", "김주무관")
    assert_refused_alone(result, "nothing imported, the file has 105,906,176 bytes")
    assert fingerprint(office) == before


def test_an_oversized_field_after_blank_lines_and_a_quoted_line_break_is_located() -> None:
    rows = [GOOD_ROW, "", f'pinterest,{PIN_URL},"김\n영희,\n민수",좋아요,2026-11-20 14:30']
    big = f'pinterest,{PIN_URL},김영희,"첫 줄\n{"가" * 200_000}",2026-11-20 14:30'
    with pytest.raises(ManualInputError) as info:
        read_csv(csv_of(*rows, "", big), finder, "Asia/Seoul", NOW)
    assert info.value.problems == ["line 9: column 'text' is longer than 8000 characters"]


def test_import_of_one_comment_says_one_comment(office: Path) -> None:
    result = import_file(office, csv_of(GOOD_ROW))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 1 comment from ")


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""], ids=["with-bom", "without-bom"])
def test_a_utf8_file_with_a_broken_byte_names_its_line_not_mojibake_columns(bom: bytes) -> None:
    data = bom + csv_of(GOOD_ROW) + f"pinterest,{PIN_URL},김".encode() + b"\xff,x,2026-11-20\n"
    with pytest.raises(ManualInputError) as info:
        read_csv(data, finder, "Asia/Seoul", NOW)
    [problem] = info.value.problems
    assert problem.startswith("line 3: byte ")
    assert "is not UTF-8" in problem
