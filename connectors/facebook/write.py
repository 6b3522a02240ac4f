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

Everything goes through `connectors.graph.write.GraphWriteClient` (shared with Instagram:
our HTTP client with its SSRF guard, timeouts, deadline, size cap) and is tried once: a
write is never retried here, the outbox decides after reading back. Errors become
`WriteError`s (`write_error`); messages never carry a token.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aggregator.http import HttpClient
from connectors.common.reply import PostedReply, ReplyTarget, WriteError, WriteErrorKind
from connectors.common.write_common import network_error, same_text
from connectors.facebook.settings import FacebookAccount
from connectors.graph import write as graph_write
from connectors.graph.errors import GraphError
from connectors.graph.write import GraphWriteClient, graph_time, items, str_or_none

log = logging.getLogger(__name__)

REPLY_FIELDS = "id,created_time,permalink_url"
READ_BACK_FIELDS = "id,from{id},message,created_time,permalink_url"
READ_BACK_LIMIT = "25"
CLOCK_SKEW = timedelta(minutes=1)

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
    return graph_write.write_error(error, staff_message, regain_seconds)


class FacebookWriter:
    """Replies, read-back and hiding on one Page (`ReplyWriter`)."""

    can_hide = True

    def __init__(self, account: FacebookAccount, http: HttpClient) -> None:
        if account.write_access_token is None:
            raise ValueError(f"account {account.name} has no write_access_token")
        self.page_id = account.page_id
        self.client = GraphWriteClient(
            http,
            account.write_access_token.value,
            account.app_secret.value if account.app_secret else None,
            str(account.graph_url),
            account.graph_version,
            staff_message,
        )
        self.graph = self.client.graph

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the Page under the target comment."""
        node = target.platform_comment_id
        result = self.client.call(
            lambda: self.graph.put_object(node, "comments", message=text, fields=REPLY_FIELDS)
        )
        reply_id = str(result.get("id") or "")
        if not reply_id:
            raise network_error("Graph API answered the reply without an id", staff_message)
        return PostedReply(reply_id, reply_id, str_or_none(result.get("permalink_url")))

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The Page's reply with this text under the target, posted at or after `since`."""
        node = target.platform_comment_id
        args = {"filter": "toplevel", "order": "reverse_chronological",
                "fields": READ_BACK_FIELDS, "limit": READ_BACK_LIMIT}  # fmt: skip
        body = self.client.get(f"{node}/comments", args)
        for item in items(body):
            if self._is_ours(item, text, since):
                reply_id = str(item["id"])
                return PostedReply(reply_id, reply_id, str_or_none(item.get("permalink_url")))
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hide or unhide the resident's comment; RESTRICTED when Graph says it cannot."""
        node = target.platform_comment_id
        state = self.client.get(node, {"fields": "can_hide,is_hidden"})
        if state.get("can_hide") is False:
            raise WriteError(
                WriteErrorKind.RESTRICTED,
                f"Graph API: comment {node} has can_hide=false",
                staff_message(WriteErrorKind.RESTRICTED),
            )
        if state.get("is_hidden") is hidden:
            return
        value = "true" if hidden else "false"
        self.client.post(node, {"is_hidden": value})

    def _is_ours(self, item: Mapping[str, Any], text: str, since: datetime) -> bool:
        author = item.get("from")
        if not isinstance(author, Mapping) or str(author.get("id")) != self.page_id:
            return False
        if not same_text(str(item.get("message") or ""), text):
            return False
        created = graph_time(item.get("created_time"))
        return created is not None and created >= since - CLOCK_SKEW
