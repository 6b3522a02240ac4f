"""The office's management of answer templates (상용구): add, edit, retire, bring back, list.

The communications office (admin, communications) manages every template; a department
officer reads the active ones they can use (their department's and the office-wide ones).
Templates are never deleted: an answer keeps its own expanded text, and a retired
template can be brought back. Every change writes one access-log record (target
`answer_template:<id>`) in the same transaction; the list shows the last one as the
template's last change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime
from typing import Any

from aggregator.answers import templates
from aggregator.answers.states import AnswerError
from aggregator.config_review import AnswersSection
from aggregator.store import Store
from aggregator.store.answers_repo import AccessEntry, AnswerUnit
from aggregator.text_input import MULTI_LINE_CONTROL, SINGLE_LINE_CONTROL, normalise
from aggregator.workflow import OFFICE_ROLES, Actor, Role

MAX_TEMPLATE_TITLE = 100
MAX_TEMPLATE_BODY = 8000
"""The longest answer stored (`service.MAX_TEXT`): an expanded template must fit."""
MAX_DEPARTMENT = 100
CHANGES = (
    "answer_template_add",
    "answer_template_edit",
    "answer_template_deactivate",
    "answer_template_reactivate",
)
"""The access-log actions that change a template (its "last change")."""


class TemplateConflict(AnswerError):
    """Someone else saved the template after this edit began (the web answers 409)."""


class TemplateAdmin:
    """Template management for `AnswerService` (which provides `store` and `settings`)."""

    store: Store
    settings: AnswersSection

    def add_template(
        self,
        actor: Actor,
        title: str,
        body: str,
        department: str | None = None,
        client_ip: str | None = None,
        known_departments: Collection[str] = (),
    ) -> int:
        """The office saves a template (office-wide, or for one of `known_departments`
        when given); return its id."""
        values = _checked(actor, title, body, department, known_departments)
        now = self.store.clock()

        def add(unit: AnswerUnit) -> int:
            template_id = unit.insert_template(
                **values, active=True, created_by=actor.name, created_at=now
            )
            detail = {"title": values["title"], "department": values["department"]}
            _log(unit, actor, template_id, "answer_template_add", detail, now, client_ip)
            return template_id

        return self.store.answers.answer_step(add)

    def update_template(
        self,
        actor: Actor,
        template_id: int,
        edit: dict[str, str | None],
        client_ip: str | None = None,
        known_departments: Collection[str] = (),
    ) -> bool:
        """The office changes a template's `title`, `body` and `department` (all three in
        `edit`; `version` when given must match the stored one, so an edit made meanwhile
        by someone else is not overwritten). Return whether anything changed."""
        values = _checked(
            actor, edit.get("title") or "", edit.get("body") or "", edit.get("department"),
            known_departments,
        )  # fmt: skip
        now = self.store.clock()

        def update(unit: AnswerUnit) -> bool:
            current = _existing(unit, template_id)
            expected = edit.get("version")
            if expected and expected != template_version(current):
                raise TemplateConflict(
                    "다른 직원이 그 사이에 이 상용구를 고쳤습니다. 새로 고친 뒤 다시 적어 주세요"
                )
            changed = {k: v for k, v in values.items() if current[k] != v}
            if not changed:
                return False
            unit.update_template(template_id, **changed)
            detail = {"changed": sorted(changed), "title": values["title"]}
            _log(unit, actor, template_id, "answer_template_edit", detail, now, client_ip)
            return True

        return self.store.answers.answer_step(update)

    def set_template_active(
        self, actor: Actor, template_id: int, active: bool, client_ip: str | None = None
    ) -> bool:
        """Retire a template (it leaves the answer box) or bring it back; return whether
        its state changed (False when it already was so)."""
        _require_office(actor)
        now = self.store.clock()

        def set_active(unit: AnswerUnit) -> bool:
            current = _existing(unit, template_id)
            if bool(current["active"]) == active:
                return False
            unit.set_template_active(template_id, active)
            action = "answer_template_reactivate" if active else "answer_template_deactivate"
            _log(unit, actor, template_id, action, {"title": current["title"]}, now, client_ip)
            return True

        return self.store.answers.answer_step(set_active)

    def template(self, actor: Actor, template_id: int) -> dict[str, Any]:
        """One template for the office's edit form, with its `version`."""
        _require_office(actor)
        found = _found(self.store.answers.template(template_id), template_id)
        return {**found, "version": template_version(found)}

    def template_list(self, actor: Actor) -> list[dict[str, Any]]:
        """The office: every template with its last change (`changed_at`, `changed_by`);
        a department officer: the active templates they can use."""
        if actor.role == Role.DEPARTMENT:
            return self.store.answers.templates(actor.department)
        _require_office(actor)
        found, changes = self.store.answers.all_templates(CHANGES[1:])
        for row in found:
            change = changes.get(row["id"], {})
            row.update(changed_at=change.get("at"), changed_by=change.get("staff"))
        return found


