"""Answering and moderating on a self-hosted WordPress blog through its REST API.

Calls (PLATFORMS-WRITE.md §3), HTTP Basic with the Editor's Application Password:
    reply      `POST {site}/wp-json/wp/v2/comments` {post, parent, content} -> 201 + the comment;
               an Editor's comment is approved at once. An identical repeat is refused with
               409 `comment_duplicate` (the only platform that dedupes itself).
    read back  `GET {site}/wp-json/wp/v2/users/me` (our user id, once), then
               `GET .../comments?post={ID}&parent={target}&author={me}&context=edit` and the
               reply whose `content.raw` (trimmed) is the text, `date_gmt` at or after `since`.
    hide       `POST .../comments/{id}` {status: hold | approved}; WordPress answers 500
               `rest_comment_failed_edit` when the comment already has that status, so the
               comment is then read (`GET .../comments/{id}?context=edit`) before failing.

`{site}` comes from the account's `feed_url` as for reading (`wp_rest.comments_endpoint`).
Everything goes through our `HttpClient` (SSRF guard, timeouts, deadline, size cap); writes
are sent once, never retried here. The password is only ever in the Authorization header.
The reply's `external_id` is the one the sync gives it (`wp:{host}{path}:comment:{id}`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from aggregator.connector import ConnectorError
from aggregator.http import HttpClient
from aggregator.http_retry import throttle_hint
from aggregator.net_errors import describe_network_error
from connectors.blog.settings import BlogAccount
from connectors.blog.wp_rest import comments_endpoint
from connectors.common.feeds import display_url
from connectors.common.reply import PostedReply, ReplyTarget, WriteError, WriteErrorKind
from connectors.common.write_common import network_error, rate_limited, same_text

CLOCK_SKEW = timedelta(minutes=1)
DEFAULT_RETRY_SECONDS = 60.0
GONE_CODES = frozenset({
    "rest_comment_invalid_post_id", "rest_comment_draft_post", "rest_comment_trash_post",
    "rest_cannot_read_post", "rest_comment_invalid_id", "rest_post_invalid_id",
})  # fmt: skip
PERMISSION_CODES = frozenset({
    "rest_cannot_edit", "rest_comment_invalid_status", "rest_comment_invalid_author",
    "rest_cannot_moderate", "rest_forbidden_context", "rest_forbidden",
})  # fmt: skip

_STAFF = {
    WriteErrorKind.AUTH: "워드프레스 애플리케이션 비밀번호가 맞지 않거나 폐기되었습니다. "
    "관리자에게 알려 주세요.",
    WriteErrorKind.PERMISSION: "워드프레스 계정에 댓글 관리 권한이 없습니다(편집자 권한 필요). "
    "관리자에게 알려 주세요.",
    WriteErrorKind.TARGET_GONE: "주민의 댓글이나 글이 삭제되어 답변을 달 수 없습니다.",
    WriteErrorKind.CLOSED: "이 글은 댓글이 닫혀 있어 답변을 달 수 없습니다.",
    WriteErrorKind.DUPLICATE: "같은 내용의 답변이 이미 달려 있습니다.",
    WriteErrorKind.RATE_LIMITED: "워드프레스가 요청을 잠시 막았습니다. 잠시 후 자동으로 다시 "
    "시도합니다.",
    WriteErrorKind.NETWORK: "워드프레스의 응답을 받지 못했습니다. 게시 여부를 확인한 뒤 다시 "
    "시도합니다.",
    WriteErrorKind.INVALID: "워드프레스가 요청을 거부했습니다. 관리자에게 알려 주세요.",
}


def staff_message(kind: WriteErrorKind) -> str:
    """The Korean sentence staff see for a WordPress write error of this kind."""
    return _STAFF.get(kind, _STAFF[WriteErrorKind.INVALID])


def write_error(
    status: int, code: str, message: str, retry_after: float | None = None
) -> WriteError:
    """The `WriteError` for a WordPress REST error answer (PLATFORMS-WRITE.md §3.2)."""
    cause = f"WordPress REST HTTP {status} {code or '(no code)'}: {message}".strip()
    if status == 429 or code == "comment_flood":
        return rate_limited(cause, staff_message, retry_after or DEFAULT_RETRY_SECONDS)
    if status >= 500:
        return network_error(cause, staff_message)
    if status == 401 and code not in PERMISSION_CODES:
        kind = WriteErrorKind.AUTH
    elif code == "rest_comment_closed":
        kind = WriteErrorKind.CLOSED
    elif code in GONE_CODES or status in (404, 410):
        kind = WriteErrorKind.TARGET_GONE
    elif code == "comment_duplicate" or status == 409:
        kind = WriteErrorKind.DUPLICATE
    elif code in PERMISSION_CODES or status == 403:
        kind = WriteErrorKind.PERMISSION
    else:
        kind = WriteErrorKind.INVALID
    return WriteError(kind, cause, staff_message(kind))


class WordPressWriter:
    """Reply comments, read-back and hold/approve on one WordPress site (`ReplyWriter`)."""

    can_hide = True

    def __init__(self, account: BlogAccount, http: HttpClient) -> None:
        if account.write_username is None or account.write_app_password is None:
            raise ValueError(f"account {account.name} has no write_username/write_app_password")
        endpoint = comments_endpoint(str(account.feed_url))
        if endpoint is None:
            raise ValueError(f"account {account.name}: no REST address from {account.feed_url}")
        self.endpoint = endpoint
        self.http = http
        credentials = f"{account.write_username}:{account.write_app_password.value}"
        self._auth = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
        http.protect([account.write_app_password.value])
        self._user_id: int | None = None

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the Editor's reply to the target comment."""
        post = _number(target.platform_post_id, "post")
        parent = _number(target.platform_comment_id, "comment")
        body = {"post": post, "parent": parent, "content": text}
        created = self._send("POST", self.endpoint, body)
        return _posted(target, created)

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """Our reply with this text under the target comment, written at or after `since`."""
        query = {"post": _number(target.platform_post_id, "post"),
                 "parent": _number(target.platform_comment_id, "comment"),
                 "author": self._me(), "context": "edit", "per_page": 100}  # fmt: skip
        items = self._get(f"{self.endpoint}?{urlencode(query)}")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and _matches(item, text, since - CLOCK_SKEW):
                return _posted(target, item)
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hold (hide) or approve (show) the resident's comment."""
        wanted = "hold" if hidden else "approved"
        url = f"{self.endpoint}/{_number(target.platform_comment_id, 'comment')}"
        try:
            self._send("POST", url, {"status": wanted})
        except WriteError as exc:
            if "rest_comment_failed_edit" not in exc.message:
                raise
            current = self._get(f"{url}?context=edit")
            if not isinstance(current, Mapping) or current.get("status") != wanted:
                raise

    def _me(self) -> int:
        if self._user_id is None:
            me = self._get(self.endpoint.removesuffix("/comments") + "/users/me")
            user_id = me.get("id") if isinstance(me, Mapping) else None
            if not isinstance(user_id, int):
                raise network_error("WordPress REST users/me: no user id", staff_message)
            self._user_id = user_id
        return self._user_id

    def _send(self, method: str, url: str, body: Mapping[str, Any]) -> Any:
        headers = {**self._auth, "Accept": "application/json"}
        try:
            raw = self.http.send(
                method, url, json=dict(body), headers=headers, allow_redirects=False
            )
        except requests.RequestException as exc:
            cause = f"WordPress REST {display_url(url)}: {describe_network_error(exc)}"
            raise network_error(cause, staff_message) from None
        except ConnectorError as exc:
            raise network_error(f"WordPress REST: {exc}", staff_message) from None
        return _answer(raw.status_code, raw.headers, raw.content, url)

    def _get(self, url: str) -> Any:
        try:
            response = self.http.get(url, headers={**self._auth, "Accept": "application/json"})
        except ConnectorError as exc:
            raise network_error(f"WordPress REST: {exc}", staff_message) from None
        return _answer(response.status, response.headers, response.content, url)


