"""The sending worker: posts approved answers to their platforms, exactly once.

Exactly once, step by step (PLATFORMS-WRITE.md §7):

1. One worker at a time: the service lease `answers` (`store.sync`'s service leases).
2. Before calling the platform, the answer is marked `sending` with `send_started_at`
   and committed; the exact text and the target are already stored.
3. On success the platform's id, our external id, the URL and `posted_at` are stored in
   the same transaction as the move to `posted` (and the review status that follows).
4. An answer found in `sending` when the worker starts was interrupted (a crash, kill -9)
   after step 2: it is first looked up on the platform (`find_reply`, the district's
   replies with the same text since `send_started_at` minus a small skew) and marked
   posted if found; only if it is not there is it sent again.
5. Errors: rate limits and network errors (`RETRYABLE`) wait `retry_minutes`, doubled
   each time, up to `max_attempts`, then `failed`; a network error or a duplicate refusal
   is read back first (the write may have happened); anything else is `failed` with the
   writer's staff message. Nothing is ever dropped: a failed answer waits for staff.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aggregator.answers.charges import WriteCharges
from aggregator.answers.charges import next_month as next_month_start
from aggregator.answers.hide_worker import PlatformActionStep
from aggregator.answers.service import WORKER, answer_visible
from aggregator.answers.states import AnswerState
from aggregator.answers.targets import reply_target
from aggregator.config import Schedule, Settings
from aggregator.http import HttpClient
from aggregator.store import Store
from aggregator.store.answers_repo import AnswerUnit
from aggregator.store.sync_repo import Holder
from connectors.common.reply import (
    RETRYABLE,
    AuthRecheck,
    PostedReply,
    ReplyTarget,
    ReplyWriter,
    WriteError,
)
from connectors.common.reply import WriteErrorKind as Kind

if TYPE_CHECKING:
    from aggregator.scheduling import ExtraJob

log = logging.getLogger(__name__)

LEASE_NAME = "answers"
LEASE_TTL = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=2)
"""How far before `send_started_at` a read-back looks (the platform's clock may differ)."""
MAX_ERROR = 500

STRANDED_MESSAGE = (
    "이 계정에 글쓰기 토큰이 없어 게시 여부를 자동으로 확인할 수 없습니다. 플랫폼에서 게시 "
    "여부를 확인한 뒤 '게시함' 또는 '다시 보내기'를 눌러 주세요."
)
"""Staff's message for an answer found in `sending` whose account has no writer any more."""

WriterFor = Callable[[Any, HttpClient], ReplyWriter | None]
"""`connectors.writers.writer_for`: an account's writer, or None (no write API or token)."""


class WorkerBusy(RuntimeError):
    """Another worker holds the `answers` lease."""


@dataclass
class SendReport:
    """What one run did: answers per outcome (posted, recovered, retry, failed, needs_check)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    answers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Answers that now need a person."""
        failed_upstream = sum(n for k, n in self.outcomes.items() if k.endswith("_failed"))
        return self.outcomes["failed"] + self.outcomes["needs_check"] + failed_upstream


def default_writer_for() -> WriterFor:
    """The platform writers' factory, imported only when the worker runs."""
    from connectors.writers import writer_for

    factory: WriterFor = writer_for
    return factory


class AnswerWorker:
    """Sends due answers for every account that has a writer."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        http: HttpClient,
        writer_for: WriterFor | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        factory = writer_for or default_writer_for()
        self.writers = _writers(settings, http, factory)

    def run(self, limit: int = 50, holder: Holder | None = None) -> SendReport:
        """Send up to `limit` due answers under the `answers` lease; `WorkerBusy` if taken."""
        holder = holder or Holder.this_process()
        taken = self.store.sync.acquire_service_lease(LEASE_NAME, holder, LEASE_TTL)
        if taken is not None:
            raise WorkerBusy(f"another answers worker is running ({taken.encode()})")
        report = SendReport()
        charges = WriteCharges(self.store, self.settings.timezone, self.writers)
        try:
            charges.begin()
            for writer in self.writers.values():
                if isinstance(writer, AuthRecheck):
                    writer.recheck_auth()
            stranded, due = self.store.answers.answers_waiting(self.writers.keys(), limit)
            for answer_id in stranded:
                outcome = self._strand(answer_id)
                report.outcomes[outcome] += 1
                report.answers.append({"id": answer_id, "outcome": outcome})
            for answer_id in due:
                outcome = self.send(answer_id)
                charges.record("answers")
                report.outcomes[outcome] += 1
                report.answers.append({"id": answer_id, "outcome": outcome})
                if not self.store.sync.renew_service_lease(LEASE_NAME, holder, LEASE_TTL):
                    log.warning("answers lease lost: stopping after answer %s", answer_id)
                    return report
            step = PlatformActionStep(self.store, self.settings, self.writers)
            report.outcomes.update(step.run(limit, lambda: charges.record("platform_actions")))
        finally:
            self.store.sync.release_service_lease(LEASE_NAME, holder)
        return report

    def send(self, answer_id: int) -> str:
        """Handle one due answer; return its outcome."""
        answer, target_row = self.store.answers.answer_with_target(answer_id)
        if answer is None or target_row is None:
            return "skipped"
        target = reply_target(target_row)
        writer = self.writers.get(target_row["account"])
        if target is None or writer is None:
            return self._strand(answer_id) if answer["state"] == AnswerState.SENDING else "skipped"
        if answer["state"] == AnswerState.SENDING:
            since = answer["send_started_at"] - CLOCK_SKEW
            found = self._read_back(answer, writer, target, since)
            if found is not None:
                return "recovered" if isinstance(found, PostedReply) else found
        elif answer["state"] != AnswerState.APPROVED:
            return "skipped"
        return self._post(answer, writer, target)

    # steps --------------------------------------------------------------------------
    def _read_back(
        self, answer: dict[str, Any], writer: ReplyWriter, target: ReplyTarget, since: datetime
    ) -> PostedReply | str | None:
        """Look for the answer on the platform: the reply (now stored as posted), None when
        it is not there, or an outcome when the platform could not be read."""
        try:
            found = writer.find_reply(target, answer["text"], since)
        except WriteError as error:
            return self._unknown(answer, error)
        if found is not None:
            self._posted(answer, found)
        return found

    def _post(self, answer: dict[str, Any], writer: ReplyWriter, target: ReplyTarget) -> str:
        started = self._mark_sending(answer)
        if started is None:
            return "skipped"
        try:
            posted = writer.post_reply(target, answer["text"])
        except WriteError as error:
            return self._after_error(started, writer, target, error)
        except Exception as exc:  # an unexpected failure: the write may have happened
            log.exception("writer failed on answer %s", answer["id"])
            unconfirmed = WriteError(Kind.NETWORK, repr(exc), "게시 결과를 확인하지 못했습니다")
            return self._after_error(started, writer, target, unconfirmed)
        self._posted(started, posted)
        return "posted"

    def _mark_sending(self, answer: dict[str, Any]) -> dict[str, Any] | None:
        """Commit `sending` with the start time before any call; None when it moved."""
        values = {
            "state": AnswerState.SENDING.value,
            "send_started_at": self.store.clock(),
            "attempts": answer["attempts"] + 1,
        }
        if not self.store.answers.move_answer(answer["id"], answer["state"], **values):
            return None
        return {**answer, **values}

    def _after_error(
        self, answer: dict[str, Any], writer: ReplyWriter, target: ReplyTarget, error: WriteError
    ) -> str:
        """A network error or a duplicate refusal may hide a reply that exists: read back."""
        if error.kind in (Kind.NETWORK, Kind.DUPLICATE):
            since = (
                answer["send_started_at"] if error.kind == Kind.NETWORK else answer["created_at"]
            ) - CLOCK_SKEW
            found = self._read_back(answer, writer, target, since)
            if isinstance(found, PostedReply):
                return "recovered"
            if isinstance(found, str):
                return found
            if error.kind == Kind.DUPLICATE:
                return self._failed(answer, error, AnswerState.NEEDS_CHECK)
        return self._failed(answer, error)

    def _posted(self, answer: dict[str, Any], reply: PostedReply) -> None:
        """The platform holds the reply: store it and move on, in one transaction."""
        now = self.store.clock()

        def store_posted(unit: AnswerUnit) -> None:
            moved = unit.move_answer(
                answer["id"], AnswerState.SENDING.value,
                state=AnswerState.POSTED.value, posted_at=now,
                platform_reply_id=reply.platform_id, reply_external_id=reply.external_id,
                reply_url=reply.url, next_attempt_at=None,
                error_kind=None, error_message=None, error_staff_message=None,
            )  # fmt: skip
            if not moved:
                raise RuntimeError(f"answer {answer['id']} left `sending` while being posted")
            unit.link_posted(answer["id"], reply.external_id)
            current = unit.review(answer["comment_id"], now)
            answer_visible(unit, WORKER, {**answer, "reply_url": reply.url}, current, now,
                           "answer_posted")  # fmt: skip

        self.store.answers.answer_step(store_posted)

    def _strand(self, answer_id: int) -> str:
        """An answer left `sending` that no writer can read back or resend: `needs_check`,
        so staff confirm it by hand ('게시함') or send it again ('다시 보내기')."""
        values = {
            "state": AnswerState.NEEDS_CHECK.value,
            "error_kind": "no_writer",
            "error_message": "the account has no write credential: cannot read back or resend",
            "error_staff_message": STRANDED_MESSAGE,
            "next_attempt_at": None,
        }
        moved = self.store.answers.move_answer(answer_id, AnswerState.SENDING.value, **values)
        if not moved:
            return "skipped"
        log.warning("answer %s: left sending and its account has no writer: needs_check", answer_id)
        return AnswerState.NEEDS_CHECK.value

    def _unknown(self, answer: dict[str, Any], error: WriteError) -> str:
        """The platform could not be read back: the reply may exist, so the answer stays
        `sending` (read back again at `next_attempt_at`) or, out of attempts, needs a
        person (`needs_check`); it is never sent again blindly."""
        now = self.store.clock()
        section = self.settings.answers
        attempts = answer["attempts"] + 1
        values = _error_values(error)
        if error.kind == Kind.BUDGET:  # the read-back was not made: try it when it may be
            values["next_attempt_at"] = self._budget_retry(error, now)
            self.store.answers.move_answer(answer["id"], AnswerState.SENDING.value, **values)
            return "unknown"
        if attempts < section.max_attempts:
            values["next_attempt_at"] = now + _backoff(section.retry_minutes, attempts, error)
        else:
            values["state"] = AnswerState.NEEDS_CHECK.value
        self.store.answers.move_answer(
            answer["id"], AnswerState.SENDING.value, attempts=attempts, **values
        )
        log.warning("answer %s: read-back failed (%s): %s", answer["id"], error.kind, error.message)
        return "unknown" if attempts < section.max_attempts else AnswerState.NEEDS_CHECK.value

    def _failed(
        self, answer: dict[str, Any], error: WriteError, final: AnswerState | None = None
    ) -> str:
        """Retry later (retryable, attempts left) or stop at `failed`/`needs_check`."""
        now = self.store.clock()
        section = self.settings.answers
        attempts = max(answer["attempts"], 1)
        retry = final is None and error.kind in RETRYABLE and attempts < section.max_attempts
        next_month = final is None and error.kind == Kind.BUDGET
        state = AnswerState.APPROVED if retry or next_month else (final or AnswerState.FAILED)
        values = {"state": state.value, **_error_values(error)}
        if retry:
            values["next_attempt_at"] = now + _backoff(section.retry_minutes, attempts, error)
        if next_month:  # refused before calling: the attempt is not counted
            values.update(next_attempt_at=self._budget_retry(error, now),
                          attempts=answer["attempts"] - 1)  # fmt: skip
        self.store.answers.move_answer(answer["id"], answer["state"], **values)
        log.warning("answer %s: %s (%s): %s", answer["id"], state, error.kind, error.message)
        return "retry" if retry or next_month else state.value

    def _budget_retry(self, error: WriteError, now: datetime) -> datetime:
        """When a call refused for the budget is tried again: the writer's `retry_at`
        (YouTube: after the daily quota resets), else the next month (X)."""
        return error.retry_at or next_month_start(now, self.settings.timezone)


def _error_values(error: WriteError) -> dict[str, Any]:
    return {
        "error_kind": error.kind.value,
        "error_message": error.message[:MAX_ERROR],
        "error_staff_message": error.staff_message[:MAX_ERROR],
        "next_attempt_at": None,
    }


def _backoff(retry_minutes: int, attempts: int, error: WriteError) -> timedelta:
    """`retry_minutes` doubled per attempt made, at least what the platform asked for."""
    wait = timedelta(minutes=retry_minutes * 2 ** (attempts - 1))
    if error.retry_after_seconds is not None:
        wait = max(wait, timedelta(seconds=error.retry_after_seconds))
    return wait


def _writers(settings: Settings, http: HttpClient, factory: WriterFor) -> dict[str, ReplyWriter]:
    """Every enabled account's writer, by account name (accounts without one are left out:
    their answers are copied and confirmed by hand)."""
    found: dict[str, ReplyWriter] = {}
    for account in _enabled(settings.accounts):
        writer = factory(account, http)
        if writer is not None:
            found[account.name] = writer
    return found


def _enabled(accounts: Iterable[Any]) -> list[Any]:
    return [a for a in accounts if a.enabled]


JOB_ID = "answers"
JOB_SCHEDULE = Schedule(interval_minutes=1)


def scheduled_send(store: Store, settings: Settings) -> None:
    """The scheduler's `answers` job: one worker run (skipped while cron's runs)."""
    from aggregator.runner import http_settings

    try:
        http = HttpClient(settings=http_settings(settings))
        report = AnswerWorker(store, settings, http, default_writer_for()).run()
    except WorkerBusy as exc:
        log.info("answers job skipped: %s", exc)
        return
    if report.outcomes:
        log.info("answers job: %s", dict(report.outcomes))


def answers_jobs(_settings: Settings) -> list[ExtraJob]:
    """The scheduler's `answers` job (every minute, one at a time; `scheduler.py` lists it)."""
    from aggregator.scheduling import ExtraJob

    return [ExtraJob(JOB_ID, JOB_SCHEDULE, scheduled_send)]
