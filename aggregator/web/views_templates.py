"""The 상용구 page: the office manages answer templates; department officers read theirs.

GET /answers/templates lists them (the office: every template, retired ones apart, with an
add form; a department officer: the active ones they can use, as they read for their
department). The office edits one at /answers/templates/{id} and retires or brings it back.
Every form can be previewed: the server fills the placeholders for a chosen department
(its phone from `answers.phones` / `answers.office_phone`) and names what is missing; the
page's script shows the same preview while typing. Changes go through `AnswerService`,
which checks the role, the limits and the placeholders and writes the access log.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from aggregator.answers import templates
from aggregator.answers.service import AnswerService
from aggregator.answers.states import AnswerError
from aggregator.answers.template_admin import TemplateConflict
from aggregator.web.core import Ctx
from aggregator.workflow import Role

PAGE = "/answers/templates"
FIELDS = ("title", "body", "department", "version")
SAMPLE_CASE = 1234
"""The comment id whose case number ({접수번호}) previews show."""
NOTICES = {
    "added": "상용구를 추가했습니다.",
    "edited": "상용구를 고쳤습니다.",
    "unchanged": "바뀐 내용이 없습니다.",
    "deactivated": "상용구 사용을 중지했습니다. 답변 작성 화면에서 더는 보이지 않습니다.",
    "reactivated": "상용구를 다시 사용합니다.",
}


def _service(ctx: Ctx) -> AnswerService:
    return AnswerService(ctx.state.store, ctx.state.settings.answers)


def _values(ctx: Ctx) -> dict[str, str]:
    return {name: str(ctx.form.get(name, "")) for name in FIELDS}


def preview(ctx: Ctx, body: str, department: str | None) -> dict[str, Any]:
    """The body filled in for `department` as the logged-in officer would send it:
    `text`, the `missing` placeholders, or the `error` of an unknown one."""
    phone = ctx.state.settings.answers.phone_for(department)
    values = templates.values_for(department, phone, ctx.user.name, SAMPLE_CASE)
    try:
        text, missing = templates.preview(body, values)
    except AnswerError as exc:
        return {"text": body, "missing": [], "error": str(exc), "department": department}
    return {"text": text, "missing": missing, "error": None, "department": department}


def _preview_data(ctx: Ctx) -> dict[str, Any]:
    """What the page's script needs for the live preview: phones per department."""
    section = ctx.state.settings.answers
    departments = ctx.state.settings.departments
    return {
        "phones": {d: section.phone_for(d) for d in departments},
        "office_phone": section.office_phone,
        "handler": ctx.user.name,
        "case": templates.case_number(SAMPLE_CASE),
        "known": list(templates.KNOWN),
    }


def _page(
    ctx: Ctx,
    values: dict[str, str] | None = None,
    error: str | None = None,
    shown: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The list (and, for the office, the add form with `values` and `error`)."""
    service = _service(ctx)
    listed = service.template_list(ctx.user.actor)
    if ctx.user.role == Role.DEPARTMENT:
        for row in listed:
            row["preview"] = preview(ctx, row["body"], ctx.user.department)
    return ctx.render(
        "answer_templates.html",
        listed=listed,
        values=values or {},
        error=error,
        shown=shown,
        notice=NOTICES.get(ctx.request.query_params.get("saved", "")),
        departments=ctx.state.settings.departments,
        preview_data=_preview_data(ctx),
        manages=ctx.user.role != Role.DEPARTMENT,
        status_code=status,
    )


def templates_page(ctx: Ctx) -> Response:
    """GET /answers/templates: the templates this user may see (the view is logged)."""
    ctx.log("view_answer_templates", target="answer_templates")
    return _page(ctx)


def template_add(ctx: Ctx) -> Response:
    """POST /answers/templates: add a template, or preview the form (`preview`)."""
    values = _values(ctx)
    if ctx.form.get("preview"):
        shown = preview(ctx, values["body"], _preview_department(ctx, values))
        return _page(ctx, values, shown=shown)
    try:
        template_id = _service(ctx).add_template(
            ctx.user.actor, values["title"], values["body"], values["department"],
            client_ip=ctx.ip, known_departments=ctx.state.settings.departments,
        )  # fmt: skip
    except AnswerError as exc:
        return _page(ctx, values, error=str(exc), status=400)
    return RedirectResponse(f"{PAGE}?saved=added#template-{template_id}", status_code=303)


def template_edit_page(ctx: Ctx) -> Response:
    """GET /answers/templates/{id}: the office's edit form."""
    template_id = ctx.request.path_params["template_id"]
    try:
        found = _service(ctx).template(ctx.user.actor, template_id)
    except AnswerError:
        return ctx.not_found("없는 상용구입니다")
    values = {name: str(found[name] or "") for name in FIELDS}
    return _edit(ctx, found, values)


def template_save(ctx: Ctx) -> Response:
    """POST /answers/templates/{id}: save the edit, or preview it (`preview`)."""
    template_id = ctx.request.path_params["template_id"]
    service = _service(ctx)
    try:
        found = service.template(ctx.user.actor, template_id)
    except AnswerError:
        return ctx.not_found("없는 상용구입니다")
    values = _values(ctx)
    if ctx.form.get("preview"):
        shown = preview(ctx, values["body"], _preview_department(ctx, values))
        return _edit(ctx, found, values, shown=shown)
    try:
        changed = service.update_template(
            ctx.user.actor, template_id, dict(values), client_ip=ctx.ip,
            known_departments=ctx.state.settings.departments,
        )  # fmt: skip
    except AnswerError as exc:
        status = 409 if isinstance(exc, TemplateConflict) else 400
        return _edit(ctx, found, values, error=str(exc), status=status)
    saved = "edited" if changed else "unchanged"
    return RedirectResponse(f"{PAGE}?saved={saved}#template-{template_id}", status_code=303)


def template_active(ctx: Ctx) -> Response:
    """POST /answers/templates/{id}/active: retire (`active=0`) or bring back (`active=1`)."""
    template_id = ctx.request.path_params["template_id"]
    active = str(ctx.form.get("active", "")) == "1"
    try:
        _service(ctx).set_template_active(ctx.user.actor, template_id, active, client_ip=ctx.ip)
    except AnswerError:
        return ctx.not_found("없는 상용구입니다")
    saved = "reactivated" if active else "deactivated"
    return RedirectResponse(f"{PAGE}?saved={saved}#template-{template_id}", status_code=303)


def _edit(
    ctx: Ctx,
    found: dict[str, Any],
    values: dict[str, str],
    error: str | None = None,
    shown: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return ctx.render(
        "answer_template_edit.html",
        template=found,
        values=values,
        error=error,
        shown=shown,
        departments=ctx.state.settings.departments,
        preview_data=_preview_data(ctx),
        status_code=status,
    )


def _preview_department(ctx: Ctx, values: dict[str, str]) -> str | None:
    """The department a preview is for: the one chosen, else the template's own."""
    chosen = str(ctx.form.get("preview_department", "")).strip() or values["department"]
    return chosen if chosen in ctx.state.settings.departments else None
