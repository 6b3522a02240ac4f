"""The pure parts of the Pinterest API adapter: the daily call budget and 429 wait times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from requests.structures import CaseInsensitiveDict

from aggregator.connector import BudgetExhausted
from aggregator.http import Response
from connectors.pinterest.api import (
    NO_HEADER_BACKOFF_SECONDS,
    CallBudget,
    budget_day,
    rate_limit_delay,
)

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


def too_many(**headers: str) -> Response:
    return Response("https://api.example/v5/boards", 429, CaseInsensitiveDict(headers), b"")


def test_budget_days_are_korean_calendar_days() -> None:
    assert budget_day(datetime(2026, 11, 19, 14, 59, tzinfo=UTC)) == "2026-11-19"
    assert budget_day(datetime(2026, 11, 19, 15, 0, tzinfo=UTC)) == "2026-11-20"


def test_budget_keeps_todays_count_and_starts_again_on_a_new_day() -> None:
    stored = {"day": "2026-11-20", "calls": 37, "limit": 1000}
    assert CallBudget.load(stored, 1000, NOW).calls == 37
    assert CallBudget.load(stored, 1000, NOW + timedelta(hours=15)).calls == 0
    assert CallBudget.load({"day": "2026-11-20", "calls": "x"}, 1000, NOW).calls == 0
    assert CallBudget.load(None, 1000, NOW) == CallBudget(1000, "2026-11-20", 0)


def test_budget_refuses_calls_that_could_exceed_the_limit() -> None:
    budget = CallBudget(10, "2026-11-20", 7)
    budget.check(3)
    with pytest.raises(BudgetExhausted, match="7 of 10 calls used on 2026-11-20"):
        budget.check(4)
    budget.spend(3)
    assert budget.dump() == {"day": "2026-11-20", "calls": 10, "limit": 10}


def test_retry_after_seconds_win_over_the_reset_header() -> None:
    assert (
        rate_limit_delay(too_many(**{"Retry-After": "12", "x-ratelimit-reset": "90"}), NOW, 0) == 12
    )


def test_retry_after_may_be_an_http_date() -> None:
    response = too_many(**{"Retry-After": "Fri, 20 Nov 2026 00:00:45 GMT"})
    assert rate_limit_delay(response, NOW, 0) == 45


def test_reset_header_in_seconds_or_as_a_unix_time() -> None:
    assert rate_limit_delay(too_many(**{"x-ratelimit-reset": "90"}), NOW, 0) == 90
    epoch = str(int(NOW.timestamp()) + 120)
    assert rate_limit_delay(too_many(**{"x-ratelimit-reset": epoch}), NOW, 0) == 120
    past = str(int(NOW.timestamp()) - 5)
    assert rate_limit_delay(too_many(**{"x-ratelimit-reset": past}), NOW, 0) == 0


def test_without_headers_the_wait_backs_off_exponentially() -> None:
    waits = [rate_limit_delay(too_many(), NOW, n) for n in range(3)]
    assert waits == [NO_HEADER_BACKOFF_SECONDS * f for f in (1, 2, 4)]


@pytest.mark.parametrize("value", ["soon", "nan", "inf", ""])
def test_unusable_headers_fall_back_to_backoff(value: str) -> None:
    response = too_many(**{"Retry-After": value, "x-ratelimit-reset": value})
    assert rate_limit_delay(response, NOW, 0) == NO_HEADER_BACKOFF_SECONDS
