"""PIPA destruction: the retention purge, forgetting one person, tombstones, the CLI and
the scheduler job, and that nothing of a destroyed comment stays in the SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.config import Settings, parse_settings
from aggregator.db import create_db_engine
from aggregator.privacy import PURGE_JOB, Actor, PrivacyError, forget, privacy_jobs, purge
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.scheduling import SchedulerService
from aggregator.search_text import parse_query
from aggregator.store import Store, search
from aggregator.store.access_log import AccessEntry, LogFilter
from aggregator.store.checks import ForgottenAuthor, ManualComment
from aggregator.store.tables import EVENT, NOTE, REVIEW, REVISION, TAG
from aggregator.users import hash_password
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_web import FAST_HASHER, PASSWORD

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
OLD = datetime(2026, 9, 10, 1, 0, tzinfo=UTC)
NEW = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
SENTINEL = "센티넬XQZ-7f3a9c"
KEY = "privacy-test-pseudonym-key-01"
ADMIN = Actor(staff="admin1", role=Role.ADMIN)
runner = CliRunner()


def settings(days: int = 30, key: bool = False) -> Settings:
    text = f"privacy: {{retention_days: {days}}}\n"
    if key:
        text += "reports: {pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}}\n"
    return parse_settings(text, environ={"AGGREGATOR_PSEUDONYM_KEY": KEY})


def comment(key: str, at: datetime, text: str, author_id: str | None, name: str) -> CommentRecord:
    return CommentRecord(
        platform="facebook",
        external_id=key,
        created_at=at,
        text=text,
        post_external_id="p1",
        author_id=author_id,
        author_name=name,
        raw={"from": {"id": author_id, "name": name}, "message": text},
    )


def batch(*comments: CommentRecord) -> Batch:
    post = PostRecord(platform="facebook", external_id="p1", created_at=OLD, text="소식")
    return Batch(stream="t", posts=(post,), comments=comments)


def seed(store: Store) -> dict[str, int]:
    """An old and a new comment of 홍길동 (id hong), one of 김철수; the old one edited
    once (a revision) and reviewed (review, tag, note, event)."""
    account = store.sync.ensure_account("fb-page", "facebook")
    store.sync.apply_batch(account, batch(comment("old", OLD, "첫 글 주차 문제", "hong", "홍길동")))
    store.sync.apply_batch(
        account,
        batch(
            comment("old", OLD, f"주차 문제 {SENTINEL}", "hong", "홍길동"),
            comment("new", NEW, "새 글 소음 문제", "hong", "홍길동"),
            comment("other", NEW, "다른 주민 주차 문의", "kim", "김철수"),
        ),
    )
    with store.engine.begin() as conn:
        ids = {k: int(v) for k, v in conn.exec_driver_sql("SELECT external_id, id FROM comment")}
        old = ids["old"]
        conn.execute(
            sa.insert(REVIEW).values(comment_id=old, status="처리중", updated_at=NOW,
                                     comment_created_at=OLD)
        )  # fmt: skip
        conn.execute(sa.insert(TAG).values(comment_id=old, tag="주차"))
        conn.execute(
            sa.insert(NOTE).values(comment_id=old, author="comm1", body=f"메모 {SENTINEL}",
                                   created_at=NOW)
        )  # fmt: skip
        conn.execute(
            sa.insert(EVENT).values(comment_id=old, at=NOW, actor="comm1", action="note",
                                    detail={"body": SENTINEL})
        )  # fmt: skip
    return ids


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:

        def n(table: sa.Table) -> int:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

        return {
            "comments": store.sync.count_rows("comment"),
            "revisions": n(REVISION),
            "notes": n(NOTE),
            "tags": n(TAG),
            "events": n(EVENT),
            "reviews": n(REVIEW),
        }


def search_hits(store: Store, text: str) -> set[int]:
    with store.engine.connect() as conn:
        found = conn.execute(search.matching_ids(conn, parse_query(text))).scalars()
        return {int(i) for i in found}


def close_snapshot(store: Store, month: str, ids: list[int]) -> None:
    rows = [(i, json.dumps({"id": i, "text": SENTINEL}, ensure_ascii=False)) for i in ids]
    payload = json.dumps({"month": month, "figures": {"total": len(ids)}})
    entry = AccessEntry(staff="admin1", action="report_close")
    store.reports.close_month(month, "admin1", rows, lambda _count: (payload, entry))


def log_entries(store: Store, action: str) -> list[dict[str, Any]]:
    return store.staff.access_log(LogFilter(action=action))


@pytest.fixture
def pstore(engine: sa.Engine, clock: FakeClock) -> Store:
    clock.now = NOW
    return Store(engine, clock=clock)


def test_purge_destroys_expired_data_keeps_newer_and_is_logged(pstore: Store) -> None:
    ids = seed(pstore)
    close_snapshot(pstore, "2026-09", [ids["old"]])
    close_snapshot(pstore, "2026-11", [ids["new"], ids["other"]])
    before = counts(pstore)

    dry = purge(pstore, settings(30), Actor(staff="cli:test"), dry_run=True)
    assert dry["comments"] == 1
    assert dry["revisions"] == 1
    assert dry["snapshots_deleted"] == 1
    assert counts(pstore) == before
    assert log_entries(pstore, "privacy_purge") == []
    assert pstore.reports.report_snapshot("2026-09") is not None

    done = purge(pstore, settings(30), Actor(staff="cli:test"))
    assert done == dry
    after = counts(pstore)
    assert after == {"comments": 2, "revisions": 0, "notes": 0, "tags": 0, "events": 0,
                     "reviews": 0}  # fmt: skip
    assert search_hits(pstore, "주차") == {ids["other"]}
    assert search_hits(pstore, "소음") == {ids["new"]}
    assert pstore.reports.report_snapshot("2026-09") is None
    assert pstore.reports.report_snapshot("2026-11") is not None
    [entry] = log_entries(pstore, "privacy_purge")
    detail = json.loads(entry["detail"])
    assert entry["staff"] == "cli:test"
    assert detail["retention_days"] == 30
    assert detail["comments"] == 1
    assert detail["snapshots_deleted"] == 1
    assert pstore.staff.verify_access_log() is None
    assert purge(pstore, settings(30), Actor(staff="cli:test"))["comments"] == 0


def test_forget_removes_a_person_everywhere_and_resync_does_not_restore(
    pstore: Store,
) -> None:
    pstore.privacy_key = KEY
    ids = seed(pstore)
    close_snapshot(pstore, "2026-11", [ids["new"], ids["other"]])
    done = forget(pstore, settings(key=True), ADMIN, "facebook", "hong", None, "본인 삭제 요청")
    assert done.counts["comments"] == 2
    assert done.counts["revisions"] == 1
    assert done.counts["snapshot_rows_removed"] == 1
    assert counts(pstore)["comments"] == 1
    assert counts(pstore)["revisions"] == 0
    assert search_hits(pstore, "소음") == set()
    assert search_hits(pstore, "주차") == {ids["other"]}
    snapshot = pstore.reports.report_snapshot("2026-11")
    assert snapshot is not None
    kept = [json.loads(text)["id"] for text in pstore.reports.report_snapshot_rows("2026-11")]
    assert kept == [ids["other"]]

    account = pstore.sync.ensure_account("fb-page", "facebook")
    again = batch(
        comment("old", OLD, f"주차 문제 {SENTINEL}", "hong", "홍길동"),
        comment("new", NEW, "새 글 소음 문제", "hong", "홍길동"),
        comment("other", NEW, "다른 주민 주차 문의", "kim", "김철수"),
        comment("later", NEW, "또 다른 글", "hong", "홍길동"),
    )
    pstore.sync.apply_batch(account, again)
    assert pstore.sync.count_rows("comment") == 1
    with pstore.engine.connect() as conn:
        authors = set(conn.exec_driver_sql("SELECT author_id FROM comment").scalars())
        tomb = conn.exec_driver_sql("SELECT digest, keyed FROM privacy_tombstone").all()
    assert authors == {"kim"}
    assert [(t.digest, bool(t.keyed)) for t in tomb] == [(done.digest, True)]
    assert "hong" not in done.digest

    [entry] = log_entries(pstore, "privacy_forget")
    assert entry["staff"] == "admin1"
    assert entry["role"] == "admin"
    assert entry["target"] == f"tombstone:{done.digest[:16]}"
    assert json.loads(entry["detail"])["reason"] == "본인 삭제 요청"
    assert "hong" not in json.dumps(entry, default=str)
    assert "홍길동" not in str(entry)


def test_forget_by_name_covers_comments_without_an_id(pstore: Store) -> None:
    account = pstore.sync.ensure_account("fb-page", "facebook")
    pstore.sync.apply_batch(account, batch(comment("m1", NEW, "이름만 있는 글", None, "이몽룡")))
    done = forget(pstore, settings(), ADMIN, "facebook", "lee-1", "이몽룡", "요청")
    assert done.counts["comments"] == 1
    assert done.new_tombstones == 2
    pstore.sync.apply_batch(account, batch(comment("m2", NEW, "다시 쓴 글", None, "이몽룡")))
    assert pstore.sync.count_rows("comment") == 0


def test_a_forgotten_resident_is_not_entered_by_hand_either(pstore: Store) -> None:
    account = pstore.sync.ensure_account("fb-page", "facebook")
    post = PostRecord(platform="facebook", external_id="p1", created_at=OLD, text="공지")
    pstore.sync.apply_batch(account, Batch(stream="t", posts=(post,)))
    post_id = pstore.inbox.find_post("p1", "facebook")
    assert post_id is not None
    forget(pstore, settings(), ADMIN, "facebook", "lee-1", "이몽룡", "본인 삭제 요청")

    def by(name: str, handle: str | None = None) -> ManualComment:
        return ManualComment(post_id=post_id, author_name=name, text=f"{name}의 글",
                             created_at=NEW, author_handle=handle)  # fmt: skip

    with pytest.raises(ForgottenAuthor, match="comment 2: the author asked to be forgotten"):
        pstore.inbox.add_manual_comments([by("성춘향"), by("이몽룡")], "홍보과")
    with pytest.raises(ForgottenAuthor, match="comment 1:"):
        pstore.inbox.add_manual_comments([by("익명", handle="이몽룡")], "홍보과")
    assert pstore.sync.count_rows("comment") == 0  # nothing half-entered
    assert pstore.inbox.add_manual_comments([by("성춘향")], "홍보과") == (1, 0)
    x = pstore.sync.ensure_account("x-main", "twitter")
    tweet = PostRecord(platform="twitter", external_id="t1", created_at=OLD, text="공지")
    pstore.sync.apply_batch(x, Batch(stream="t", posts=(tweet,)))
    on_x = ManualComment(post_id=pstore.inbox.find_post("t1", "twitter") or 0, author_name="이몽룡",
                         text="X의 이몽룡", created_at=NEW)  # fmt: skip
    assert pstore.inbox.add_manual_comments([on_x], "홍보과") == (1, 0)  # another platform's 이몽룡


def test_only_an_admin_may_forget_and_a_reason_is_required(pstore: Store) -> None:
    seed(pstore)
    for actor in (Actor("comm1", Role.COMMUNICATIONS), Actor("cli:x"), Actor("v", Role.VIEWER)):
        with pytest.raises(PrivacyError, match="only an admin"):
            forget(pstore, settings(), actor, "facebook", "hong", None, "요청")
    with pytest.raises(PrivacyError, match="reason"):
        forget(pstore, settings(), ADMIN, "facebook", "hong", None, "  ")
    assert pstore.sync.count_rows("comment") == 3
    assert pstore.privacy.tombstone_count() == 0


def _file_bytes(url: str) -> bytes:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    path = Path(url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.parametrize("how", ["purge", "forget"])
def test_no_trace_of_a_destroyed_comment_stays_in_the_sqlite_file(
    sqlite_url: str, clock: FakeClock, how: str
) -> None:
    clock.now = NOW
    store = Store(create_db_engine(sqlite_url), clock=clock)
    seed(store)
    needle = SENTINEL.encode("utf-8")
    assert needle in _file_bytes(sqlite_url)
    if how == "purge":
        purge(store, settings(30), Actor(staff="cli:test"))
    else:
        forget(store, settings(), ADMIN, "facebook", "hong", None, "요청")
    store.close()
    data = _file_bytes(sqlite_url)  # no VACUUM: secure_delete already zeroed the pages
    assert needle not in data
    assert "홍길동".encode() not in data or how == "purge"  # purge keeps hong's new comment


def _cli_config(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(f"database: {{url: '{url}'}}\nprivacy: {{retention_days: 30}}\n", "utf-8")
    return path


def test_cli_purge_and_forget(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(create_db_engine(sqlite_url), clock=lambda: NOW)
    seed(store)
    store.staff.create_user("admin1", Role.ADMIN, None, hash_password(FAST_HASHER, PASSWORD))
    store.staff.create_user(
        "comm1", Role.COMMUNICATIONS, None, hash_password(FAST_HASHER, PASSWORD)
    )
    config = str(_cli_config(tmp_path, sqlite_url, monkeypatch))

    dry = runner.invoke(app, ["privacy", "purge", "--dry-run", "--json", "-c", config])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["dry_run"] is True
    assert store.sync.count_rows("comment") == 3
    forget_args = ["privacy", "forget", "--platform", "facebook", "--author-id", "hong"]

    missing = runner.invoke(app, [*forget_args, "--staff", "admin1", "-c", config])
    assert missing.exit_code == 2
    assert "--reason is required" in missing.output
    no_staff = runner.invoke(app, [*forget_args, "--reason", "요청", "-c", config])
    assert no_staff.exit_code == 2
    assert "--staff" in no_staff.output
    refused = runner.invoke(
        app, [*forget_args, "--reason", "요청", "--staff", "comm1", "-c", config]
    )
    assert refused.exit_code == 2
    assert "only an admin" in refused.output
    assert store.sync.count_rows("comment") == 3

    named = [*forget_args, "--author-name", "홍길동", "--reason", "요청", "--staff", "admin1"]
    done = runner.invoke(app, [*named, "-c", config])
    assert done.exit_code == 0, done.output
    assert "comments 2" in done.output
    assert store.sync.count_rows("comment") == 1

    rows = tmp_path / "manual.csv"
    rows.write_text("platform,post,author,text,created_at\n"
                    "facebook,p1,김철수,새 글,2026-11-19 10:00\n"
                    "facebook,p1,홍길동,다시 씀,2026-11-19 11:00\n", encoding="utf-8")  # fmt: skip
    again = runner.invoke(app, ["comments", "import", str(rows), "-c", config])
    assert again.exit_code == 2
    assert "nothing imported, comment 2: the author asked to be forgotten" in again.output
    assert store.sync.count_rows("comment") == 1
    store.close()


def test_scheduler_runs_the_daily_purge(sqlite_url: str, clock: FakeClock) -> None:
    clock.now = NOW
    store = Store(create_db_engine(sqlite_url), clock=clock)
    seed(store)
    scheduler = BackgroundScheduler(timezone="Asia/Seoul")
    config = settings(30)
    SchedulerService(config, store, extra_jobs=privacy_jobs(config)).configure(scheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(PURGE_JOB)
        assert job is not None
        assert "hour='3'" in str(job.trigger)
        job.func()
    finally:
        scheduler.shutdown(wait=False)
    assert store.sync.count_rows("comment") == 2
    [entry] = log_entries(store, "privacy_purge")
    assert entry["staff"] == f"job:{PURGE_JOB}"
    store.close()


def test_retention_days_is_validated_and_defaults_to_three_years() -> None:
    assert parse_settings("{}\n", environ={}).privacy.retention_days == 1095
    assert settings(7).privacy.retention_days == 7
    with pytest.raises(Exception, match="retention_days"):
        parse_settings("privacy: {retention_days: 0}\n", environ={})
