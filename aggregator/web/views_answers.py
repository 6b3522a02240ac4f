"""Answering from the inbox: write an answer on a thread, take a step on one (approve,
edit and approve, send back, resubmit, retry, cancel, confirm a hand-made post), and the
approval queue.

Every step goes through `AnswerService`, which checks role and department and writes the
review event and the access-log record; a step the rules refuse is shown on the page it
came from (409) and logged here as refused.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from aggregator.answers.states import AnswerError
from aggregator.web.answer_area import queue_sections, service
from aggregator.web.core import Ctx
from aggregator.web.views_thread import NOT_FOUND, load_thread
from aggregator.web.views_thread import _render as render_thread
from aggregator.workflow import WorkflowError

STEPS = ("approve", "send_back", "resubmit", "retry", "cancel", "confirm")
QUEUE = "queue"


def write(ctx: Ctx) -> Response:
    """POST /comments/{id}/answers: a new answer (kind, text) to the comment."""
    found = load_thread(ctx, ctx.request.path_params["comment_id"])
    if found is None:
        return ctx.not_found(NOT_FOUND)
    comment_id = found["item"]["id"]
    typed = {name: _field(ctx, name) for name in ("kind", "text")}
    try:
        service(ctx).write(ctx.user.actor, comment_id, typed["kind"], typed["text"], ctx.ip)
    except WorkflowError as error:
        _log_refused(ctx, comment_id, "write", None, error)
        return render_thread(ctx, found, error=str(error), typed=typed)
    return RedirectResponse(f"/comments/{comment_id}?answer=written#answers", status_code=303)


def step(ctx: Ctx) -> Response:
    """POST /answers/{id}/action: one step on an answer (`do`), back to where it came from."""
    answer_id = ctx.request.path_params["answer_id"]
    answers = service(ctx)
    answer = answers.answer(answer_id)
    found = load_thread(ctx, answer["comment_id"]) if answer else None
    if found is None:
        return ctx.not_found("없는 답변입니다")
    do = _field(ctx, "do")
    if do not in STEPS:
        return PlainTextResponse("알 수 없는 작업입니다", status_code=400)
    comment_id = found["item"]["id"]
    try:
        _take(ctx, do, answer_id)
    except WorkflowError as error:
        _log_refused(ctx, comment_id, do, answer_id, error)
        if _field(ctx, "next") == QUEUE:
            return queue_page(ctx, error=str(error))
        return render_thread(ctx, found, error=str(error))
    if _field(ctx, "next") == QUEUE:
        return RedirectResponse(f"/answers?done={do}", status_code=303)
    return RedirectResponse(f"/comments/{comment_id}?answer={do}#answers", status_code=303)


def queue_page(ctx: Ctx, error: str | None = None) -> Response:
    """GET /answers: answers waiting for this viewer (the office: approvals; a department
    officer: their department's answers sent back or failed); both: posts to make by hand."""
    ctx.log("view_answer_queue", target="answers")
    return ctx.render(
        "answers_queue.html",
        sections=queue_sections(ctx),
        error=error,
        done=ctx.request.query_params.get("done"),
        status_code=409 if error else 200,
    )


def _take(ctx: Ctx, do: str, answer_id: int) -> None:
    """Run one step through the service (it raises `AnswerError` when refused)."""
    answers, actor, ip = service(ctx), ctx.user.actor, ctx.ip
    if do == "approve":
        edited = _field(ctx, "text") if "text" in ctx.form else None
        answers.approve(actor, answer_id, text=edited, client_ip=ip)
    elif do == "send_back":
        answers.send_back(actor, answer_id, _field(ctx, "note"), client_ip=ip)
    elif do == "resubmit":
        answers.resubmit(actor, answer_id, _field(ctx, "text"), client_ip=ip)
    elif do == "retry":
        answers.retry(actor, answer_id, client_ip=ip)
    elif do == "cancel":
        answers.cancel(actor, answer_id, client_ip=ip)
    elif do == "confirm":
        answers.confirm_manual(actor, answer_id, url=_field(ctx, "url") or None, client_ip=ip)
    else:  # pragma: no cover - STEPS is checked first
        raise AnswerError(f"알 수 없는 작업입니다: {do}")


def _field(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name)
    return value if isinstance(value, str) else ""


def _log_refused(
    ctx: Ctx, comment_id: int, do: str, answer_id: int | None, error: Exception
) -> None:
    detail: dict[str, Any] = {"step": do, "refused": True, "reason": str(error)[:200]}
    if answer_id is not None:
        detail["answer"] = answer_id
    ctx.log("answer_refused", target=f"comment:{comment_id}", detail=detail)
