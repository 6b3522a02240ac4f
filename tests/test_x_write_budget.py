"""X writes cost money: every reply and hide the answers worker makes is charged to the
account's month next to its sync runs (so `status` and the sync's budget check see it),
and a write that would exceed `monthly_budget` is refused before calling, typed and in
Korean, and tried again when the next month begins."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config import Settings
from aggregator.store import Store
from aggregator.store.tables import ACCOUNT, ANSWER, PLATFORM_ACTION, WRITE_CHARGE
from tests.test_platform_hide_sandbox import (
    COMM,
    resident_comment,
    run_worker,
    set_status,
    settings,
    synced_sqlite,
)

__all__ = ["settings", "synced_sqlite"]
X = "x-account"
SEOUL = ZoneInfo("Asia/Seoul")


def month_cost(store: Store) -> float:
    with store.engine.connect() as conn:
        account_id = conn.execute(sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == X)).scalar_one()
    return store.sync.month_usage(account_id, "Asia/Seoul").cost


def status_cost(store: Store) -> float:
    [row] = [s for s in store.sync.account_statuses() if s.name == X]
    return row.month_usage.cost


def next_month_in_seoul() -> datetime:
    today = datetime.now(SEOUL)
    first = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def answer_x(
    store: Store, settings: Settings, text: str = "구청입니다. 확인 후 안내드리겠습니다."
) -> int:
    comment = resident_comment(store, X)
    return AnswerService(store, settings.answers).write(COMM, comment["id"], "first", text)


def test_an_x_reply_is_charged_to_the_accounts_month(
    synced_sqlite: Store, settings: Settings
) -> None:
    before, shown_before = month_cost(synced_sqlite), status_cost(synced_sqlite)
    answer_x(synced_sqlite, settings)
    assert run_worker(synced_sqlite, settings) == {"posted": 1}
    price = settings.account(X).prices.reply  # type: ignore[union-attr]
    assert month_cost(synced_sqlite) == pytest.approx(before + price)
    assert status_cost(synced_sqlite) == pytest.approx(shown_before + price)
    with synced_sqlite.engine.connect() as conn:
        assert conn.execute(sa.select(WRITE_CHARGE.c.what)).scalars().all() == ["answers"]


def test_a_reply_with_a_link_is_charged_at_the_link_price(
    synced_sqlite: Store, settings: Settings
) -> None:
    before = month_cost(synced_sqlite)
    answer_x(synced_sqlite, settings, "자세한 안내는 https://www.ydp.go.kr 를 참고해 주세요.")
    assert run_worker(synced_sqlite, settings) == {"posted": 1}
    price = settings.account(X).prices.reply_with_url  # type: ignore[union-attr]
    assert month_cost(synced_sqlite) == pytest.approx(before + price)


def test_hiding_an_x_reply_is_charged(synced_sqlite: Store, settings: Settings) -> None:
    before = month_cost(synced_sqlite)
    set_status(synced_sqlite, resident_comment(synced_sqlite, X)["id"], "숨김", upstream="hide")
    assert run_worker(synced_sqlite, settings) == {"platform_hide_done": 1}
    price = settings.account(X).prices.hide  # type: ignore[union-attr]
    assert month_cost(synced_sqlite) == pytest.approx(before + price)


def spend_almost_all(store: Store, settings: Settings) -> None:
    """Charge the month up to a tenth of a cent under the X account's budget."""
    budget = settings.account(X).monthly_budget  # type: ignore[union-attr]
    left = budget - month_cost(store) - 0.001
    with store.engine.begin() as conn:
        account_id = conn.execute(sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == X)).scalar_one()
        conn.execute(
            sa.insert(WRITE_CHARGE).values(
                account_id=account_id, at=datetime.now(SEOUL), what="answers", cost=left
            )
        )


def test_a_reply_over_the_monthly_budget_is_refused_before_calling_until_next_month(
    synced_sqlite: Store, settings: Settings, sandbox: object
) -> None:
    spend_almost_all(synced_sqlite, settings)
    answer_id = answer_x(synced_sqlite, settings)
    posts_before = len(sandbox.requests.find("/2/tweets", method="POST"))  # type: ignore[attr-defined]
    assert run_worker(synced_sqlite, settings) == {"retry": 1}
    assert len(sandbox.requests.find("/2/tweets", method="POST")) == posts_before  # type: ignore[attr-defined]
    with synced_sqlite.engine.connect() as conn:
        row = conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()
    assert (row.state, row.error_kind, row.attempts) == ("approved", "budget", 0)
    assert "이번 달 X API 예산" in row.error_staff_message
    assert "다음 달 1일" in row.error_staff_message
    assert row.next_attempt_at == next_month_in_seoul()
    assert run_worker(synced_sqlite, settings) == {}  # not due again this month: no loop


def test_a_hide_over_the_monthly_budget_waits_for_next_month(
    synced_sqlite: Store, settings: Settings
) -> None:
    spend_almost_all(synced_sqlite, settings)
    set_status(synced_sqlite, resident_comment(synced_sqlite, X)["id"], "숨김", upstream="hide")
    assert run_worker(synced_sqlite, settings) == {"platform_hide_retry": 1}
    with synced_sqlite.engine.connect() as conn:
        row = conn.execute(sa.select(PLATFORM_ACTION)).one()
    assert (row.state, row.error_kind, row.attempts) == ("queued", "budget", 0)
    assert row.next_attempt_at == next_month_in_seoul()
