"""Error pages in Korean, in the base layout: 400-500 from the routes, the router
(404, 405), the guard (401, 403), the body cap (413) and unexpected failures (500)."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

log = logging.getLogger(__name__)

MESSAGES = {
    400: "요청을 처리할 수 없습니다",
    401: "로그인이 필요합니다",
    403: "권한이 없습니다",
    404: "찾을 수 없는 페이지입니다",
    405: "이 주소에서는 할 수 없는 요청입니다",
    409: "다른 변경과 겹쳐 처리하지 못했습니다. 다시 시도해 주세요",
    413: "요청이 너무 큽니다",
    429: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요",
    500: "서버에 문제가 생겨 처리하지 못했습니다. 잠시 후 다시 시도해 주세요",
}
TITLES = {401: "로그인 필요", 403: "권한 없음", 404: "찾을 수 없음", 413: "요청이 너무 큼"}


def message_for(status: int) -> str:
    """The Korean sentence for an HTTP status."""
    return MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]


def page_html(
    templates: Jinja2Templates, status: int, message: str | None = None, **context: Any
) -> str:
    """The error page's HTML (without a request: the 413 is answered outside the app)."""
    return templates.env.get_template("error.html").render(
        status=status,
        title=TITLES.get(status, "오류"),
        message=message or message_for(status),
        **context,
    )


def error_page(
    templates: Jinja2Templates, status: int, message: str | None = None, **context: Any
) -> Response:
    """An error response in the base layout (with the user's menu when `user` is given)."""
    return HTMLResponse(page_html(templates, status, message, **context), status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's handler for `HTTPException` (unknown path, wrong method, ...)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    response = error_page(request.app.state.web.templates, status)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """The 500 page (the traceback goes to the log, never to the browser)."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request.app.state.web.templates, 500)