def template_version(row: dict[str, Any]) -> str:
    """A short fingerprint of a template's editable fields (the edit form's `version`)."""
    parts = (row["title"], row["body"], row["department"] or "", str(bool(row["active"])))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _checked(
    actor: Actor,
    title: str,
    body: str,
    department: str | None,
    known_departments: Collection[str],
) -> dict[str, Any]:
    """The template's stored values after the role, limits and placeholders were checked."""
    _require_office(actor)
    clean_body = _field(body, MAX_TEMPLATE_BODY, "본문", multiline=True)
    templates.check_body(clean_body)
    dept = normalise(department or "", False) or None
    if dept is not None:
        dept = _field(dept, MAX_DEPARTMENT, "부서")
        if known_departments and dept not in known_departments:
            raise AnswerError(f"설정에 없는 부서입니다: {dept[:40]}")
    return {"title": _field(title, MAX_TEMPLATE_TITLE, "제목"), "body": clean_body,
            "department": dept}  # fmt: skip


def _field(value: str, limit: int, label: str, multiline: bool = False) -> str:
    """`value` normalised; `AnswerError` in Korean naming the field when it is empty, too
    long or holds a control character."""
    text = normalise(value, multiline)
    if not text:
        raise AnswerError(f"{label}을(를) 적어 주세요")
    if len(text) > limit:
        raise AnswerError(f"{label}은(는) {limit:,}자까지 적을 수 있습니다 (지금 {len(text):,}자)")
    control = (MULTI_LINE_CONTROL if multiline else SINGLE_LINE_CONTROL).search(text)
    if control is not None:
        where, code = control.start() + 1, ord(control.group())
        raise AnswerError(f"{label}의 {where}번째 글자는 쓸 수 없는 제어 문자(U+{code:04X})입니다")
    return text


def _existing(unit: AnswerUnit, template_id: int) -> dict[str, Any]:
    """The template, locked for the step; `AnswerError` when there is none."""
    return _found(unit.template(template_id, lock=True), template_id)


def _found(found: dict[str, Any] | None, template_id: int) -> dict[str, Any]:
    if found is None:
        raise AnswerError(f"없는 상용구입니다: {template_id}")
    return found


def _require_office(actor: Actor) -> None:
    if actor.role not in OFFICE_ROLES:
        raise AnswerError("상용구 관리는 소통담당관만 할 수 있습니다")


def _log(
    unit: AnswerUnit,
    actor: Actor,
    template_id: int,
    action: str,
    detail: dict[str, Any],
    now: datetime,
    client_ip: str | None,
) -> None:
    entry = AccessEntry(
        staff=actor.name, role=actor.role.value, client_ip=client_ip, action=action,
        target=f"answer_template:{template_id}", detail=detail,
    )  # fmt: skip
    unit.log_access(entry, now)
