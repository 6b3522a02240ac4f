"""Staff accounts managed by an admin on the web (사용자 관리): add, change role or
department, disable and enable, unlock, reset the password.

The rules are the command line's (`aggregator.users`: names, roles, departments,
password strength; the store keeps at least one active admin). A password the admin
leaves empty is generated and shown once, on the page that answers the POST (never in
a URL, never logged). Every change is logged in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from aggregator.store.staff_repo import AccessEntry
from aggregator.text_input import clean
from aggregator.users import (
    UserError,
    check_new_user,
    check_password,
    check_role,
    generate_password,
    hash_password,
)
from aggregator.web import labels
from aggregator.web.core import Ctx

DONE = {
    "added": "{name} 계정을 만들었습니다",
    "role": "{name} 계정의 권한·부서를 바꿨습니다",
    "disable": "{name} 계정을 사용 중지했습니다 (로그인 중이던 세션도 끝났습니다)",
    "enable": "{name} 계정을 다시 사용하게 했습니다",
    "unlock": "{name} 계정의 잠금을 풀었습니다",
    "password": "{name} 계정의 비밀번호를 바꿨습니다 (로그인 중이던 세션은 끝났습니다)",
}
NO_SUCH_USER = "없는 계정입니다"
Change = Callable[[Ctx, str], Response]


def users_page(
    ctx: Ctx,
    error: str | None = None,
    status: int = 200,
    notice: str | None = None,
    shown: tuple[str, str] | None = None,
) -> Response:
    """GET /admin/users: every account with its state, and the forms to change them;
    `shown` is (name, password) of a password generated just now, shown this once."""
    if ctx.request.method == "GET":
        ctx.log("view_users", target="users")
    params = ctx.request.query_params
    done, name = params.get("done", ""), params.get("name", "")
    if notice is None and done in DONE and name:
        notice = DONE[done].format(name=name)
    return ctx.render(
        "users.html",
        users=ctx.state.store.staff.users(),
        roles=labels.role_choices(),
        departments=ctx.state.settings.departments,
        error=error,
        notice=notice,
        shown=shown,
        values=dict(ctx.form) if error and _field(ctx, "op") == "" else {},
        status_code=status,
    )


def _field(ctx: Ctx, name: str) -> str:
    return clean(str(ctx.form.get(name, "")), 200)


def _password(ctx: Ctx) -> tuple[str, bool]:
    """The password typed (checked), or a generated one; and whether it was generated."""
    typed = str(ctx.form.get("password", ""))[:1024]
    if not typed:
        return generate_password(), True
    check_password(typed)
    return typed, False


def _entry(ctx: Ctx, action: str, name: str, detail: dict[str, Any] | None = None) -> AccessEntry:
    return AccessEntry(
        staff=ctx.user.name,
        role=ctx.user.role.value,
        client_ip=ctx.ip,
        action=action,
        target=f"user:{name}",
        detail=detail,
    )


def user_add(ctx: Ctx) -> Response:
    """POST /admin/users: create an account (the password shown once if generated)."""
    name, department = _field(ctx, "name"), _field(ctx, "department") or None
    try:
        role = check_new_user(name, _field(ctx, "role"), department, ctx.state.settings.departments)
        password, generated = _password(ctx)
        pw_hash = hash_password(ctx.state.hasher, password)
        detail = {"role": role.value, "department": department, "generated": generated}
        ctx.state.store.staff.create_user(
            name, role, department, pw_hash, _entry(ctx, "user_add", name, detail)
        )
    except UserError as exc:
        return users_page(ctx, exc.korean, 400)
    if not generated:
        return _done("added", name)
    return users_page(ctx, notice=DONE["added"].format(name=name), shown=(name, password))


def user_change(ctx: Ctx) -> Response:
    """POST /admin/users/change: one change (`op`) to one account (`name`)."""
    name, op = _field(ctx, "name"), _field(ctx, "op")
    change = CHANGES.get(op)
    if change is None:
        return users_page(ctx, "알 수 없는 작업입니다", 400)
    try:
        return change(ctx, name)
    except UserError as exc:
        return users_page(ctx, exc.korean, 409)


def _done(op: str, name: str) -> Response:
    query = urlencode({"done": op, "name": name})
    return RedirectResponse(f"/admin/users?{query}", status_code=303)


def _role(ctx: Ctx, name: str) -> Response:
    department = _field(ctx, "department") or None
    role = check_role(_field(ctx, "role"), department, ctx.state.settings.departments)
    entry = _entry(ctx, "user_role", name, {"role": role.value, "department": department})
    before = ctx.state.store.staff.set_user_role(name, role, department, entry)
    if before is None:
        return users_page(ctx, NO_SUCH_USER, 404)
    return _done("role", name)


def _disabled(disabled: bool) -> Change:
    def change(ctx: Ctx, name: str) -> Response:
        if disabled and name == ctx.user.name:
            return users_page(ctx, "자기 계정은 사용 중지할 수 없습니다", 409)
        action = "user_disable" if disabled else "user_enable"
        if not ctx.state.store.staff.set_user_disabled(name, disabled, _entry(ctx, action, name)):
            return users_page(ctx, NO_SUCH_USER, 404)
        return _done("disable" if disabled else "enable", name)

    return change


def _unlock(ctx: Ctx, name: str) -> Response:
    if not ctx.state.store.staff.unlock_user(name, _entry(ctx, "user_unlock", name)):
        return users_page(ctx, NO_SUCH_USER, 404)
    return _done("unlock", name)


def _reset_password(ctx: Ctx, name: str) -> Response:
    password, generated = _password(ctx)
    entry = _entry(ctx, "user_password_reset", name, {"generated": generated})
    pw_hash = hash_password(ctx.state.hasher, password)
    if not ctx.state.store.staff.set_user_password(name, pw_hash, entry):
        return users_page(ctx, NO_SUCH_USER, 404)
    if not generated:
        return _done("password", name)
    notice = DONE["password"].format(name=name)
    return users_page(ctx, notice=notice, shown=(name, password))


CHANGES: dict[str, Change] = {
    "role": _role,
    "disable": _disabled(True),
    "enable": _disabled(False),
    "unlock": _unlock,
    "password": _reset_password,
}
