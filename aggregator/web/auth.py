"""Login and logout: argon2 verification, lockout, per-address throttling, all logged.

The login form is protected by a double-submit token (a cookie and a form field)
because there is no session yet; after login, the session's own CSRF token applies.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from aggregator.store.staff_repo import AccessEntry
from aggregator.users import StaffUser, is_locked, verify_password
from aggregator.web.core import Ctx, WebState
from aggregator.web.landing import landing, safe_next
from aggregator.web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_ip,
    cookie_secure,
    new_token,
    same_token,
    token_hash,
)

log = logging.getLogger(__name__)
IP_WINDOW = timedelta(minutes=10)
IP_MAX_FAILURES = 30
GENERIC_FAILURE = "아이디 또는 비밀번호가 맞지 않습니다"


def login_page(
    state: WebState,
    request: Request,
    error: str | None = None,
    status: int = 200,
    next_path: str | None = None,
) -> Response:
    """The login form, with a fresh double-submit token (and where to land, if safe)."""
    token = new_token()
    context = {"login_token": token, "error": error, "next_path": safe_next(next_path)}
    response = state.templates.TemplateResponse(request, "login.html", context, status_code=status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, state.settings.web),
        max_age=3600,
    )
    return response


async def login_get(request: Request) -> Response:
    """GET /login (`next`: the on-site page to land on after login)."""
    return login_page(request.app.state.web, request, next_path=request.query_params.get("next"))


async def login_post(request: Request) -> Response:
    """POST /login: check the token, throttle, verify, start a session."""
    state: WebState = request.app.state.web
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    wanted = form.get("next")
    next_path = wanted if isinstance(wanted, str) else None
    if not same_token(request.cookies.get(LOGIN_COOKIE, ""), form.get("login_token")):
        expired = "페이지가 만료되었습니다. 다시 시도해 주세요"
        return login_page(state, request, expired, 403, next_path)
    name = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    ip = client_ip(request, state.settings.web)
    outcome = await run_in_threadpool(_check, state, name, password, ip)
    if isinstance(outcome, str):
        status = 429 if "잠시" in outcome else 401
        return login_page(state, request, outcome, status, next_path)
    token = new_token()
    lifetime = timedelta(hours=state.settings.web.session_max_hours)
    await run_in_threadpool(
        state.store.staff.create_session, outcome.id, token_hash(token), new_token(), lifetime, ip
    )
    response = RedirectResponse(landing(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=cookie_secure(request, state.settings.web),
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


def _check(state: WebState, name: str, password: str, ip: str | None) -> StaffUser | str:
    """The account on success, else the message to show (and every outcome logged)."""
    store, now = state.store, state.now()
    if _ip_throttled(state, ip):
        _log(state, name, "login_throttled", ip)
        return "로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요"
    found = store.staff.user_with_hash(name)
    if found is None:
        verify_password(state.hasher, state.dummy_hash, password)  # same time as a real check
        return _failed(state, name, ip, None)
    user, stored = found
    if user.disabled:
        return _failed(state, name, ip, None)
    if is_locked(user, now):
        _log(state, name, "login_locked", ip)
        return "계정이 잠겼습니다. 잠시 후 다시 시도해 주세요"
    if not verify_password(state.hasher, stored, password):
        return _failed(state, name, ip, user)
    rehash = state.hasher.hash(password) if state.hasher.check_needs_rehash(stored) else None
    store.staff.login_succeeded(user.id, rehash)
    _log(state, name, "login", ip, role=user.role.value)
    return user


def _failed(state: WebState, name: str, ip: str | None, user: StaffUser | None) -> str:
    web = state.settings.web
    state.failures_by_ip.setdefault(ip or "-", []).append(state.now())
    locked = user is not None and state.store.staff.login_failed(
        user.id, web.max_failed_logins, timedelta(minutes=web.lockout_minutes)
    )
    _log(state, name, "login_failed", ip, detail={"locked": locked})
    if locked:
        log.warning("account %s locked after %d failed logins", name, web.max_failed_logins)
        return "로그인에 여러 번 실패하여 계정이 잠겼습니다. 잠시 후 다시 시도해 주세요"
    return GENERIC_FAILURE


def _ip_throttled(state: WebState, ip: str | None) -> bool:
    since = state.now() - IP_WINDOW
    recent = [t for t in state.failures_by_ip.get(ip or "-", []) if t > since]
    state.failures_by_ip[ip or "-"] = recent
    return len(recent) >= IP_MAX_FAILURES


def _log(
    state: WebState,
    name: str,
    action: str,
    ip: str | None,
    role: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    state.store.staff.log_access(
        AccessEntry(
            staff=name or "-",
            action=action,
            role=role,
            client_ip=ip,
            target=f"user:{name}",
            detail=detail,
        )
    )


def logout(ctx: Ctx) -> Response:
    """POST /logout (CSRF-checked by the guard): end the server-side session."""
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token:
        ctx.state.store.staff.end_session(token_hash(token))
    ctx.log("logout", target=f"user:{ctx.user.name}")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
