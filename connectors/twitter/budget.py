"""The X monthly budget of a run: each call's worst case checked before it is made, the
cost of what was read added up.

The worst case is `max_results` x the endpoint's unit price, checked against
`monthly_budget` minus this month's spend (earlier runs plus this one); when it does not
fit, the run stops with `BudgetExhausted` (status `budget_exhausted`). X bills by its own
counters; this is our estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.connector import BudgetExhausted


@dataclass
class Meter:
    """The month's budget: refuses calls whose worst case does not fit, adds up the cost."""

    budget: float
    spent_before: float
    spent: float = 0.0

    def reserve(self, price: float, items: int, what: str) -> None:
        """Raise `BudgetExhausted` when `items` x `price` more would exceed the budget."""
        worst = price * items
        spent = self.spent_before + self.spent
        if spent + worst > self.budget + 1e-9:
            raise BudgetExhausted(
                f"X monthly budget ${self.budget:.2f} would be exceeded: ${spent:.3f} spent "
                f"this month and the next call ({what}) may cost up to ${worst:.3f}; "
                "the next month (or a larger monthly_budget) resumes"
            )

    def charge(self, price: float, items: int) -> float:
        """Record the cost of `items` read at `price`; return it."""
        cost = price * items
        self.spent += cost
        return cost
