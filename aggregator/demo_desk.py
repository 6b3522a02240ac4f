"""The demo's staff at work: answers written, approved and posted during the replayed days.

After every sync of `aggregator demo`, `DemoDesk.work` plays one round of the office's
day: the communications office sorts every new comment once (`aggregator.demo_triage`):
it accepts the routing suggestion of complaints, answers questions itself, closes
thank-yous, residents' conversations and plain opinions as 답변 불요 with a configured
reason (`review.no_answer_reasons`), hides abuse, marks spam, and overlooks a few, which
go overdue. The department officers write a 1차 답변 (every other one from a 상용구) and
later a 최종 답변, the office approves what was written in an earlier round (and sends
the first one back once, which its writer corrects), and the real `AnswerWorker` posts
the approved answers to the sandbox (Facebook, X, WordPress, Instagram and YouTube, each
through its real writer); the next sync reads them back and links them.
Answers on accounts without write access are posted by hand and confirmed
(copy-and-confirm), as is a comment on the Naver blog (no comment API) entered by hand.

Everything runs on the sandbox's simulated clock (the store's clock in the demo), so the
replies the sandbox stores, `posted_at` and the 3-business-day deadline agree. In the last
round officers write a few 최종 답변, the office approves one, and the worker does not run:
the inbox shows answers in every state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aggregator.answers import templates
from aggregator.answers.service import AnswerService
from aggregator.answers.states import AnswerError, AnswerState
from aggregator.answers.worker import AnswerWorker
from aggregator.config import Settings
from aggregator.deadlines import overdue_cutoff
from aggregator.demo_triage import Decision, Move, triage
from aggregator.http import HttpClient
from aggregator.manual import ManualInputError, one_comment
from aggregator.runner import http_settings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.blog import naver_url
from aggregator.store import Store
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role, Status, WorkflowError
from connectors.writers import can_write

log = logging.getLogger(__name__)

OFFICE = Actor("demo-office", Role.COMMUNICATIONS)
OFFICERS = {
    "주차관리과": Actor("demo-parking", Role.DEPARTMENT, "주차관리과"),
    "청소행정과": Actor("demo-cleaning", Role.DEPARTMENT, "청소행정과"),
    "환경과": Actor("demo-environment", Role.DEPARTMENT, "환경과"),
    "도로과": Actor("demo-roads", Role.DEPARTMENT, "도로과"),
}
"""One SNS officer per department the demo's routing rules name (demo logins too)."""
NAVER_ACCOUNT = "naver"
FINAL_AFTER = timedelta(days=1)
"""A department follows its posted 1차 답변 with a 최종 답변 after this long."""
LAST_FINALS = 3
"""최종 답변 written in the last round, left waiting for approval (one approved)."""
SEND_BACK_NOTE = "담당 부서 전화번호를 넣어 다시 올려 주세요."
TEMPLATES = (
    ("접수 안내 (1차 답변)", None,
     "안녕하세요, 한빛구청입니다. 말씀하신 내용은 {부서명}에 전달했으며 확인 후 다시 "
     "안내드리겠습니다. 문의: {부서명} {전화번호} (접수번호 {접수번호})"),
    ("처리 완료 (최종 답변)", None,
     "안녕하세요, 한빛구청 {부서명}입니다. 말씀하신 사항은 현장 확인 후 조치를 마쳤습니다. "
     "불편하신 점은 {전화번호}로 알려 주세요. (담당 {담당자}, 접수번호 {접수번호})"),
    ("짧은 접수 안내 (X)", None,
     "{부서명}에 전달했습니다. 확인 후 안내드리겠습니다. 문의 {전화번호} ({접수번호})"),
    ("불법주정차 신고 접수", "주차관리과",
     "주차관리과입니다. 신고하신 곳에 단속 요원이 나가 확인하겠습니다. 급한 경우 "
     "{전화번호}(주차단속 상황실)로 연락 주세요. ({접수번호})"),
    ("무단투기 신고 접수", "청소행정과",
     "청소행정과입니다. 말씀하신 곳을 확인해 수거하고 계도 안내문을 붙이겠습니다. "
     "문의 {전화번호} ({접수번호})"),
    ("소음 민원 접수", "환경과",
     "환경과입니다. 현장에서 소음을 측정해 기준을 넘으면 행정 조치하겠습니다. "
     "문의 {전화번호} ({접수번호})"),
    ("도로·가로등 보수 접수", "도로과",
     "도로과입니다. 현장을 확인한 뒤 보수 일정을 안내드리겠습니다. 문의 {전화번호} ({접수번호})"),
)  # fmt: skip
"""The demo's 상용구: (title, department or None for office-wide, body)."""