def _answer(status: int, headers: Mapping[str, str], content: bytes, url: str) -> Any:
    """The JSON of a 2xx answer; a `WriteError` for anything else."""
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    if 200 <= status < 300 and body is not None:
        return body
    error = body if isinstance(body, Mapping) else {}
    message = str(error.get("message") or f"not a WordPress answer from {display_url(url)}")
    wait = throttle_hint(headers)
    if 200 <= status < 300:
        raise write_error(502, "invalid_json", message, wait)
    raise write_error(status, str(error.get("code") or ""), message[:300], wait)


def _posted(target: ReplyTarget, comment: Any) -> PostedReply:
    if not isinstance(comment, Mapping) or not isinstance(comment.get("id"), int):
        raise network_error("WordPress REST answered without a comment id", staff_message)
    prefix, found, _ = target.comment_external_id.rpartition(":comment:")
    if not found:
        raise ValueError(f"{target.comment_external_id!r} is not a WordPress comment id")
    link = comment.get("link")
    number = str(comment["id"])
    return PostedReply(
        number, f"{prefix}:comment:{number}", link if isinstance(link, str) else None
    )


def _matches(item: Mapping[str, Any], text: str, since: datetime) -> bool:
    content = item.get("content")
    raw = content.get("raw") if isinstance(content, Mapping) else None
    if not isinstance(raw, str) or not same_text(raw, text):
        return False
    try:
        written = datetime.fromisoformat(str(item.get("date_gmt"))).replace(tzinfo=UTC)
    except ValueError:
        return False
    return written >= since


def _number(value: str | None, what: str) -> int:
    if value is None or not value.isdigit():
        raise ValueError(f"a WordPress {what} id must be a number, got {value!r}")
    return int(value)
