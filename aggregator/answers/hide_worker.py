"""The answers worker's second step: carry out the platform actions staff asked for
(hide or unhide a resident's comment upstream, `aggregator.answers.hiding`).

Hiding is idempotent on every platform (Facebook reads `is_hidden` first, X's hidden flag
is a state, WordPress answers the same status with a read), so a request interrupted by
a crash is simply carried out again. Rate limits and network errors (`RETRYABLE`) wait
`answers.retry_minutes`, doubled per attempt, up to `answers.max_attempts`, then `failed`;
anything else is `failed` at once with the writer's Korean staff message, shown on the
thread with a retry button. Each outcome is a `review_event` and an access-log record
naming who asked, when, and the MOIS reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aggregator.answers import hiding
from aggregator.answers.charges import next_month
from aggregator.answers.service import WORKER
from aggregator.answers.targets import hide_target
from aggregator.config import Settings
from aggregator.store import Store
from aggregator.store.answers_repo import (
    ACTION_DONE,
    ACTION_FAILED,
    ACTION_QUEUED,
    AccessEntry,
    AnswerUnit,
)
from connectors.common.reply import RETRYABLE, ReplyWriter, WriteError
from connectors.common.reply import WriteErrorKind as Kind

log = logging.getLogger(__name__)

MAX_ERROR = 500
OUTCOME_PREFIX = "platform_"
NO_TARGET = WriteError(
    Kind.INVALID,
    "the comment has no platform id to moderate",
    "이 댓글은 플랫폼에서 찾을 수 있는 번호가 없어 숨기거나 숨김 해제할 수 없습니다.",
)


NO_WRITER = WriteError(
    Kind.PERMISSION,
    "the account has no writer that can hide (no write credential, or not configured)",
    "이 계정에 글쓰기 토큰이 없어(또는 설정에서 빠져) 플랫폼에서 처리할 수 없습니다. "
    "관리자에게 알려 주세요.",
)


class PlatformActionStep:
    """Carries out due `platform_action` rows with the accounts' writers."""

    def __init__(self, store: Store, settings: Settings, writers: Mapping[str, ReplyWriter]):
        self.store = store
        self.settings = settings
        self.writers = writers

    def run(self, limit: int = 50, after_each: Callable[[], None] | None = None) -> Counter[str]:
        """Carry out up to `limit` due requests (calling `after_each` after each, to charge
        its cost); outcomes such as `platform_hide_done`."""
        outcomes: Counter[str] = Counter()
        hiders = [name for name, writer in self.writers.items() if writer.can_hide]
        stranded, due = self.store.answers.platform_actions_waiting(hiders, limit)
        for action_id in stranded:
            outcomes[self._give_up(action_id)] += 1
        for action_id in due:
            outcomes[self.carry_out(action_id)] += 1
            if after_each is not None:
                after_each()
        return outcomes

    def carry_out(self, action_id: int) -> str:
        """One request: call the platform, then record done, retry later, or failed."""
        row, target_row = self.store.answers.platform_action_with_target(action_id)
        if row is None or target_row is None or row["state"] != ACTION_QUEUED:
            return OUTCOME_PREFIX + "skipped"
        writer = self.writers.get(target_row["account"])
        target = hide_target(target_row)
        if writer is None or not writer.can_hide:
            return self._failed(row, NO_WRITER)
        try:
            if target is None:
                raise NO_TARGET
            writer.set_hidden(target, row["action"] == hiding.HIDE)
        except WriteError as error:
            return self._failed(row, error)
        except Exception as exc:  # an unexpected failure: worth another attempt later
            log.exception("platform action %s failed", action_id)
            return self._failed(row, WriteError(Kind.NETWORK, repr(exc), _unexpected()))
        return self._done(row)

    def _give_up(self, action_id: int) -> str:
        """A request no writer can carry out: failed, so staff see why instead of a request
        that stays 요청 중 forever."""
        row = self.store.answers.platform_action(action_id)
        if row is None or row["state"] != ACTION_QUEUED:
            return OUTCOME_PREFIX + "skipped"
        return self._failed(row, NO_WRITER)

    def _done(self, row: dict[str, Any]) -> str:
        now = self.store.clock()

        def store_done(unit: AnswerUnit) -> bool:
            if not unit.move_platform_action(
                row["id"], ACTION_QUEUED, state=ACTION_DONE, done_at=now,
                next_attempt_at=None, attempts=row["attempts"] + 1,
            ):  # fmt: skip
                return False
            what = "platform_hidden" if row["action"] == hiding.HIDE else "platform_unhidden"
            _log(unit, row, what, {}, now)
            return True

        if not self.store.answers.answer_step(store_done):
            return OUTCOME_PREFIX + "superseded"
        return f"{OUTCOME_PREFIX}{row['action']}_done"

    def _failed(self, row: dict[str, Any], error: WriteError) -> str:
        """Retry later (retryable, attempts left) or stop at `failed` for staff."""
        now = self.store.clock()
        section = self.settings.answers
        if error.kind == Kind.BUDGET:
            return self._next_month(row, error)
        attempts = row["attempts"] + 1
        retry = error.kind in RETRYABLE and attempts < section.max_attempts
        values: dict[str, Any] = {
            "attempts": attempts, "error_kind": error.kind.value,
            "error_message": error.message[:MAX_ERROR],
            "error_staff_message": error.staff_message[:MAX_ERROR], "next_attempt_at": None,
        }  # fmt: skip
        if retry:
            values["next_attempt_at"] = now + _backoff(section.retry_minutes, attempts, error)
        else:
            values["state"] = ACTION_FAILED

        def store_failed(unit: AnswerUnit) -> bool:
            if not unit.move_platform_action(row["id"], ACTION_QUEUED, **values):
                return False
            if not retry:
                detail = {"error": error.kind.value, "message": error.staff_message[:MAX_ERROR]}
                _log(unit, row, f"platform_{row['action']}_failed", detail, now)
            return True

        if not self.store.answers.answer_step(store_failed):
            return OUTCOME_PREFIX + "superseded"
        log.warning("platform action %s (%s): %s: %s", row["id"], row["action"], error.kind,
                    error.message)  # fmt: skip
        return f"{OUTCOME_PREFIX}{row['action']}_{'retry' if retry else 'failed'}"

    def _next_month(self, row: dict[str, Any], error: WriteError) -> str:
        """Refused for the budget before calling: queued until the writer's `retry_at`
        (YouTube's daily quota reset), else until the month turns (X)."""
        when = error.retry_at or next_month(self.store.clock(), self.settings.timezone)
        values = {
            "next_attempt_at": when,
            "error_kind": error.kind.value, "error_message": error.message[:MAX_ERROR],
            "error_staff_message": error.staff_message[:MAX_ERROR],
        }  # fmt: skip
        self.store.answers.move_platform_action(row["id"], ACTION_QUEUED, **values)
        return f"{OUTCOME_PREFIX}{row['action']}_retry"


def _log(
    unit: AnswerUnit, row: dict[str, Any], what: str, extra: dict[str, Any], now: datetime
) -> None:
    """The outcome's review event and access-log record: who asked, when, why."""
    detail = {
        "platform_action": row["id"], "requested_by": row["requested_by"],
        "requested_at": row["requested_at"].isoformat(), "reason": row["reason"], **extra,
    }  # fmt: skip
    current = unit.review(row["comment_id"], now)
    unit.record_review(WORKER, current, now, (what, detail))
    entry = AccessEntry(
        staff=WORKER.name, role=WORKER.role.value, action=what,
        target=f"comment:{row['comment_id']}", detail=detail,
    )  # fmt: skip
    unit.log_access(entry, now)


def _backoff(retry_minutes: int, attempts: int, error: WriteError) -> timedelta:
    """`retry_minutes` doubled per attempt made, at least what the platform asked for."""
    wait = timedelta(minutes=retry_minutes * 2 ** (attempts - 1))
    if error.retry_after_seconds is not None:
        wait = max(wait, timedelta(seconds=error.retry_after_seconds))
    return wait


def _unexpected() -> str:
    return "플랫폼 요청 중 예기치 않은 오류가 났습니다. 잠시 후 자동으로 다시 시도합니다."