@dataclass
class Case:
    """A comment the desk answers: where it is, who answers it, what comes next."""

    comment_id: int
    account: str
    officer: Actor
    wants_final: bool
    """A 최종 답변 follows the 1차 답변 (every other case)."""
    permalink: str | None = None
    """Where the answer is posted by hand (accounts without write access)."""


def answering_accounts(settings: Settings) -> frozenset[str]:
    """The names of the accounts that post answers through their platform's API (a write
    API and a write credential: `connectors.writers.can_write`)."""
    return frozenset(a.name for a in settings.accounts if can_write(a))


class DemoDesk:
    """The office and the department officers answering during the demo's replay.

    The desk remembers its own open work (answers waiting for approval, answers sent back,
    cases waiting for their 최종 답변), so a round costs a few queries, not a scan.
    """

    def __init__(self, store: Store, settings: Settings, sandbox: Sandbox, every_hours: int):
        self.store = store
        self.settings = settings
        self.sandbox = sandbox
        self.answers = AnswerService(store, settings.answers)
        self.worker = AnswerWorker(store, settings, HttpClient(settings=http_settings(settings)))
        self.answering = answering_accounts(settings)
        """Accounts whose answers the worker posts; the others' are copied and confirmed."""
        self.round = 0
        self.seen: set[int] = set()
        """Comments the office has sorted (each once)."""
        self.cases: dict[int, Case] = {}
        self.pending: dict[int, Case] = {}
        """Answer id -> case, for answers waiting for the office's approval."""
        self.returned: dict[int, Case] = {}
        """Answer id -> case, for answers the office sent back."""
        self.finals: dict[int, Case] = {}
        """Comment id -> case whose 1차 답변 was approved and that wants a 최종 답변."""
        self.sent_back = False

    def seed_templates(self) -> None:
        """The demo's 상용구 (those already there are kept)."""
        known = {t["title"] for t in self.answers.template_list(OFFICE)}
        for title, department, body in TEMPLATES:
            if title not in known:
                self.answers.add_template(OFFICE, title, body, department)

    def work(self, last: bool) -> None:
        """One round after a sync: review, route and write, then post (not in the last
        round, whose approved answers wait for the worker)."""
        if self.round == 0:
            self._answer_by_hand()
        self._review()
        self._sort_new()
        self._resubmit()
        self._write_finals(self.store.clock())
        if last:
            self._finish_some()
            self._leave_waiting()
        else:
            self.worker.run()
        self.round += 1

    def _finish_some(self, most: int = LAST_FINALS) -> None:
        """The last round: officers write a 최종 답변 to a few of the newest cases whose
        1차 답변 was posted (they wait for approval when the demo ends)."""
        for comment_id in sorted(self.cases, reverse=True):
            if most <= 0:
                return
            found = self.answers.answers(comment_id)
            latest = found[-1] if found else None
            if latest is None or latest["state"] != AnswerState.POSTED or latest["kind"] != "first":
                continue
            self.finals.pop(comment_id, None)
            self._write(self.cases[comment_id], "final")
            most -= 1

    def _leave_waiting(self) -> None:
        """The last round: the office approves the oldest waiting answer (the worker does
        not run, so it waits to be posted) and leaves the others waiting for approval, so
        the inbox opens with answers in every state."""
        waiting = sorted(self.pending)
        if len(waiting) < 2:
            return
        try:
            self.answers.approve(OFFICE, waiting[0])
        except (AnswerError, WorkflowError) as exc:
            log.warning("demo: answer %s not approved: %s", waiting[0], exc)
            return
        del self.pending[waiting[0]]

    def counts(self) -> dict[str, int]:
        """Answers by state (every answer in the store)."""
        return self.answers.state_counts()

    # the office ---------------------------------------------------------------------
    def _sort_new(self) -> None:
        """Sort every new, unanswered comment not sorted before (`demo_triage.triage`)."""
        reasons = self.settings.review.no_answer_reasons
        f = InboxFilter(status=Status.NEW.value, answered=False)
        for row in self._inbox_all(f):
            if row["id"] in self.seen:
                continue
            self.seen.add(row["id"])
            decision = triage(row, tuple(OFFICERS), reasons)
            try:
                self._act(row, decision)
            except (AnswerError, WorkflowError) as exc:
                log.warning("demo: comment %s not sorted (%s): %s", row["id"], decision, exc)

    def _act(self, row: dict[str, Any], decision: Decision) -> None:
        """Carry out the office's decision on one comment."""
        comment_id, move = int(row["id"]), decision.move
        if move in (Move.ROUTE, Move.SPAM):
            action = ReviewAction(kind="accept_suggestion")
        elif move == Move.NO_ANSWER:
            action = ReviewAction(
                kind="status", status=Status.NO_ANSWER.value, reason=decision.reason
            )
        elif move == Move.HIDE:
            action = ReviewAction(kind="status", status=Status.HIDDEN.value, reason=decision.reason)
        elif move == Move.ANSWER:
            self._office_answer(row)
            return
        else:
            return
        result = self.store.inbox.review(OFFICE, [comment_id], action, self._context())
        if result.refused:
            raise WorkflowError(result.refused[0][1])
        officer = OFFICERS.get(row["suggested_department"] or "")
        if move == Move.ROUTE and officer is not None:
            final = comment_id % 2 == 0 and row["account"] in self.answering
            case = Case(comment_id, row["account"], officer, final, row["permalink"])
            self.cases[comment_id] = case
            self._write(case, "first")

    def _office_answer(self, row: dict[str, Any]) -> None:
        """The office answers a question itself (approved as written); posted by the
        worker where the account takes answers, else by hand and confirmed."""
        comment_id = int(row["id"])
        text = (
            "안녕하세요, 한빛구청입니다. 문의하신 내용은 구청 누리집 공지사항에서 확인하실 수 "
            f"있습니다. 더 궁금하신 점은 {self.settings.answers.office_phone}로 연락 주세요. "
            f"({templates.case_number(comment_id)})"
        )
        answer_id = self.answers.write(OFFICE, comment_id, "final", text)
        if row["account"] not in self.answering:
            self.answers.confirm_manual(OFFICE, answer_id, url=row["permalink"])

    def _review(self) -> None:
        """Approve the answers written in earlier rounds; send the first one back once."""
        for answer_id, case in list(self.pending.items()):
            del self.pending[answer_id]
            try:
                if not self.sent_back:
                    self.answers.send_back(OFFICE, answer_id, SEND_BACK_NOTE)
                    self.sent_back = True
                    self.returned[answer_id] = case
                    continue
                self.answers.approve(OFFICE, answer_id)
                if case.account not in self.answering:  # copy-and-confirm
                    self.answers.confirm_manual(OFFICE, answer_id, url=case.permalink)
            except (AnswerError, WorkflowError) as exc:
                log.warning("demo: answer %s not reviewed: %s", answer_id, exc)
                continue
            if case.wants_final and case.comment_id not in self.finals:
                self.finals[case.comment_id] = case
            else:
                self.finals.pop(case.comment_id, None)

    def _answer_by_hand(self) -> None:
        """A resident's comment on the Naver blog (no comment API), entered by hand by the
        office, answered, posted by hand and confirmed with the comment's address."""
        now = self.store.clock()
        posts = self.sandbox.data.posts(NAVER_ACCOUNT, at=now)
        if not posts:
            return
        post_url = naver_url(self.sandbox.data.account(NAVER_ACCOUNT), posts[0])
        values = {
            "platform": "blog", "post": post_url, "author": "한빛주민",
            "text": "행사 주차장은 어디에 있나요? 대중교통으로 가는 방법도 알려 주세요.",
            "created_at": (now - timedelta(hours=2)).isoformat(),
        }  # fmt: skip
        try:
            comment = one_comment(values, self.store.inbox.find_post, self.settings.timezone, now)
        except ManualInputError as exc:
            log.warning("demo: the Naver comment was not entered: %s", exc.problems)
            return
        self.store.inbox.add_manual_comments([comment], OFFICE.name)
        comment_id = self._manual_comment_id()
        if comment_id is None:
            return
        text = (
            "안녕하세요, 한빛구청입니다. 행사장 옆 공영주차장을 이용하실 수 있고, 지하철역에서 "
            f"도보 10분 거리입니다. 문의 {self.settings.answers.office_phone} "
            f"({templates.case_number(comment_id)})"
        )
        answer_id = self.answers.write(OFFICE, comment_id, "final", text)
        self.answers.confirm_manual(OFFICE, answer_id, url=f"{post_url}#comment-answer")

    # the departments ----------------------------------------------------------------
    def _write(self, case: Case, kind: str) -> None:
        """The officer writes an answer of `kind`; it waits for the office's approval."""
        text = self._text(case, kind)
        try:
            answer_id = self.answers.write(case.officer, case.comment_id, kind, text)
        except (AnswerError, WorkflowError) as exc:
            log.warning("demo: no answer to comment %s: %s", case.comment_id, exc)
            return
        self.pending[answer_id] = case

    def _resubmit(self) -> None:
        """The writer corrects an answer the office sent back and sends it up again."""
        for answer_id, case in list(self.returned.items()):
            del self.returned[answer_id]
            [answer] = [a for a in self.answers.answers(case.comment_id) if a["id"] == answer_id]
            fixed = f"{answer['text']} 문의 {self._phone(case.officer)}"
            self.answers.resubmit(case.officer, answer_id, fixed)
            self.pending[answer_id] = case

    def _write_finals(self, now: datetime) -> None:
        """A 최종 답변 a day after the 1차 답변 reached the resident."""
        for comment_id, case in list(self.finals.items()):
            found = self.answers.answers(comment_id)
            first = found[-1] if found else None
            if first is None or first["state"] != AnswerState.POSTED:
                continue
            if first["posted_at"] <= now - FINAL_AFTER:
                del self.finals[comment_id]
                case.wants_final = False
                self._write(case, "final")

    def _text(self, case: Case, kind: str) -> str:
        """The answer's text: every other one from a 상용구 (the short one on X)."""
        officer, comment_id = case.officer, case.comment_id
        department = officer.department
        values = templates.values_for(department, self._phone(officer), officer.name, comment_id)
        number = templates.case_number(comment_id)
        if kind == "final":
            if case.account == "x-account":
                return f"{department}입니다. 조치를 마쳤습니다. 감사합니다. ({number})"
            return templates.expand(self._template("처리 완료 (최종 답변)"), values)
        if case.account == "x-account":
            return templates.expand(self._template("짧은 접수 안내 (X)"), values)
        if comment_id % 2 == 0:
            usable = [t for t in self.answers.templates(department) if t["department"]]
            if usable:
                return templates.expand(usable[0]["body"], values)
        return (
            f"안녕하세요, 한빛구청 {department}입니다. 말씀하신 내용을 확인하고 있으며 "
            f"결과를 다시 안내드리겠습니다. ({number})"
        )

    # helpers ------------------------------------------------------------------------
    def _phone(self, officer: Actor) -> str:
        return self.settings.answers.phone_for(officer.department)

    def _template(self, title: str) -> str:
        return str(next(t["body"] for t in self.answers.templates(None) if t["title"] == title))

    def _inbox(self, f: InboxFilter) -> list[dict[str, Any]]:
        now = self.store.clock()
        days = self.settings.review.deadline_business_days
        deadlines = Deadlines(now, overdue_cutoff(now, days, self.settings.timezone))
        rows, _next = self.store.inbox.inbox_page(f, Scope(), deadlines, limit=50)
        return rows

    def _inbox_all(self, f: InboxFilter) -> list[dict[str, Any]]:
        """Every row of the filtered inbox (page by page)."""
        now = self.store.clock()
        days = self.settings.review.deadline_business_days
        deadlines = Deadlines(now, overdue_cutoff(now, days, self.settings.timezone))
        found, cursor = self.store.inbox.inbox_page(f, Scope(), deadlines, limit=100)
        while cursor is not None:
            rows, cursor = self.store.inbox.inbox_page(f, Scope(), deadlines, cursor, limit=100)
            found += rows
        return found

    def _manual_comment_id(self) -> int | None:
        rows = self._inbox(InboxFilter(manual=True))
        return int(rows[0]["id"]) if rows else None

    def _context(self) -> ReviewContext:
        return ReviewContext(
            now=self.store.clock(),
            claim_minutes=self.settings.review.claim_minutes,
            departments=tuple(self.settings.departments),
        )
