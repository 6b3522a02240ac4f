"""Comments entered by hand and "check this post" items."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from aggregator.manual import PLATFORMS, ManualInputError, one_comment
from aggregator.store.inbox_repo import ForgottenAuthor
from aggregator.text_input import clean
from aggregator.web.core import Ctx


def manual_page(ctx: Ctx, problems: list[str] | None = None, status: int = 200) -> Response:
    """GET /manual: the form for a hand-entered comment and the open check items."""
    items = ctx.state.store.inbox.check_items(include_closed=False)
    ctx.log("view_check_items", target="check_items")
    return ctx.render(
        "manual.html",
        items=items,
        platforms=PLATFORMS,
        problems=problems or [],
        added=ctx.request.query_params.get("added"),
        values=dict(ctx.form),
        status_code=status,
    )


def manual_add(ctx: Ctx) -> Response:
    """POST /manual: validate and store one comment entered by hand."""
    store = ctx.state.store
    values = {
        name: str(ctx.form.get(name, ""))
        for name in ("platform", "post", "author", "text", "created_at", "author_handle")
    }
    try:
        comment = one_comment(
            values, store.inbox.find_post, ctx.state.settings.timezone, store.clock()
        )
    except ManualInputError as exc:
        return manual_page(ctx, exc.korean, 400)
    try:
        added, _present = store.inbox.add_manual_comments([comment], ctx.user.name)
    except ForgottenAuthor:
        problem = "작성자가 개인정보 삭제(잊힐 권리)를 요청한 주민이라 저장하지 않습니다."
        return manual_page(ctx, [problem], 409)
    ctx.log(
        "manual_entry",
        target=f"post:{comment.post_id}",
        subject=comment.author_name,
        detail={"added": added},
    )
    return RedirectResponse(f"/manual?added={added}", status_code=303)


def dismiss_check(ctx: Ctx) -> Response:
    """POST /checks/{item_id}/dismiss: close an item without entering comments."""
    item_id = ctx.request.path_params["item_id"]
    note = clean(str(ctx.form.get("note", "")), 500, multiline=True) or None
    closed = ctx.state.store.inbox.dismiss_check_item(item_id, ctx.user.name, note)
    ctx.log("dismiss_check_item", target=f"check_item:{item_id}", detail={"closed": closed})
    return RedirectResponse("/manual", status_code=303)
