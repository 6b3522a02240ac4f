"""Answering residents (owner: `aggregator.answers`: the staff steps, the sending worker,
template management, platform actions and the charges of their calls): answer rows and
their outbox states, templates, hide/unhide requests and what the writers' calls cost.

A single statement is one method here. A step that must be atomic over several
statements (a staff step: lock the answer, check, move it, write its review event and
access-log record; the worker storing a posted reply) runs as `answer_step(step)`: one
write transaction in which `step` gets an `AnswerUnit`, the typed operations on that
transaction; an exception raised by `step` rolls the whole step back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from aggregator.store import access_log, answers, platform_actions, review_rows
from aggregator.store.access_log import AccessEntry
from aggregator.store.base import Repository
from aggregator.workflow import Actor

__all__ = [
    "ACTION_DONE",
    "ACTION_FAILED",
    "ACTION_QUEUED",
    "AccessEntry",
    "AnswerUnit",
    "AnswersRepository",
]

ACTION_QUEUED = platform_actions.QUEUED
ACTION_DONE = platform_actions.DONE
ACTION_FAILED = platform_actions.FAILED
"""A platform action's states: waiting (or retrying), carried out, given up."""

T = TypeVar("T")
Row = dict[str, Any]


class AnswerUnit:
    """The operations of one `answer_step`, all inside its write transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # answers ------------------------------------------------------------------------
    def answer(self, answer_id: int, lock: bool = False) -> Row | None:
        """One answer (locked until the step ends when `lock`), or None."""
        return answers.get(self._conn, answer_id, for_update=lock)

    def in_flight(self, comment_id: int) -> Row | None:
        """The comment's answer still on its way (draft to needs_check), if any."""
        return answers.in_flight(self._conn, comment_id)

    def target_row(self, comment_id: int) -> Row:
        """What the comment's reply target is built from (`targets.reply_target`)."""
        return answers.target_row(self._conn, comment_id)

    def insert_answer(self, **values: Any) -> int:
        """Store a new answer; return its id."""
        return answers.insert(self._conn, **values)

    def move_answer(self, answer_id: int, expected_state: str, /, **values: Any) -> bool:
        """Change an answer still in `expected_state`; False when it moved meanwhile."""
        return answers.update(self._conn, answer_id, expected_state, **values)

    def link_posted(self, answer_id: int, external_id: str) -> None:
        """Link a just-posted answer to its reply if a sync already stored it."""
        answers.link_posted(self._conn, answer_id, external_id)

    # the comment's review and the access log -----------------------------------------
    def review(self, comment_id: int, now: datetime) -> Row:
        """The comment's review row (created as 신규 on first touch), locked."""
        return review_rows.load(self._conn, comment_id, now)

    def record_review(
        self,
        actor: Actor,
        current: Row,
        now: datetime,
        event: tuple[str, dict[str, Any]],
        **values: Any,
    ) -> None:
        """Write the review row's new `values` and the history event."""
        review_rows.record(self._conn, actor, current, now, event, **values)

    def log_access(self, entry: AccessEntry, now: datetime) -> None:
        """Append one record to the PIPA access log."""
        access_log.append(self._conn, entry, now)

    # templates ----------------------------------------------------------------------
    def template(self, template_id: int, lock: bool = True) -> Row | None:
        """One template (locked until the step ends when `lock`), or None."""
        return answers.get_template(self._conn, template_id, for_update=lock)

    def insert_template(self, **values: Any) -> int:
        """Store a new template; return its id."""
        return answers.insert_template(self._conn, **values)

    def update_template(self, template_id: int, /, **values: Any) -> bool:
        """Change a template's title, body or department; False when there is none."""
        return answers.update_template(self._conn, template_id, **values)

    def set_template_active(self, template_id: int, active: bool) -> bool:
        """Retire (or bring back) a template; False when there is none."""
        return answers.set_template_active(self._conn, template_id, active)

    # platform actions ---------------------------------------------------------------
    def move_platform_action(self, action_id: int, expected_state: str, /, **values: Any) -> bool:
        """Change a platform action still in `expected_state`; False when it moved."""
        return platform_actions.update(self._conn, action_id, expected_state, **values)


