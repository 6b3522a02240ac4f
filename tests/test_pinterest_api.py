"""The pure parts of the Pinterest API adapter: the daily call budget.

(Its 429 wait times are the shared policy's: tests/test_http_policy.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from requests.structures import CaseInsensitiveDict

from aggregator.connector import BudgetExhausted
from aggregator.http import Response
from connectors.pinterest.api import CallBudget, budget_day

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
