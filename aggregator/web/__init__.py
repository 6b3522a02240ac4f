"""The review inbox web app (Starlette + Jinja2, server-rendered, Korean UI).

`create_app(settings, store)` builds the app; `ROUTES` lists every route with the
roles it admits, which `guard` enforces on each request and the tests walk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from aggregator.config import Settings
from aggregator.reports.jobs import ReportWorker
from aggregator.store import Store
from aggregator.web import (
    auth,
    errors,
    views_admin,
    views_answers,
    views_dashboard,
    views_inbox,
    views_notify,
    views_reports,
    views_templates,
    views_thread,
)
from aggregator.web.core import Handler, WebState, guard
from aggregator.web.security import MAX_BODY, RouteSpec, SecurityHeaders
from aggregator.web.templating import make_templates
from aggregator.web.views_access_log import access_log, access_log_export
from aggregator.web.views_users import user_add, user_change, users_page
from aggregator.workflow import ALL_ROLES, OFFICE_ROLES, STAFF_ROLES, Role

STATIC = Path(__file__).resolve().parent / "static"
ADMIN = frozenset({Role.ADMIN})
NOT_VIEWER = STAFF_ROLES

ROUTES: tuple[tuple[RouteSpec, Handler], ...] = (
    (RouteSpec("/inbox", "GET", "inbox", ALL_ROLES), views_inbox.inbox),
    (RouteSpec("/inbox/bulk", "POST", "bulk", NOT_VIEWER), views_inbox.bulk),
    (RouteSpec("/comments/{comment_id:int}", "GET", "thread", ALL_ROLES), views_thread.thread),
    (RouteSpec("/comments/{comment_id:int}/action", "POST", "act", NOT_VIEWER), views_thread.act),
    (
        RouteSpec("/comments/{comment_id:int}/reveal", "POST", "reveal", NOT_VIEWER),
        views_thread.reveal,
    ),
    (RouteSpec("/manual", "GET", "manual", OFFICE_ROLES), views_admin.manual_page),
    (RouteSpec("/manual", "POST", "manual_add", OFFICE_ROLES), views_admin.manual_add),
    (
        RouteSpec("/checks/{item_id:int}/dismiss", "POST", "dismiss_check", OFFICE_ROLES),
        views_admin.dismiss_check,
    ),
    (RouteSpec("/admin/access-log", "GET", "access_log", ADMIN), access_log),
    (
        RouteSpec("/admin/access-log/export", "POST", "access_log_export", ADMIN),
        access_log_export,
    ),
    (RouteSpec("/admin/users", "GET", "users", ADMIN), users_page),
    (RouteSpec("/admin/users", "POST", "user_add", ADMIN), user_add),
    (RouteSpec("/admin/users/change", "POST", "user_change", ADMIN), user_change),
    (RouteSpec("/reports", "GET", "reports", OFFICE_ROLES), views_reports.reports_page),
    (
        RouteSpec("/reports/download", "POST", "reports_download", OFFICE_ROLES),
        views_reports.reports_download,
    ),
    (
        RouteSpec("/reports/close", "POST", "reports_close", OFFICE_ROLES),
        views_reports.reports_close,
    ),
    (RouteSpec("/reports/reopen", "POST", "reports_reopen", ADMIN), views_reports.reports_reopen),
    (RouteSpec("/reports/jobs", "GET", "report_jobs", OFFICE_ROLES), views_reports.report_jobs),
    (RouteSpec("/reports/file", "GET", "report_file", OFFICE_ROLES), views_reports.report_file),
    (RouteSpec("/logout", "POST", "logout", ALL_ROLES), auth.logout),
    (
        RouteSpec("/comments/{comment_id:int}/answers", "POST", "answer_write", NOT_VIEWER),
        views_answers.write,
    ),
    (
        RouteSpec("/answers/{answer_id:int}/action", "POST", "answer_step", NOT_VIEWER),
        views_answers.step,
    ),
    (RouteSpec("/answers", "GET", "answer_queue", NOT_VIEWER), views_answers.queue_page),
    (
        RouteSpec("/answers/templates", "GET", "answer_templates", NOT_VIEWER),
        views_templates.templates_page,
    ),
    (
        RouteSpec("/answers/templates", "POST", "answer_template_add", OFFICE_ROLES),
        views_templates.template_add,
    ),
    (
        RouteSpec("/answers/templates/{template_id:int}", "GET", "answer_template", OFFICE_ROLES),
        views_templates.template_edit_page,
    ),
    (
        RouteSpec(
            "/answers/templates/{template_id:int}", "POST", "answer_template_save", OFFICE_ROLES
        ),
        views_templates.template_save,
    ),
    (
        RouteSpec(
            "/answers/templates/{template_id:int}/active",
            "POST",
            "answer_template_active",
            OFFICE_ROLES,
        ),
        views_templates.template_active,
    ),
    (
        RouteSpec("/settings/notifications", "GET", "notify_settings", NOT_VIEWER),
        views_notify.settings_page,
    ),
    (
        RouteSpec("/settings/notifications", "POST", "notify_settings_save", NOT_VIEWER),
        views_notify.settings_save,
    ),
    (RouteSpec("/admin/departments", "GET", "departments", ADMIN), views_notify.departments_page),
    (
        RouteSpec("/admin/departments", "POST", "departments_save", ADMIN),
        views_notify.departments_save,
    ),
    (
        RouteSpec("/admin/notifications/{item_id:int}/retry", "POST", "notify_retry", ADMIN),
        views_notify.notification_retry,
    ),
    (RouteSpec("/", "GET", "home", ALL_ROLES), views_dashboard.dashboard),
    (RouteSpec("/dashboard", "GET", "dashboard", ALL_ROLES), views_dashboard.dashboard),
)
PUBLIC = (
    RouteSpec("/login", "GET", "login_get", None),
    RouteSpec("/login", "POST", "login_post", None),
)


class InboxApp(Starlette):
    """Starlette with `SecurityHeaders` outside every other layer (Starlette's own
    error middleware included, which `middleware=` would put outside it)."""

    too_large_page = ""
    """The 413 page's HTML (answered by `SecurityHeaders`, before any route)."""

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, wrapped in `SecurityHeaders`."""
        return SecurityHeaders(super().build_middleware_stack(), self.too_large_page)


def _report_worker_lifespan(state: WebState) -> Any:
    """The app's lifespan: the report worker's thread runs while the app serves."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        worker = state.report_worker
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    return lifespan


def create_app(settings: Settings, store: Store, hasher: PasswordHasher | None = None) -> Starlette:
    """The inbox app over `store`, configured by `settings`."""
    state = WebState(
        settings=settings,
        store=store,
        templates=make_templates(settings.timezone),
        hasher=hasher or PasswordHasher(),
        routes=[spec for spec, _ in ROUTES] + list(PUBLIC),
        report_worker=ReportWorker(store, settings),
    )
    routes: list[BaseRoute] = [
        Route("/login", auth.login_get, methods=["GET"]),
        Route("/login", auth.login_post, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    routes += [
        Route(spec.path, guard(state, spec, handler), methods=[spec.method], name=spec.name)
        for spec, handler in ROUTES
    ]
    handlers = {HTTPException: errors.http_error, Exception: errors.server_error}
    app = InboxApp(
        routes=routes,
        max_body_size=MAX_BODY,
        exception_handlers=handlers,
        lifespan=_report_worker_lifespan(state),
    )
    app.too_large_page = errors.page_html(state.templates, 413)
    app.state.web = state
    return app
