"""The review inbox (owner: the web's inbox, thread and dashboard pages, the demo desk):
list pages and totals, threads, review actions, dashboard counts, the search index, and
hand-entered comments with their "check this post" items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from aggregator.db import read_connection, write_transaction
from aggregator.store import checks, dashboard, inbox, inbox_query, open_items, reviews, search
from aggregator.store.base import Repository
from aggregator.store.checks import ForgottenAuthor, ManualComment
from aggregator.store.dashboard import DashboardCounts
from aggregator.store.inbox_query import (
    ANSWER_STATES,
    Cursor,
    Deadlines,
    DueWindow,
    InboxFilter,
    Scope,
)
from aggregator.store.reviews import HANDLERS, BulkResult, ReviewAction, ReviewContext
from aggregator.workflow import Actor

__all__ = [
    "ANSWER_STATES",
    "HANDLERS",
    "BulkResult",
    "Cursor",
    "DashboardCounts",
    "Deadlines",
    "DueWindow",
    "ForgottenAuthor",
    "InboxFilter",
    "InboxRepository",
    "ManualComment",
    "ReviewAction",
    "ReviewContext",
    "Scope",
]


class InboxRepository(Repository):
    """Review inbox reads and writes, and hand entry."""

    # inbox -------------------------------------------------------------------
    def inbox_page(
        self,
        f: InboxFilter,
        scope: Scope,
        deadlines: Deadlines,
        cursor: Cursor | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], Cursor | None]:
        """One page of the inbox, newest first, and the cursor of the next page (or None)."""
        with read_connection(self.engine) as conn:
            keys = inbox_query.page_ids(conn, f, scope, deadlines, cursor, limit)
            rows = inbox.rows_for(conn, [key for key, _at in keys[:limit]])
        following = keys[limit - 1] if len(keys) > limit else None
        return rows, (following[1], following[0]) if following else None

    def inbox_totals(
        self, f: InboxFilter, scope: Scope, deadlines: Deadlines, cap: int
    ) -> tuple[tuple[int, bool], tuple[int, bool]]:
        """(count, exact) of all and of overdue comments of the filter, each counted up
        to `cap + 1` (see `inbox_query.count_up_to`)."""
        with read_connection(self.engine) as conn:
            total = inbox_query.count_up_to(conn, f, scope, deadlines, cap)
            late = replace(f, overdue=True)
            overdue = inbox_query.count_up_to(conn, late, scope, deadlines, cap)
        return total, overdue

    def next_in_list(
        self, f: InboxFilter, scope: Scope, deadlines: Deadlines, after: Cursor
    ) -> int | None:
        """The id of the item that follows `after` in the filtered list, or None."""
        with read_connection(self.engine) as conn:
            keys = inbox_query.page_ids(conn, f, scope, deadlines, after, 1)
        return keys[0][0] if keys else None

    def status_counts(self, scope: Scope) -> dict[str, int]:
        """Comments per status in the viewer's scope."""
        with read_connection(self.engine) as conn:
            return inbox.status_counts(conn, scope)

    def dashboard_counts(
        self, scope: Scope, windows: Mapping[str, DueWindow], today: datetime
    ) -> DashboardCounts:
        """The dashboard's counts (new since `today`, open items per due window and
        department, answers waiting), read by one statement (one consistent view)."""
        with read_connection(self.engine) as conn:
            return dashboard.read_all(conn, scope, windows, today)

    def rebuild_open_items(self) -> int:
        """Recompute the dashboard's open items from scratch; return how many are open."""
        with write_transaction(self.engine) as conn:
            return open_items.rebuild(conn)

    def thread(self, comment_id: int) -> dict[str, Any] | None:
        """A comment with its post, parents, siblings, replies, revisions and review."""
        with read_connection(self.engine) as conn:
            return inbox.thread(conn, comment_id)

    def review(
        self, actor: Actor, ids: list[int], action: ReviewAction, ctx: ReviewContext
    ) -> BulkResult:
        """Apply a review action to one or many comments in one transaction."""
        with write_transaction(self.engine) as conn:
            return reviews.apply_many(conn, actor, ids, action, ctx)

    def rebuild_search_index(self) -> int:
        """Re-index every comment's text (after an upgrade of the bigram rules)."""
        with write_transaction(self.engine) as conn:
            return search.rebuild(conn)

    # manual comments and check items -------------------------------------------
    def find_post(self, reference: str, platform: str | None = None) -> int | None:
        """The id of the post with this URL (query and fragment ignored) or external id."""
        with read_connection(self.engine) as conn:
            return checks.find_post(conn, reference, platform)

    def add_manual_comments(
        self, comments: Sequence[checks.ManualComment], entered_by: str
    ) -> tuple[int, int]:
        """Store hand-entered comments in one transaction; return (added, already present).

        Raises:
            ForgottenAuthor: a comment's author was forgotten on request (PIPA); nothing
                is stored.
        """
        with write_transaction(self.engine) as conn:
            refused = checks.forgotten_in(conn, comments, self.privacy_key)
            if refused:
                raise checks.ForgottenAuthor(refused)
            return checks.add_manual_comments(conn, comments, entered_by, self.clock(), self.router)

    def check_items(self, include_closed: bool = False) -> list[dict[str, Any]]:
        """ "Check this post" items, open ones first."""
        with read_connection(self.engine) as conn:
            return checks.list_items(conn, include_closed)

    def dismiss_check_item(self, item_id: int, by: str, note: str | None = None) -> bool:
        """Close an open check item without entering comments; False when not open."""
        with write_transaction(self.engine) as conn:
            return checks.dismiss(conn, item_id, by, note, self.clock())
