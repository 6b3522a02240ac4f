"""Answering and hiding on the district's Instagram account, with the account's write token
(`write_access_token`: with Facebook Login a Page token with `instagram_manage_comments`,
with Instagram Login (`api: instagram_login`) an Instagram User token with
`instagram_business_manage_comments`). Staff's sentences name the token of the account's
API: 페이지 토큰 or 인스타그램 사용자 토큰 (`staff_messages(api)`).

Calls (PLATFORMS-WRITE.md §5.4, §5.8), through the Graph write client Facebook uses
(`connectors.graph.write`):
    reply      `POST {version}/{ig-comment-id}/replies` message=...  -> {"id"}: 1 call.
               Only top-level comments take replies (a reply to a reply lands on the
               top-level one), so `ReplyTarget.platform_comment_id` is the top-level
               comment; a hidden comment cannot be answered (error 100: RESTRICTED).
    read back  `GET {version}/{ig-comment-id}/replies?fields=id,text,timestamp,username,user`,
               50 a page, at most `READ_BACK_PAGES` (10) pages: the account's own reply
               (`user` present, or the account's `username`) with the same trimmed text,
               written at or after `since` (a minute of clock skew allowed).
    hide       `POST {version}/{ig-comment-id}` hide=true|false -> {"success": true}: 1 call
               (idempotent; the account's own comments stay shown whatever is asked).

Errors as for the Page (`connectors.graph.write.write_error`): 190 AUTH, 10/200-299
PERMISSION, 100/33 TARGET_GONE, 368 SPAM, 4/17/32/613/80001/80002 RATE_LIMITED, 1/2
NETWORK. Writes count against the account's Business Use Case budget like reads; the
historic "60 writes per user per hour" (§5.5) makes replies scarce: they are sent once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aggregator.http import HttpClient
from connectors.common.reply import PostedReply, ReplyTarget, WriteError, WriteErrorKind
from connectors.common.write_common import StaffMessage, network_error, same_text
from connectors.graph import write as graph_write
from connectors.graph.errors import GraphError
from connectors.graph.write import GraphWriteClient, graph_time, items, next_after
from connectors.instagram.settings import Api, InstagramAccount

READ_BACK_FIELDS = "id,text,timestamp,username,user"
READ_BACK_LIMIT = "50"
READ_BACK_PAGES = 10
"""The most `/replies` pages a crash lookup reads (50 replies each)."""
CLOCK_SKEW = timedelta(minutes=1)
HIDDEN_HINT = "hidden"
CLOSED_HINT = "comments are disabled"

_STAFF = {
    WriteErrorKind.PERMISSION: "인스타그램에 쓰는 페이지 토큰에 댓글 관리 권한"
    "(instagram_manage_comments)이 없어 게시하지 못했습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.AUTH: "인스타그램에 쓰는 페이지 토큰이 만료되었거나 유효하지 않아 게시하지 "
    "못했습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.TARGET_GONE: "주민의 댓글이나 게시물이 삭제되어 답변을 달 수 없습니다.",
    WriteErrorKind.SPAM: "인스타그램이 스팸 또는 반복 게시로 판단해 막았습니다. 같은 문구로 "
    "다시 보내지 마세요.",
    WriteErrorKind.RATE_LIMITED: "인스타그램 호출 한도에 걸렸습니다. 잠시 후 자동으로 다시 "
    "시도합니다.",
    WriteErrorKind.NETWORK: "인스타그램의 응답을 받지 못했습니다. 게시 여부를 확인한 뒤 다시 "
    "시도합니다.",
    WriteErrorKind.RESTRICTED: "숨긴 댓글에는 인스타그램에서 답글을 달 수 없습니다. 숨김을 "
    "해제한 뒤 다시 보내거나, 복사해서 직접 게시해 주세요.",
    WriteErrorKind.CLOSED: "이 인스타그램 게시물은 댓글이 꺼져 있어 답변을 달 수 없습니다.",
    WriteErrorKind.INVALID: "인스타그램이 요청을 거부했습니다. 관리자에게 알려 주세요.",
}


_LOGIN_STAFF = {
    **_STAFF,
    WriteErrorKind.PERMISSION: "인스타그램 사용자 토큰에 댓글 관리 권한"
    "(instagram_business_manage_comments)이 없어 게시하지 못했습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.AUTH: "인스타그램 사용자 토큰이 만료되었거나 유효하지 않아 게시하지 "
    "못했습니다. 관리자에게 알려 주세요(계정 소유자가 인스타그램 로그인으로 새 토큰을 발급).",
}
"""Instagram Login (`api: instagram_login`): the token is the Instagram User token."""


def staff_message(kind: WriteErrorKind, api: Api = "facebook_login") -> str:
    """The Korean sentence staff see for an Instagram write error of this kind, naming the
    token of the account's API."""
    sentences = _LOGIN_STAFF if api == "instagram_login" else _STAFF
    return sentences.get(kind, sentences[WriteErrorKind.INVALID])


