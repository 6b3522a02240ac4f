"""The dashboard's counts on SQLite and PostgreSQL: exact after every kind of write (a
brute-force count is the reference), scoped to a department, and right at business-day
edges (Friday's D-1 is Monday; holidays do not count)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.dashboard import WINDOWS, due_windows, today_start
from aggregator.db import write_transaction
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.store import Store
from aggregator.store import answers as answer_rows
from aggregator.store.access_log import AccessEntry
from aggregator.store.checks import ManualComment
from aggregator.store.inbox_query import InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.dashboard_truth import DAYS, TZ, truth

FRIDAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # Friday 10:00 in Seoul
DEPARTMENTS = ("주차관리과", "청소행정과", "환경과")
OFFICE = Actor("comm1", Role.COMMUNICATIONS)
PARKING = Actor("dept1", Role.DEPARTMENT, "주차관리과")


def counts(store: Store, scope: Scope | None = None) -> dict[str, Counter[str]]:
    """The dashboard's counts in the shape of `truth`."""
    now = store.clock()
    found = store.inbox.dashboard_counts(
        scope or Scope(), due_windows(now, DAYS, TZ), today_start(now, TZ)
    )
    result = {name: Counter({k: v for k, v in found.due[name].items() if v}) for name in WINDOWS}
    result["new"] = Counter({"": found.new_today} if found.new_today else {})
    return result


def assert_exact(store: Store) -> None:
    now = store.clock()
    assert counts(store) == truth(store, now)
    assert list_totals(store, Scope()) == _overdue_and_open(truth(store, now))
    for department in DEPARTMENTS:
        scope = Scope(department, restricted=True)
        expected = truth(store, now, department)
        assert counts(store, scope) == expected
        assert list_totals(store, scope) == _overdue_and_open(expected)


def list_totals(store: Store, scope: Scope) -> tuple[int, int]:
    """The inbox list's overdue count and the open items' list total (uncapped)."""
    now = store.clock()
    deadlines = _deadlines(now, due_windows(now, DAYS, TZ))
    _all, (overdue, exact) = store.inbox.inbox_totals(InboxFilter(), scope, deadlines, 100_000)
    (open_items, open_exact), _late = store.inbox.inbox_totals(
        InboxFilter(due="open"), scope, deadlines, 100_000
    )
    assert exact
    assert open_exact
    return overdue, open_items


def _overdue_and_open(found: dict[str, Counter[str]]) -> tuple[int, int]:
    return sum(found["overdue"].values()), sum(found["open"].values())


def comment(key: str, at: datetime, parent: str | None = None, **extra: Any) -> CommentRecord:
    return CommentRecord(
        platform="facebook",
        external_id=key,
        created_at=at,
        text=f"댓글 {key}",
        post_external_id="p1",
        parent_external_id=parent,
        author_id=extra.pop("author_id", f"a-{key}"),
        author_name="주민",
        **extra,
    )


def ingest(store: Store, comments: list[CommentRecord]) -> None:
    account = store.sync.ensure_account("fb-page", "facebook")
    post = PostRecord(
        platform="facebook",
        external_id="p1",
        text="공지",
        created_at=FRIDAY - timedelta(days=30),
    )
    store.sync.apply_batch(account, Batch(stream="t", posts=(post,), comments=tuple(comments)))


def three_weeks(store: Store) -> dict[str, int]:
    """A resident comment every 5 hours for three weeks (weekends included), the
    district replying to every 7th; return ids by external id."""
    start = FRIDAY - timedelta(days=21)
    records = [comment(f"c{n}", start + timedelta(hours=5 * n)) for n in range(101)]
    records += [
        comment(f"r{n}", start + timedelta(hours=5 * n + 1), parent=f"c{n}", by_account_owner=True,
                author_id="district")
        for n in range(0, 101, 7)
    ]  # fmt: skip
    ingest(store, records)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT external_id, id FROM comment").all()
    return {key: int(value) for key, value in rows}


def act(store: Store, actor: Actor, ids: list[int], **fields: Any) -> None:
    context = ReviewContext(now=store.clock(), claim_minutes=15, departments=DEPARTMENTS)
    result = store.inbox.review(actor, ids, ReviewAction(**fields), context)
    assert result.refused == []


