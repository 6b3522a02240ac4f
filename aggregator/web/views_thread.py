"""One comment in its thread, its review actions, and showing its personal data."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from aggregator import pii
from aggregator.answers import hiding
from aggregator.web.actions import action_from_form
from aggregator.web.answer_area import answer_area
from aggregator.web.core import Ctx
from aggregator.web.listing import (
    after_cursor,
    clean_list,
    inbox_url,
    moved_to,
    with_list,
)
from aggregator.web.upstream import hide_refusal
from aggregator.web.views_inbox import _add_deadline, parse_cursor, parse_filter
from aggregator.workflow import MOIS_REASONS, TRANSITIONS, Role, Status, may_set

NOT_FOUND = "없는 항목입니다"


def subject_of(item: dict[str, Any]) -> str | None:
    """Whose data a comment is, for the access log: the name and the handle, so that a
    resident can be found by either (`김민수 (@minsu)`)."""
    name, handle = item.get("author_name"), item.get("author_handle")
    if handle and handle != name:
        return f"{name or ''} ({handle})".strip()
    return name


def _load(ctx: Ctx) -> dict[str, Any] | None:
    """The thread, if it exists and the user may see it (departments: their own only)."""
    return load_thread(ctx, ctx.request.path_params["comment_id"])


def load_thread(ctx: Ctx, comment_id: int) -> dict[str, Any] | None:
    """The thread of `comment_id`, if it exists and the user may see it."""
    found = ctx.state.store.inbox.thread(comment_id)
    if found is None or found["item"]["by_account_owner"]:
        return None
    scope = ctx.scope
    if scope.restricted and found["item"]["department"] != scope.department:
        return None
    return found


def _render(
    ctx: Ctx,
    found: dict[str, Any],
    reveal: bool = False,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    item = found["item"]
    _add_deadline(ctx, item)
    current = Status(item["status"])
    store = ctx.state.store
    list_q = _list_of(ctx)
    return ctx.render(
        "thread.html",
        t=found,
        item=item,
        reveal=reveal,
        error=error,
        pii_kinds=pii.kinds(item["text"]),
        next_statuses=may_set(ctx.user.role, TRANSITIONS[current]),
        reasons=MOIS_REASONS,
        no_answer_reasons=ctx.state.settings.review.no_answer_reasons,
        departments=ctx.state.settings.departments,
        staff=[u for u in store.staff.users() if u.role != Role.VIEWER and not u.disabled],
        saved=ctx.request.query_params.get("saved") == "1",
        upstream=_upstream_state(ctx, item["id"]),
        hide_refusal=hide_refusal(ctx.state.settings, item["account"], item["manual_entry"]),
        answers=answer_area(ctx, item, typed),
        saved_before=ctx.request.query_params.get("saved") == "before",
        last_in_list=ctx.request.query_params.get("last") == "1",
        back_url=inbox_url(list_q),
        act_url=with_list(f"/comments/{item['id']}/action", list_q),
        reveal_url=with_list(f"/comments/{item['id']}/reveal", list_q),
        status_code=409 if error else 200,
    )


def _upstream_state(ctx: Ctx, comment_id: int) -> hiding.UpstreamView | None:
    """What the platform shows of the comment after staff's hide/unhide requests."""
    return hiding.view(ctx.state.store.outbox.latest_platform_action(comment_id))


def _list_of(ctx: Ctx) -> str:
    """The inbox list this page was opened from (the `list=` parameter)."""
    return clean_list(ctx.request.query_params.get("list"))


def thread(ctx: Ctx) -> Response:
    """GET /comments/{id}: the comment, masked, in its thread (the view is logged)."""
    found = _load(ctx)
    if found is None:
        return ctx.not_found(NOT_FOUND)
    item = found["item"]
    ctx.log("view_comment", target=f"comment:{item['id']}", subject=subject_of(item))
    return _render(ctx, found)


def reveal(ctx: Ctx) -> Response:
    """POST /comments/{id}/reveal: the same page with personal data shown (logged)."""
    found = _load(ctx)
    if found is None:
        return ctx.not_found(NOT_FOUND)
    item = found["item"]
    ctx.log(
        "reveal_pii",
        target=f"comment:{item['id']}",
        subject=subject_of(item),
        detail={"kinds": pii.kinds(item["text"])},
    )
    return _render(ctx, found, reveal=True)


def act(ctx: Ctx) -> Response:
    """POST /comments/{id}/action: one review action; errors re-render the page (409)."""
    found = _load(ctx)
    if found is None:
        return ctx.not_found(NOT_FOUND)
    action = action_from_form(ctx.form)
    if action is None:
        return PlainTextResponse("알 수 없는 작업입니다", status_code=400)
    comment_id = found["item"]["id"]
    result = ctx.state.store.inbox.review(
        ctx.user.actor, [comment_id], action, ctx.state.review_context()
    )
    detail = {k: v for k, v in vars(action).items() if v is not None and k != "note"}
    ctx.log(
        action.kind,
        target=f"comment:{comment_id}",
        subject=subject_of(found["item"]),
        detail={**detail, "refused": bool(result.refused)},
    )
    if result.refused:
        reloaded = _load(ctx) or found
        return _render(ctx, reloaded, error=result.refused[0][1])
    ctx.state.review_changed()
    list_q = _list_of(ctx)
    if ctx.form.get("then") == "next":
        return RedirectResponse(_next_url(ctx, found["item"], list_q), status_code=303)
    if ctx.scope.restricted and action.kind == "transfer":  # it left this department
        return RedirectResponse(inbox_url(list_q, done="1", refused="0"), status_code=303)
    return RedirectResponse(with_list(f"/comments/{comment_id}", list_q, saved="1"), 303)


def _next_url(ctx: Ctx, item: dict[str, Any], list_q: str) -> str:
    """The next item of the list after `item` ("저장 후 다음"), with the list moved on to
    the page that holds it; or `item` again, saying it was the last one."""
    state = ctx.state
    params = QueryParams(list_q)
    f = parse_filter(params, state.settings.timezone)
    cursor = (item["created_at"], int(item["id"]))
    following = state.store.inbox.next_in_list(f, ctx.scope, state.deadlines(), cursor)
    if following is None:
        return with_list(f"/comments/{item['id']}", list_q, saved="1", last="1")
    page_start = parse_cursor(params.get("after"))
    size = state.settings.web.page_size
    page, _ = state.store.inbox.inbox_page(f, ctx.scope, state.deadlines(), page_start, size)
    if following not in {row["id"] for row in page}:
        list_q = moved_to(list_q, after_cursor(item["created_at"].isoformat(), item["id"]))
    return with_list(f"/comments/{following}", list_q, saved="before")
