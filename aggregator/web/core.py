"""The web app's shared parts: its state, the request context and the route guard.

`guard` wraps every non-public endpoint: it finds the session, checks the role
against the route's `RouteSpec`, checks the CSRF token on POST, and runs the
(synchronous) handler in a worker thread, since the store is synchronous. Each
refusal (no session, role, CSRF) and each item not found is written to the access
log (`aggregator.web.refusals`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from aggregator.config import Settings
from aggregator.dashboard import due_windows
from aggregator.deadlines import overdue_cutoff
from aggregator.reports.jobs import ReportWorker
from aggregator.store import Store
from aggregator.store.inbox_repo import Deadlines, ReviewContext, Scope
from aggregator.store.staff_repo import AccessEntry
from aggregator.users import DUMMY_HASH_PASSWORD, StaffUser
from aggregator.web.answer_area import waiting_count
from aggregator.web.errors import error_page
from aggregator.web.flash import BulkResults
from aggregator.web.landing import login_url
from aggregator.web.list_totals import TotalsCache
from aggregator.web.refusals import RecentRefusals, log_refusal
from aggregator.web.security import SESSION_COOKIE, RouteSpec, client_ip, csrf_ok, token_hash
from aggregator.web.upstream import hideable_accounts
from aggregator.workflow import Role

log = logging.getLogger(__name__)
COUNTS_TTL = timedelta(seconds=20)
MAX_FIELD = 128 * 1024
"""The largest form field: an 8,000-character Korean answer is 72 KB URL-encoded."""


@dataclass
class WebState:
    """Everything the handlers share: config, store, templates, password hasher."""

    settings: Settings
    store: Store
    templates: Jinja2Templates
    hasher: PasswordHasher
    routes: list[RouteSpec] = field(default_factory=list)
    dummy_hash: str = ""
    """A hash checked when the account does not exist, so timing tells nothing."""
    failures_by_ip: dict[str, list[datetime]] = field(default_factory=dict)
    counts_cache: dict[tuple[str | None, bool], tuple[datetime, dict[str, int]]] = field(
        default_factory=dict
    )
    recent_refusals: RecentRefusals = field(default_factory=RecentRefusals)
    compliance_cache: dict[str, tuple[datetime, Any]] = field(default_factory=dict)
    """This month's deadline compliance per month, with when it was computed (dashboard)."""
    bulk_results: BulkResults = field(default_factory=BulkResults)
    list_totals: TotalsCache = field(default_factory=TotalsCache)
    report_worker: ReportWorker | None = None
    """Makes the report files asked for on the 월간 보고서 page (started with the app)."""

    def __post_init__(self) -> None:
        self.dummy_hash = self.hasher.hash(DUMMY_HASH_PASSWORD)

    def status_counts(self, scope: Scope) -> dict[str, int]:
        """Comments per status, cached for `COUNTS_TTL` (they only inform, and cost a scan
        of the review index at a million comments)."""
        key = (scope.department, scope.restricted)
        cached = self.counts_cache.get(key)
        now = self.now()
        if cached is None or not (now - COUNTS_TTL <= cached[0] <= now):
            cached = (now, self.store.inbox.status_counts(scope))
            self.counts_cache[key] = cached
        return cached[1]

    def review_changed(self) -> None:
        """Forget kept counts after a review change, so staff see their change at once."""
        self.counts_cache.clear()
        self.list_totals.forget()

    def now(self) -> datetime:
        """The store's clock (aware UTC)."""
        return self.store.clock()

    def deadlines(self) -> Deadlines:
        """Now, the overdue cutoff and the due windows, from the configured business days."""
        now = self.now()
        days, timezone = self.settings.review.deadline_business_days, self.settings.timezone
        windows = due_windows(now, days, timezone)
        return Deadlines(now, overdue_cutoff(now, days, timezone), windows)

    def review_context(self) -> ReviewContext:
        """The rules' context for a review change made now."""
        return ReviewContext(
            now=self.now(),
            claim_minutes=self.settings.review.claim_minutes,
            departments=tuple(self.settings.departments),
            hideable_accounts=hideable_accounts(self.settings),
            no_answer_reasons=self.settings.review.no_answer_reasons,
        )


@dataclass
class Ctx:
    """One authenticated request: who, their CSRF token, the form (POST) and the app."""

    request: Request
    user: StaffUser
    csrf: str
    form: FormData
    state: WebState

    @property
    def ip(self) -> str | None:
        """The client's address."""
        return client_ip(self.request, self.state.settings.web)

    @property
    def scope(self) -> Scope:
        """What this user may see: department officers only their department."""
        if self.user.role == Role.DEPARTMENT:
            return Scope(department=self.user.department, restricted=True)
        return Scope()

    def log(
        self,
        action: str,
        target: str | None = None,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Write an access record for this user and request."""
        self.state.store.staff.log_access(
            AccessEntry(
                staff=self.user.name,
                role=self.user.role.value,
                client_ip=self.ip,
                action=action,
                target=target,
                subject=subject,
                detail=detail,
            )
        )

    def not_found(self, message: str) -> Response:
        """404 for an item that is missing or outside the user's scope (logged)."""
        log_refusal(self.state, self.request, self.user, "not_found", 404)
        return error_page(self.state.templates, 404, message, user=self.user, csrf=self.csrf)

    def render(self, name: str, status_code: int = 200, **context: Any) -> Response:
        """Render a template with the user, CSRF token and settings in its context."""
        context.update(
            user=self.user,
            csrf=self.csrf,
            settings=self.state.settings,
            request=self.request,
            now=self.state.now(),
        )
        context.setdefault("answers_waiting", waiting_count(self))
        return self.state.templates.TemplateResponse(
            self.request, name, context, status_code=status_code
        )


Handler = Callable[[Ctx], Response]


def guard(
    state: WebState, spec: RouteSpec, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for `spec`: session, role and CSRF checks, then `handler` in a thread."""

    async def endpoint(request: Request) -> Response:
        found = await run_in_threadpool(_session, state, request)
        if found is None:
            refused: Response = error_page(state.templates, 401)
            if request.method == "GET":
                refused = RedirectResponse(login_url(request), status_code=303)
            return await _refuse(state, request, None, "unauthenticated", refused)
        user, csrf = found
        if spec.roles is not None and user.role not in spec.roles:
            denied = error_page(state.templates, 403, user=user, csrf=csrf)
            return await _refuse(state, request, user, "refused", denied)
        form = FormData()
        if request.method == "POST":
            form = await request.form(max_files=0, max_fields=500, max_part_size=MAX_FIELD)
            if not csrf_ok(form, csrf):
                log.warning("CSRF token missing or wrong for %s %s", user.name, request.url.path)
                message = "요청을 확인할 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요"
                forged = error_page(state.templates, 403, message, user=user, csrf=csrf)
                return await _refuse(state, request, user, "refused", forged, "csrf")
        ctx = Ctx(request=request, user=user, csrf=csrf, form=form, state=state)
        return await run_in_threadpool(handler, ctx)

    endpoint.__name__ = spec.name
    return endpoint


async def _refuse(
    state: WebState,
    request: Request,
    user: StaffUser | None,
    outcome: str,
    response: Response,
    reason: str | None = None,
) -> Response:
    """Log the refusal (in a worker thread), then answer with `response`."""
    await run_in_threadpool(
        log_refusal, state, request, user, outcome, response.status_code, reason
    )
    return response


def _session(state: WebState, request: Request) -> tuple[StaffUser, str] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    idle = timedelta(minutes=state.settings.web.session_idle_minutes)
    return state.store.staff.session_user(token_hash(token), idle)