def test_counts_equal_a_brute_force_count_after_every_kind_of_write(
    store: Store, clock: FakeClock
) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    assert_exact(store)
    c = [ids[f"c{n}"] for n in range(101)]
    act(store, OFFICE, c[1:40:2], kind="assign_department", department="주차관리과")
    act(store, OFFICE, c[2:40:4], kind="assign_department", department="청소행정과")
    act(store, OFFICE, c[40:50], kind="status", status="확인중")
    act(store, OFFICE, c[50:55], kind="status", status="종결")
    act(store, OFFICE, c[55:58], kind="status", status="숨김", reason="광고")
    act(store, PARKING, [c[3], c[5]], kind="transfer", department="환경과", reason="소관")
    act(store, PARKING, [c[9]], kind="status", status="1차 답변")
    assert_exact(store)
    act(store, OFFICE, c[50:52], kind="status", status="확인중")  # reopened
    assert_exact(store)

    service = AnswerService(store, AnswersSection())
    pending = service.write(PARKING, c[11], "first", "확인하겠습니다")
    assert_exact(store)
    service.approve(OFFICE, pending)
    service.confirm_manual(OFFICE, pending)  # visible: the item is answered
    failed = service.write(OFFICE, c[13], "first", "안내드립니다")
    with write_transaction(store.engine) as conn:
        assert answer_rows.update(conn, failed, "approved", state="failed")
    assert_exact(store)

    clock.advance(hours=2)
    later = [comment(f"n{n}", clock.now - timedelta(minutes=30 + n)) for n in range(3)]
    late_reply = comment("r-late", clock.now, parent="c60", by_account_owner=True)
    ingest(store, [*later, late_reply])
    post_id = store.inbox.find_post("p1", "facebook")
    assert post_id is not None
    store.inbox.add_manual_comments(
        [ManualComment(post_id, "주민", "손으로 입력", clock.now - timedelta(minutes=5))], "comm1"
    )
    assert_exact(store)

    entry = AccessEntry(staff="admin1", action="privacy_forget")
    store.privacy.forget_author(
        "facebook", "district", None, TZ, entry
    )  # every reply: items reopen
    store.privacy.forget_author("facebook", "a-c61", None, TZ, entry)
    assert_exact(store)

    clock.advance(days=3)  # Monday: the windows move with time alone
    assert_exact(store)


def test_a_rebuild_gives_what_the_writes_maintained(store: Store, clock: FakeClock) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    act(store, OFFICE, [ids["c3"], ids["c4"]], kind="assign_department", department="환경과")
    act(store, OFFICE, [ids["c5"]], kind="status", status="종결")
    before = counts(store)
    with store.engine.connect() as conn:
        tally = conn.exec_driver_sql("SELECT department, day, count FROM open_tally").all()
    assert store.inbox.rebuild_open_items() == sum(before["open"].values())
    with store.engine.connect() as conn:
        rebuilt = conn.exec_driver_sql("SELECT department, day, count FROM open_tally").all()
    assert sorted(rebuilt) == sorted(tally)
    assert counts(store) == before


def test_friday_d_minus_1_is_monday_and_weekend_comments_are_due_wednesday(
    store: Store, clock: FakeClock
) -> None:
    clock.now = FRIDAY
    kst = timedelta(hours=9)
    day = datetime(2026, 11, 16, 12, tzinfo=UTC) - kst  # Monday 12:00 in Seoul
    ingest(
        store,
        [
            comment("mon", day),  # due Thursday: overdue on Friday
            comment("tue", day + timedelta(days=1)),  # due Friday: today
            comment("wed", day + timedelta(days=2)),  # due Monday: D-1
            comment("thu", day + timedelta(days=3)),  # due Tuesday
            comment("fri", day + timedelta(days=4)),  # due Wednesday
        ],
    )
    found = counts(store)
    assert (found["overdue"][""], found["today"][""], found["tomorrow"][""]) == (1, 1, 1)
    assert found["open"][""] == 5
    assert found == truth(store, FRIDAY)


def test_holidays_do_not_count_christmas_eve_d_minus_1_is_the_next_monday(
    store: Store, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 24, 1, tzinfo=UTC)  # Thursday; Friday 25th is a holiday
    kst = timedelta(hours=9)
    ingest(
        store,
        [
            comment("dec21", datetime(2026, 12, 21, 10, tzinfo=UTC) - kst),  # due 24th: today
            comment("dec22", datetime(2026, 12, 22, 10, tzinfo=UTC) - kst),  # due 28th: D-1
            comment("dec23", datetime(2026, 12, 23, 10, tzinfo=UTC) - kst),  # due 29th
        ],
    )
    found = counts(store)
    assert (found["today"][""], found["tomorrow"][""], found["overdue"][""]) == (1, 1, 0)
    assert found == truth(store, clock.now)


def test_department_scope_counts_only_that_departments_items(
    store: Store, clock: FakeClock
) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    act(store, OFFICE, [ids["c1"], ids["c2"]], kind="assign_department", department="주차관리과")
    act(store, OFFICE, [ids["c4"]], kind="assign_department", department="환경과")
    parking = counts(store, Scope("주차관리과", restricted=True))
    assert parking["open"] == Counter({"주차관리과": 2})
    assert parking["overdue"] == Counter({"주차관리과": 2})
    office = counts(store)
    assert office["open"]["환경과"] == 1
    assert office["open"][""] == sum(office["open"].values()) - 3


