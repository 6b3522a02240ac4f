"""Charging what the answers worker's platform calls cost to each account: X's dollars to
its month, next to its sync runs' cost, and YouTube's quota units to the day's quota its
reads share (the `quota_writes` cursor), so `aggregator status` and every budget check
see them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from aggregator.records import Batch, JSONValue
from aggregator.store import Store
from aggregator.timeutil import month_start
from connectors.common.reply import MeteredWriter, QuotaWriter, ReplyWriter, SaveCursor


class WriteCharges:
    """Keeps the metered writers' `spent_before` current and charges their new spend; opens
    the quota writers' day from their accounts' cursors, with a way to store their count."""

    def __init__(self, store: Store, timezone: str, writers: Mapping[str, ReplyWriter]):
        self.store = store
        self.timezone = timezone
        self.metered = {n: w for n, w in writers.items() if isinstance(w, MeteredWriter)}
        self.quota = {n: w for n, w in writers.items() if isinstance(w, QuotaWriter)}
        self.charged: dict[str, float] = {}

    def begin(self) -> None:
        """Tell each metered writer what its account's month has spent so far, and each
        quota writer what its account's cursors count for today."""
        for name, quota_writer in self.quota.items():
            account_id = self._account_id(name)
            cursors = self.store.sync.cursors(account_id) if account_id is not None else {}
            units = self.store.sync.daily_units(account_id) if account_id is not None else None
            quota_writer.open_quota(cursors, self.store.clock, self._saver(account_id), units)
        for name, writer in self.metered.items():
            account_id = self.store.answers.writer_account_id(name)
            month = 0.0
            if account_id is not None:
                month = self.store.sync.month_usage(account_id, self.timezone).cost
            self.charged[name] = writer.spent
            writer.spent_before = month - writer.spent

    def record(self, what: str) -> None:
        """Charge what each metered writer spent since the last record."""
        now = self.store.clock()
        for name, writer in self.metered.items():
            new = writer.spent - self.charged.get(name, 0.0)
            if new <= 0:
                continue
            self.store.answers.charge_writes(name, what, new, now)
            self.charged[name] = writer.spent

    def _saver(self, account_id: int | None) -> SaveCursor:
        """Stores a quota writer's cursor for its account (nothing before its first sync:
        no comment of it can be answered yet)."""

        def save(stream: str, value: JSONValue) -> None:
            if account_id is not None:
                self.store.sync.apply_batch(
                    account_id, Batch(stream, cursor_updates={stream: value})
                )

        return save

    def _account_id(self, name: str) -> int | None:
        return self.store.answers.writer_account_id(name)


def next_month(now: datetime, timezone: str) -> datetime:
    """When the next calendar month begins in the office's time zone: a call refused for the
    monthly budget is tried again then."""
    return month_start(month_start(now, timezone) + timedelta(days=32), timezone)
