"""The review inbox web app (Starlette + Jinja2, server-rendered, Korean UI).

`create_app(settings, store)` builds the app; `ROUTES` lists every route with the
roles it admits, which `guard` enforces on each request and the tests walk.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from aggregator.config import Settings
from aggregator.store import Store
from aggregator.web import (
    auth,
    views_admin,
    views_dashboard,
    views_inbox,
    views_reports,
    views_thread,
)
from aggregator.web.core import Handler, WebState, guard
from aggregator.web.security import MAX_BODY, RouteSpec, SecurityHeaders
from aggregator.web.templating import make_templates
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
    (RouteSpec("/admin/access-log", "GET", "access_log", ADMIN), views_admin.access_log),
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
    (RouteSpec("/logout", "POST", "logout", ALL_ROLES), auth.logout),
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

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, wrapped in `SecurityHeaders`."""
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: Settings, store: Store, hasher: PasswordHasher | None = None) -> Starlette:
    """The inbox app over `store`, configured by `settings`."""
    state = WebState(
        settings=settings,
        store=store,
        templates=make_templates(settings.timezone),
        hasher=hasher or PasswordHasher(),
        routes=[spec for spec, _ in ROUTES] + list(PUBLIC),
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
    app = InboxApp(routes=routes, max_body_size=MAX_BODY)
    app.state.web = state
    return app