def test_each_count_is_the_number_of_items_its_inbox_filter_lists(
    store: Store, clock: FakeClock
) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    act(store, OFFICE, [ids[f"c{n}"] for n in range(60, 90)], kind="assign_department",
        department="청소행정과")  # fmt: skip
    now = store.clock()
    windows = due_windows(now, DAYS, TZ)
    deadlines = _deadlines(now, windows)
    found = store.inbox.dashboard_counts(Scope(), windows, today_start(now, TZ))
    for name in WINDOWS:
        listed = _listed(store, InboxFilter(due=name), Scope(), deadlines)
        assert listed == sum(found.due[name].values()), name
        for department in ("청소행정과", ""):
            f = InboxFilter(due=name, department=department or None, unassigned=not department)
            assert _listed(store, f, Scope(), deadlines) == found.due[name][department]
    assert found.due["overdue"]["청소행정과"] > 0


def _deadlines(now: datetime, windows: Any) -> Any:
    from aggregator.deadlines import overdue_cutoff
    from aggregator.store.inbox_query import Deadlines

    return Deadlines(now, overdue_cutoff(now, DAYS, TZ), windows)


def _listed(store: Store, f: InboxFilter, scope: Scope, deadlines: Any) -> int:
    rows, _ = store.inbox.inbox_page(f, scope, deadlines, limit=10_000)
    return len(rows)


def test_answers_waiting_and_failed_are_counted_per_scope(store: Store, clock: FakeClock) -> None:
    clock.now = FRIDAY
    ids = three_weeks(store)
    act(store, OFFICE, [ids["c1"], ids["c2"]], kind="assign_department", department="주차관리과")
    service = AnswerService(store, AnswersSection())
    service.write(PARKING, ids["c1"], "first", "확인 중입니다")
    failed = service.write(OFFICE, ids["c3"], "first", "안내드립니다")
    with write_transaction(store.engine) as conn:
        assert answer_rows.update(conn, failed, "approved", state="needs_check")
    now = store.clock()
    office = store.inbox.dashboard_counts(Scope(), {}, today_start(now, TZ))
    parking = store.inbox.dashboard_counts(Scope("주차관리과", restricted=True), {}, now)
    assert office.answers == {"pending": 1, "failed": 1}
    assert parking.answers == {"pending": 1, "failed": 0}
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM answer")).scalar_one() == 2


def test_a_reply_synced_while_staff_route_the_same_items_keeps_the_counts_exact(
    store: Store, clock: FakeClock
) -> None:
    """Sync and review write the same items at the same moment (two connections)."""
    import threading

    clock.now = FRIDAY
    ids = three_weeks(store)
    targets = [n for n in range(1, 101) if n % 7]  # items without a reply yet
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sync_replies() -> None:
        barrier.wait()
        for n in targets:
            try:
                ingest(store, [comment(f"race{n}", FRIDAY, parent=f"c{n}", by_account_owner=True)])
            except BaseException as exc:
                errors.append(exc)

    def route_items() -> None:
        barrier.wait()
        for n in targets:
            try:
                act(store, OFFICE, [ids[f"c{n}"]], kind="assign_department", department="환경과")
            except BaseException as exc:
                errors.append(exc)

    workers = [threading.Thread(target=sync_replies), threading.Thread(target=route_items)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert_exact(store)
    assert counts(store)["open"]["환경과"] == 0


def test_sync_writes_keep_the_counts_exact_replies_moved_orphaned_and_resynced(
    store: Store, clock: FakeClock
) -> None:
    """Only the comments a sync batch writes (and their parents) are recomputed: a reply
    that moves to another comment reopens the first, a reply stored before its comment
    closes that comment when it arrives, and an unchanged re-sync changes nothing."""
    clock.now = FRIDAY
    ids = three_weeks(store)
    at = FRIDAY - timedelta(hours=3)
    ingest(store, [comment("r0", at, parent="c1", by_account_owner=True, author_id="district")])
    assert_exact(store)  # c0 reopened, c1 answered
    early = comment("r-early", at, parent="c-late", by_account_owner=True, author_id="district")
    ingest(store, [early])
    assert_exact(store)
    ingest(store, [comment("c-late", at - timedelta(hours=1)), comment("c-open", at)])
    assert_exact(store)
    with store.engine.connect() as conn:
        open_ids = set(conn.exec_driver_sql("SELECT comment_id FROM open_item").scalars())
    assert ids["c0"] in open_ids
    assert ids["c1"] not in open_ids
    unchanged = [comment(f"c{n}", FRIDAY - timedelta(days=21, hours=-5 * n)) for n in range(101)]
    ingest(store, unchanged)
    assert_exact(store)
    with store.engine.connect() as conn:
        assert set(conn.exec_driver_sql("SELECT comment_id FROM open_item").scalars()) == open_ids
