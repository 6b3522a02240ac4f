"""Answering and hiding on a Facebook Page through facebook-sdk, with the Page's write token.

Calls (PLATFORMS-WRITE.md §1):
    reply      `put_object(comment_id, "comments", message=..., fields=...)`
               -> `POST {version}/{comment-id}/comments`; the new comment's fields come back
               in the same answer (read-after-write). A reply to a reply must target the
               top-level comment (`ReplyTarget.platform_comment_id`): Graph threads are
               two levels deep.
    read back  `GET {version}/{comment-id}/comments?filter=toplevel&order=reverse_chronological`
               with `from{id}`: the Page's own comment with the same trimmed text, created
               at or after `since` (a minute of clock skew allowed).
    hide       `GET {version}/{comment-id}?fields=can_hide,is_hidden`, then
               `POST {version}/{comment-id}` with `is_hidden="true"|"false"` (the strings:
               the SDK would send a Python bool as `True`).

Everything goes through `GraphTransport` (our HTTP client: SSRF guard, timeouts, deadline,
size cap) and is tried once: a write is never retried here, the outbox decides after
reading back. Errors become `WriteError`s (`write_error`); messages never carry a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import facebook
import requests

from aggregator.http import HttpClient
from aggregator.net_errors import describe_network_error
from connectors.common.reply import PostedReply, ReplyTarget, WriteError, WriteErrorKind
from connectors.common.write_common import network_error, rate_limited, same_text
from connectors.facebook.settings import FacebookAccount
from connectors.graph.api import (
    NETWORK_ERRORS,
    GraphTransport,
    SdkGraph,
    UnexpectedResponse,
    appsecret_proof,
)
from connectors.graph.errors import GraphError, parse_usage

log = logging.getLogger(__name__)

REPLY_FIELDS = "id,created_time,permalink_url"
READ_BACK_FIELDS = "id,from{id},message,created_time,permalink_url"
READ_BACK_LIMIT = "25"
CLOCK_SKEW = timedelta(minutes=1)
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001})
PERMISSION_CODES = frozenset({10, 283, 1705, *range(200, 300)})
DEFAULT_RETRY_SECONDS = 300.0

_STAFF = {
    WriteErrorKind.PERMISSION: "페이스북 토큰에 댓글 관리 권한(pages_manage_engagement)이 없어 "
    "게시하지 못했습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.AUTH: "페이스북 페이지 토큰이 만료되었거나 유효하지 않아 게시하지 못했습니다. "
    "관리자에게 알려 주세요.",
    WriteErrorKind.TARGET_GONE: "주민의 댓글이나 게시물이 삭제되어 답변을 달 수 없습니다.",
    WriteErrorKind.SPAM: "페이스북이 스팸 또는 반복 게시로 판단해 막았습니다. 같은 문구로 다시 "
    "보내지 마세요.",
    WriteErrorKind.RATE_LIMITED: "페이스북 호출 한도에 걸렸습니다. 잠시 후 자동으로 다시 "
    "시도합니다.",
    WriteErrorKind.NETWORK: "페이스북의 응답을 받지 못했습니다. 게시 여부를 확인한 뒤 다시 "
    "시도합니다.",
    WriteErrorKind.RESTRICTED: "페이스북에서 이 댓글은 숨길 수 없습니다(페이지 자신의 댓글 등).",
    WriteErrorKind.INVALID: "페이스북이 요청을 거부했습니다. 관리자에게 알려 주세요.",
}


def staff_message(kind: WriteErrorKind) -> str:
    """The Korean sentence staff see for a Facebook write error of this kind."""
    return _STAFF.get(kind, _STAFF[WriteErrorKind.INVALID])


def write_error(error: GraphError, regain_seconds: float | None = None) -> WriteError:
    """The `WriteError` for a Graph error body (PLATFORMS-WRITE.md §1.5)."""
    code = error.code
    if code == 190:
        kind = WriteErrorKind.AUTH
    elif code in PERMISSION_CODES:
        kind = WriteErrorKind.PERMISSION
    elif code == 100 and error.subcode == 33:
        kind = WriteErrorKind.TARGET_GONE
    elif code == 368:
        kind = WriteErrorKind.SPAM
    elif code in THROTTLE_CODES:
        wait = regain_seconds or DEFAULT_RETRY_SECONDS
        return rate_limited(f"Graph API {error.describe()}", staff_message, wait)
    elif code in (1, 2) or error.transient:
        kind = WriteErrorKind.NETWORK
    else:
        kind = WriteErrorKind.INVALID
    return WriteError(kind, f"Graph API {error.describe()}", staff_message(kind))


class FacebookWriter:
    """Replies, read-back and hiding on one Page (`ReplyWriter`)."""

    can_hide = True

    def __init__(self, account: FacebookAccount, http: HttpClient) -> None:
        if account.write_access_token is None:
            raise ValueError(f"account {account.name} has no write_access_token")
        token = account.write_access_token.value
        secret = account.app_secret.value if account.app_secret else None
        proof = appsecret_proof(token, secret) if secret else None
        self.page_id = account.page_id
        self.secrets = tuple(s for s in (token, secret, proof) if s)
        http.protect(self.secrets)
        self.regain_seconds: float | None = None
        transport = GraphTransport(http, str(account.graph_url), self._record_usage)
        self.graph = SdkGraph(token, transport, account.graph_version, proof)

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the Page under the target comment."""
        node = target.platform_comment_id
        result = self._call(
            lambda: self.graph.put_object(node, "comments", message=text, fields=REPLY_FIELDS)
        )
        reply_id = str(result.get("id") or "")
        if not reply_id:
            raise network_error("Graph API answered the reply without an id", staff_message)
        return PostedReply(reply_id, reply_id, _str(result.get("permalink_url")))

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The Page's reply with this text under the target, posted at or after `since`."""
        node = target.platform_comment_id
        args = {"filter": "toplevel", "order": "reverse_chronological",
                "fields": READ_BACK_FIELDS, "limit": READ_BACK_LIMIT}  # fmt: skip
        body = self._call(lambda: self.graph.request(f"{self.graph.version}/{node}/comments", args))
        for item in _items(body):
            if self._is_ours(item, text, since):
                reply_id = str(item["id"])
                return PostedReply(reply_id, reply_id, _str(item.get("permalink_url")))
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hide or unhide the resident's comment; RESTRICTED when Graph says it cannot."""
        node = target.platform_comment_id
        path = f"{self.graph.version}/{node}"
        state = self._call(lambda: self.graph.request(path, {"fields": "can_hide,is_hidden"}))
        if state.get("can_hide") is False:
            raise WriteError(
                WriteErrorKind.RESTRICTED,
                f"Graph API: comment {node} has can_hide=false",
                staff_message(WriteErrorKind.RESTRICTED),
            )
        if state.get("is_hidden") is hidden:
            return
        value = "true" if hidden else "false"
        self._call(lambda: self.graph.request(path, post_args={"is_hidden": value}))

    def _is_ours(self, item: Mapping[str, Any], text: str, since: datetime) -> bool:
        author = item.get("from")
        if not isinstance(author, Mapping) or str(author.get("id")) != self.page_id:
            return False
        if not same_text(str(item.get("message") or ""), text):
            return False
        created = _graph_time(item.get("created_time"))
        return created is not None and created >= since - CLOCK_SKEW

    def _call(self, send: Callable[[], Any]) -> dict[str, Any]:
        """One Graph call; every failure as a `WriteError`."""
        try:
            result = send()
        except facebook.GraphAPIError as exc:
            error = GraphError.from_body(exc.result, self.secrets)
            raise write_error(error, self.regain_seconds) from None
        except NETWORK_ERRORS as exc:
            message = f"Graph API: {describe_network_error(exc)}"
            raise network_error(message, staff_message) from None
        except UnexpectedResponse as exc:
            if exc.status == 429:
                raise rate_limited(f"Graph API: {exc}", staff_message, exc.retry_after) from None
            raise network_error(f"Graph API: {exc}", staff_message) from None
        except requests.JSONDecodeError:
            raise network_error("Graph API: the body is not valid JSON", staff_message) from None
        if not isinstance(result, dict):
            raise network_error("Graph API: the answer is not an object", staff_message)
        return result

    def _record_usage(self, headers: Mapping[str, str]) -> None:
        self.regain_seconds = parse_usage(headers).regain_seconds or None


def _items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = body.get("data")
    return [i for i in data if isinstance(i, Mapping)] if isinstance(data, list) else []


def _str(value: Any) -> str | None:
    return str(value) if value else None


def _graph_time(value: Any) -> datetime | None:
    """`2026-11-20T01:02:03+0000` as an aware datetime, or None."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