class AnswersRepository(Repository):
    """Answers, templates, platform actions and write charges."""

    def answer_step(self, step: Callable[[AnswerUnit], T]) -> T:
        """Run `step` in one write transaction (committed when it returns, rolled back
        when it raises); return what it returned."""
        with self.db.write() as conn:
            return step(AnswerUnit(conn))

    # answers: reading ---------------------------------------------------------------
    def answers_to(self, comment_id: int) -> list[Row]:
        """Every answer to a comment, oldest first (`synced`: read back by a sync)."""
        with self.db.read() as conn:
            return answers.for_comment(conn, comment_id)

    def answer(self, answer_id: int) -> Row | None:
        """One answer, or None."""
        with self.db.read() as conn:
            return answers.get(conn, answer_id)

    def reply_target_row(self, comment_id: int) -> Row:
        """What the comment's reply target is built from (`targets.reply_target`)."""
        with self.db.read() as conn:
            return answers.target_row(conn, comment_id)

    def answer_with_target(self, answer_id: int) -> tuple[Row | None, Row | None]:
        """An answer and its comment's reply-target row, read together (None, None when
        there is no such answer)."""
        with self.db.read() as conn:
            answer = answers.get(conn, answer_id)
            target_row = answers.target_row(conn, answer["comment_id"]) if answer else None
        return answer, target_row

    def answer_queue(
        self, states: Collection[str], department: str | None, limit: int
    ) -> list[Row]:
        """Answers in `states` (of `department`'s items when given), oldest first."""
        with self.db.read() as conn:
            return answers.queue(conn, states, department, limit)

    def answer_queue_count(self, states: Collection[str], department: str | None) -> int:
        """How many answers `answer_queue` would list without a limit."""
        with self.db.read() as conn:
            return answers.queue_count(conn, states, department)

    def answer_state_counts(self) -> dict[str, int]:
        """Answers per state (states without answers left out)."""
        with self.db.read() as conn:
            return answers.state_counts(conn)

    # answers: the worker ------------------------------------------------------------
    def answers_waiting(self, accounts: Collection[str], limit: int) -> tuple[list[int], list[int]]:
        """The worker's list, read in one write transaction: answers left `sending` whose
        account has no writer now (`accounts`: those with one), and the due answers of
        `accounts` (left `sending` first, then approved, oldest first)."""
        with self.db.write() as conn:
            stranded = answers.stranded(conn, accounts, limit)
            due = answers.due(conn, self.clock(), accounts, limit)
        return stranded, due

    def move_answer(self, answer_id: int, expected_state: str, /, **values: Any) -> bool:
        """Change an answer still in `expected_state` (committed at once); False when it
        moved meanwhile."""
        with self.db.write() as conn:
            return answers.update(conn, answer_id, expected_state, **values)

    # templates ----------------------------------------------------------------------
    def templates(self, department: str | None) -> list[Row]:
        """Active templates for a department (its own and the office-wide ones), by title."""
        with self.db.read() as conn:
            return answers.templates(conn, department)

    def template(self, template_id: int) -> Row | None:
        """One template, or None."""
        with self.db.read() as conn:
            return answers.get_template(conn, template_id)

    def all_templates(
        self, change_actions: Collection[str]
    ) -> tuple[list[Row], dict[int, dict[str, Any]]]:
        """Every template, retired ones too (the office's list order), and the last change
        of each as the access log records it among `change_actions` ({id: {at, staff}})."""
        with self.db.read() as conn:
            return answers.all_templates(conn), answers.template_changes(conn, change_actions)

    # platform actions and charges ---------------------------------------------------
    def platform_actions_waiting(
        self, accounts: Collection[str], limit: int
    ) -> tuple[list[int], list[int]]:
        """Queued hide/unhide requests whose account cannot hide (`accounts`: those that
        can), and the due ones of `accounts`, read together."""
        with self.db.read() as conn:
            stranded = platform_actions.stranded(conn, accounts, limit)
            due = platform_actions.due(conn, self.clock(), accounts, limit)
        return stranded, due

    def platform_action(self, action_id: int) -> Row | None:
        """One platform action, or None."""
        with self.db.read() as conn:
            return platform_actions.get(conn, action_id)

    def platform_action_with_target(self, action_id: int) -> tuple[Row | None, Row | None]:
        """A platform action and its comment's target row, read together."""
        with self.db.read() as conn:
            row = platform_actions.get(conn, action_id)
            target_row = answers.target_row(conn, row["comment_id"]) if row else None
        return row, target_row

    def move_platform_action(self, action_id: int, expected_state: str, /, **values: Any) -> bool:
        """Change a platform action still in `expected_state` (committed at once)."""
        with self.db.write() as conn:
            return platform_actions.update(conn, action_id, expected_state, **values)

    def writer_account_id(self, name: str) -> int | None:
        """The id of the account named `name`, or None before its first sync."""
        with self.db.read() as conn:
            return platform_actions.account_id(conn, name)

    def charge_writes(self, account: str, what: str, cost: float, now: datetime) -> None:
        """Charge `cost` dollars of `what` (answers, platform actions) to an account."""
        with self.db.write() as conn:
            platform_actions.charge(conn, account, what, cost, now)