def staff_messages(api: Api) -> StaffMessage:
    """`staff_message` for an account of `api`."""
    return partial(staff_message, api=api)


def write_error(
    error: GraphError, regain_seconds: float | None = None, api: Api = "facebook_login"
) -> WriteError:
    """The `WriteError` for a Graph error body on Instagram (PLATFORMS-WRITE.md §5.5); error
    100 refusing a reply to a hidden comment is RESTRICTED, on a media with comments turned
    off CLOSED (both texts assumed: Meta documents the rules, not the messages)."""
    staff = staff_messages(api)
    found = graph_write.write_error(error, staff, regain_seconds)
    text = error.message.lower()
    if found.kind is not WriteErrorKind.INVALID:
        return found
    if CLOSED_HINT in text:
        kind = WriteErrorKind.CLOSED
    elif HIDDEN_HINT in text:
        kind = WriteErrorKind.RESTRICTED
    else:
        return found
    return WriteError(kind, found.message, staff(kind))


class InstagramWriter:
    """Replies, read-back and hiding on one Instagram account (`ReplyWriter`)."""

    can_hide = True

    def __init__(self, account: InstagramAccount, http: HttpClient) -> None:
        if account.write_access_token is None:
            raise ValueError(f"account {account.name} has no write_access_token")
        self.ig_user_id = account.ig_user_id
        self.username = account.username
        self.staff = staff_messages(account.api)
        self.client = GraphWriteClient(
            http,
            account.write_access_token.value,
            account.app_secret.value if account.app_secret else None,
            str(account.graph_url),
            account.graph_version,
            self.staff,
            partial(write_error, api=account.api),
        )

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the account's reply to the (top-level) target comment."""
        node = target.platform_comment_id
        result = self.client.post(f"{node}/replies", {"message": text})
        reply_id = str(result.get("id") or "")
        if not reply_id:
            raise network_error("Graph API answered the reply without an id", self.staff)
        return PostedReply(reply_id, reply_id)

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The account's reply with this text under the target, posted at or after `since`
        (at most `READ_BACK_PAGES` pages read)."""
        node = target.platform_comment_id
        args = {"fields": READ_BACK_FIELDS, "limit": READ_BACK_LIMIT}
        for _ in range(READ_BACK_PAGES):
            body = self.client.get(f"{node}/replies", args)
            for item in items(body):
                if self._is_ours(item, text, since):
                    reply_id = str(item["id"])
                    return PostedReply(reply_id, reply_id)
            after = next_after(body)
            if after is None:
                return None
            args = {**args, "after": after}
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hide or unhide the resident's comment."""
        node = target.platform_comment_id
        value = "true" if hidden else "false"
        self.client.post(node, {"hide": value})

    def _is_ours(self, item: Mapping[str, Any], text: str, since: datetime) -> bool:
        user = item.get("user")
        own_user = isinstance(user, Mapping) and str(user.get("id")) == self.ig_user_id
        own_name = self.username is not None and item.get("username") == self.username
        if not (own_user or own_name):
            return False
        if not same_text(str(item.get("text") or ""), text):
            return False
        written = graph_time(item.get("timestamp"))
        return written is not None and written >= since - CLOCK_SKEW
