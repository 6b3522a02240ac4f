"""Comments we cannot read: "check this post" items, hand-entered comments, CSV import."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.manual import ManualInputError, read_csv
from aggregator.models import Comment
from aggregator.records import Batch, PostRecord, Presence
from aggregator.store import Store
from aggregator.store.checks import ManualComment
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PIN_URL = "https://www.pinterest.com/pin/98765/"
HEADER = "platform,post,author,text,created_at\n"


def pin(count: int | None) -> PostRecord:
    return PostRecord(
        platform="pinterest", external_id="pin:98765", created_at=T0, text="단풍 명소",
        url=PIN_URL, comment_count=count, comments_readable=False,
    )  # fmt: skip


def sync_pin(store: Store, account_id: int, count: int | None) -> None:
    store.sync.apply_batch(account_id, Batch(stream="pins", posts=(pin(count),)))


@pytest.fixture
def account_id(store: Store) -> int:
    return store.sync.ensure_account("pinterest", "pinterest")


def manual(store: Store, n: int, post_id: int) -> ManualComment:
    return ManualComment(post_id=post_id, author_name=f"주민{n}", text=f"사진 예뻐요 {n}",
                         created_at=T0 + timedelta(hours=n))  # fmt: skip


def test_a_rising_unreadable_count_opens_one_item_that_grows(store: Store, account_id: int) -> None:
    sync_pin(store, account_id, 0)
    assert store.inbox.check_items() == []
    sync_pin(store, account_id, 2)
    sync_pin(store, account_id, 3)
    [item] = store.inbox.check_items()
    assert (item["status"], item["comments_before"], item["comments_now"]) == ("open", 0, 3)
    assert item["url"] == PIN_URL


def test_entering_as_many_comments_as_arrived_closes_the_item(
    store: Store, account_id: int, clock: FakeClock
) -> None:
    sync_pin(store, account_id, 0)
    sync_pin(store, account_id, 2)
    post_id = store.inbox.find_post(PIN_URL, "pinterest")
    assert post_id is not None
    store.inbox.add_manual_comments([manual(store, 1, post_id)], "홍보과 김주무관")
    assert store.inbox.check_items()[0]["entered"] == 1
    store.inbox.add_manual_comments([manual(store, 2, post_id)], "홍보과 김주무관")
    assert store.inbox.check_items() == []
    [closed] = store.inbox.check_items(include_closed=True)
    assert (closed["status"], closed["closed_by"]) == ("entered", "홍보과 김주무관")
    sync_pin(store, account_id, 4)
    [again] = store.inbox.check_items()
    assert (again["comments_before"], again["comments_now"]) == (2, 4), "a new item, not reopened"


def test_dismissing_closes_an_item_once(store: Store, account_id: int) -> None:
    sync_pin(store, account_id, 1)
    [item] = store.inbox.check_items()
    assert store.inbox.dismiss_check_item(item["id"], "소통담당관", "광고 댓글")
    assert not store.inbox.dismiss_check_item(item["id"], "소통담당관")
    [closed] = store.inbox.check_items(include_closed=True)
    assert (closed["status"], closed["note"]) == ("dismissed", "광고 댓글")


def test_manual_comments_are_marked_idempotent_and_never_marked_deleted(
    store: Store, account_id: int
) -> None:
    sync_pin(store, account_id, 1)
    post_id = store.inbox.find_post("pin:98765")
    assert post_id is not None
    assert store.inbox.add_manual_comments([manual(store, 1, post_id)], "김주무관") == (1, 0)
    assert store.inbox.add_manual_comments([manual(store, 1, post_id)], "김주무관") == (0, 1)
    gone = Presence(frozenset(), post_external_id="pin:98765")
    store.sync.apply_batch(account_id, Batch(stream="pins", presence=(gone,)))
    with store.engine.connect() as conn:
        [row] = conn.execute(sa.select(Comment.__table__)).all()  # type: ignore[attr-defined]
    assert (row.manual_entry, row.entered_by, row.deleted_upstream_at) == (True, "김주무관", None)
    assert row.post_id == post_id


def test_posts_are_found_by_url_without_query_or_fragment(store: Store, account_id: int) -> None:
    sync_pin(store, account_id, 0)
    assert store.inbox.find_post(PIN_URL + "?utm_source=x#top", "pinterest") is not None
    assert store.inbox.find_post("https://www.pinterest.com/pin/1/", "pinterest") is None
    assert store.inbox.find_post(PIN_URL, "facebook") is None


# ------------------------------------------------------------------ CSV parsing
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def finder(reference: str, platform: str) -> int | None:
    return 7 if (platform, reference) == ("pinterest", PIN_URL) else None


def test_csv_rows_become_comments_with_korean_times() -> None:
    data = (HEADER + f'pinterest,{PIN_URL},김영희,"단풍, 너무 예뻐요",2026-11-20 14:30\n').encode()
    [comment] = read_csv(data, finder, "Asia/Seoul", NOW)
    assert (comment.post_id, comment.author_name, comment.text) == (
        7,
        "김영희",
        "단풍, 너무 예뻐요",
    )
    assert comment.created_at == datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949"])
def test_excel_encodings_are_read(encoding: str) -> None:
    data = (HEADER + f"pinterest,{PIN_URL},박철수,똠양꿍 행사 좋아요,2026-11-20 09:00\n").encode(
        encoding
    )
    [comment] = read_csv(data, finder, "Asia/Seoul", NOW)
    assert comment.text == "똠양꿍 행사 좋아요"


def test_every_bad_row_is_reported_and_nothing_is_returned() -> None:
    rows = [
        f"pinterest,{PIN_URL},김영희,좋아요,2026-11-20 14:30",
        "pinterest,https://www.pinterest.com/pin/1/,이민수,어디인가요,2026-11-20 15:00",
        f"pinterest,{PIN_URL},,내용,2026-11-20 15:00",
        f"pinterest,{PIN_URL},최지우,내용,어제",
        f"myspace,{PIN_URL},정하늘,내용,2026-11-20 15:00",
        f"pinterest,{PIN_URL},한가람,미래 댓글,2027-01-01 10:00",
    ]
    with pytest.raises(ManualInputError) as info:
        read_csv((HEADER + "\n".join(rows) + "\n").encode(), finder, "Asia/Seoul", NOW)
    assert info.value.problems == [
        "line 3: no stored pinterest post matches 'https://www.pinterest.com/pin/1/'",
        "line 4: column 'author' is empty",
        "line 5: created_at: '어제' is not a date and time (use e.g. 2026-11-20 14:30)",
        "line 6: platform 'myspace' is not one of "
        "blog, facebook, twitter, pinterest, instagram, youtube",
        "line 7: created_at: '2027-01-01 10:00' is in the future",
    ]


def test_missing_and_unknown_columns_are_named() -> None:
    with pytest.raises(ManualInputError) as info:
        read_csv(b"platform,post,writer,text\n", finder, "Asia/Seoul", NOW)
    assert info.value.problems[:2] == [
        "line 1: missing column(s): author, created_at",
        "line 1: unknown column(s): writer",
    ]


def test_binary_garbage_is_not_text() -> None:
    with pytest.raises(ManualInputError, match="neither UTF-8 nor CP949"):
        read_csv(b"\xff\xfe\x00\x81\x00" * 10, finder, "Asia/Seoul", NOW)


# ------------------------------------------------------------------ CLI
def test_cli_add_import_list_and_dismiss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text("database: {url: t.db}\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    _seed_pin(tmp_path / "t.db")

    base = ["--config", str(config), "--entered-by", "김주무관"]
    added = runner.invoke(app, ["comments", "add", *base, "--platform", "pinterest", "--post",
                                PIN_URL, "--author", "김영희", "--text", "예뻐요",
                                "--time", "2026-11-20 14:30"])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "comment added" in added.output

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "pinterest,nope,이,내용,2026-11-20 14:30\n", encoding="utf-8")
    failed = runner.invoke(app, ["comments", "import", str(bad), *base])
    assert failed.exit_code == 2
    assert "nothing imported, 1 problem(s)" in failed.output
    assert "line 2: no stored pinterest post matches 'nope'" in failed.output

    good = tmp_path / "good.csv"
    good.write_bytes(
        (HEADER + f"pinterest,{PIN_URL},박철수,좋아요,2026-11-20 15:00\n").encode("cp949")
    )
    imported = runner.invoke(app, ["comments", "import", str(good), *base])
    assert imported.exit_code == 0, imported.output
    assert "imported 1 comment from" in imported.output

    listed = runner.invoke(app, ["checks", "list", "--config", str(config), "--json"])
    [item] = json.loads(listed.stdout)
    assert (item["status"], item["entered"]) == ("open", 2)
    dismissed = runner.invoke(
        app, ["checks", "dismiss", str(item["id"]), *base, "--note", "확인함"]
    )
    assert dismissed.exit_code == 0, dismissed.output
    assert runner.invoke(app, ["checks", "dismiss", str(item["id"]), *base]).exit_code == 2


def _seed_pin(path: Path) -> None:
    from aggregator.db import create_db_engine

    store = Store(create_db_engine(f"sqlite:///{path}"), clock=FakeClock(T0))
    account = store.sync.ensure_account("pinterest", "pinterest")
    sync_pin(store, account, 0)
    sync_pin(store, account, 3)
    store.close()
