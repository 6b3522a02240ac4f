"""Answering residents on X and hiding replies, through tweepy with user context.

Calls (PLATFORMS-WRITE.md §2), with the credential `write_with` names: OAuth 1.0a user
context (`user_auth=True`, the four keys) or an OAuth 2.0 user token with `tweet.write`
(sent as tweepy's `bearer_token`, `user_auth=False`). The app-only bearer token can
never write (X answers 403 unsupported-authentication).
    reply      `create_tweet(text=..., in_reply_to_tweet_id=...)` -> `POST /2/tweets`, 201
    read back  `get_users_tweets(own id, since_id=<the id X would give at since>)` and the
               tweet whose `referenced_tweets` replied_to is the target and whose text
               (HTML entities undone, trimmed) is ours. X ids grow with time (Snowflake), so
               `since` becomes a `since_id` and the read stays small.
    hide       `hide_reply(id)` / `unhide_reply(id)` -> `PUT /2/tweets/:id/hidden`

Sent once through `XSession` (our host, SSRF guard, timeouts, deadline, size cap, token
redaction in logs); `wait_on_rate_limit` is off. Cost: `spent` adds each call at the
account's `prices` (a reply at `prices.reply`, or `reply_with_url` when the text has a
link, each tweet read back at `owned_read`, the user lookup at `user_read`, hiding at
`hide`); the caller (the answers worker) charges it to the account's month, and sets
`spent_before` so that a call whose worst case would exceed `monthly_budget` is refused
before it is made (`WriteErrorKind.BUDGET`, tried again next month).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
import tweepy

from aggregator.connector import ConnectorError
from aggregator.http import HttpClient
from aggregator.http_retry import throttle_hint
from aggregator.net_errors import describe_network_error
from connectors.common.reply import PostedReply, ReplyTarget, WriteError, WriteErrorKind
from connectors.common.write_common import network_error, rate_limited, same_text
from connectors.twitter.session import XSession
from connectors.twitter.settings import TwitterAccount

TWITTER_EPOCH_MS = 1_288_834_974_657
CLOCK_SKEW = timedelta(minutes=1)
READ_BACK_MAX = 100
DEFAULT_RETRY_SECONDS = 900.0
DUPLICATE_HINT = "duplicate content"
GONE_HINTS = ("deleted or not visible", "could not find", "not found")
RESTRICTED_HINTS = ("not allowed to reply", "mentioned or otherwise engaged", "restricted who")

_STAFF = {
    WriteErrorKind.PERMISSION: "X 토큰에 글쓰기 권한이 없습니다(앱 전용 토큰으로는 게시할 수 "
    "없음). 관리자에게 알려 주세요.",
    WriteErrorKind.AUTH: "X 토큰이 만료되었거나 취소되었습니다. 관리자에게 알려 주세요.",
    WriteErrorKind.TARGET_GONE: "주민의 게시물이 삭제되었거나 볼 수 없어 답글을 달 수 없습니다.",
    WriteErrorKind.RESTRICTED: "작성자가 답글을 제한했거나 구청 계정을 언급하지 않은 게시물이라 "
    "API로 답글을 달 수 없습니다. 복사해서 직접 게시해 주세요.",
    WriteErrorKind.DUPLICATE: "X가 같은 내용의 게시물로 보고 거부했습니다. 이미 게시되었는지 "
    "확인합니다.",
    WriteErrorKind.RATE_LIMITED: "X 호출 한도에 걸렸습니다. 잠시 후 자동으로 다시 시도합니다.",
    WriteErrorKind.NETWORK: "X의 응답을 받지 못했습니다. 게시 여부를 확인한 뒤 다시 시도합니다.",
    WriteErrorKind.INVALID: "X가 요청을 거부했습니다(글자 수 등). 관리자에게 알려 주세요.",
    WriteErrorKind.BUDGET: "이번 달 X API 예산을 넘게 되어 보내지 않았습니다. 다음 달 1일에 "
    "자동으로 다시 시도합니다(급하면 복사해서 직접 게시한 뒤 '게시함'을 눌러 주세요).",
}
URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def staff_message(kind: WriteErrorKind) -> str:
    """The Korean sentence staff see for an X write error of this kind."""
    return _STAFF.get(kind, _STAFF[WriteErrorKind.INVALID])


def write_error(
    status: int, problem: Mapping[str, Any], retry_after: float | None = None
) -> WriteError:
    """The `WriteError` for an X answer (PLATFORMS-WRITE.md §2.5)."""
    title, detail = str(problem.get("title") or ""), str(problem.get("detail") or "")
    kind_url = str(problem.get("type") or "")
    cause = f"X API HTTP {status} {title}: {detail}".strip()
    text = f"{title} {detail}".lower()
    if status == 429:
        return rate_limited(cause, staff_message, retry_after or DEFAULT_RETRY_SECONDS)
    if status >= 500:
        return network_error(cause, staff_message)
    if status == 401:
        kind = WriteErrorKind.AUTH
    elif DUPLICATE_HINT in text:
        kind = WriteErrorKind.DUPLICATE
    elif status == 404 or any(hint in text for hint in GONE_HINTS):
        kind = WriteErrorKind.TARGET_GONE
    elif any(hint in text for hint in RESTRICTED_HINTS):
        kind = WriteErrorKind.RESTRICTED
    elif status == 403 or "unsupported-authentication" in kind_url:
        kind = WriteErrorKind.PERMISSION
    else:
        kind = WriteErrorKind.INVALID
    return WriteError(kind, cause, staff_message(kind))


def id_at(moment: datetime) -> int:
    """The smallest Snowflake id X can give a tweet made at `moment`."""
    return max(0, int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22


class XWriter:
    """Replies, read-back and hiding for one X account (`ReplyWriter`)."""

    can_hide = True

    def __init__(self, account: TwitterAccount, http: HttpClient) -> None:
        self.username = account.username
        self.user_id = account.user_id
        self.prices = account.prices
        self.spent = 0.0
        """USD of this writer's calls at the account's prices (for the monthly budget)."""
        self.spent_before = 0.0
        """The account's spend this month besides this writer's calls (set by the caller)."""
        self.budget = account.monthly_budget
        self.session = XSession(http, str(account.api_url))
        self.client, self.user_auth = _client(account)
        self.session.serve(self.client)

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the district's reply to the resident's tweet."""
        price = self.prices.reply_with_url if URL.search(text) else self.prices.reply
        self._reserve(price, 1, "reply")
        response = self._call(
            lambda: self.client.create_tweet(
                text=text,
                in_reply_to_tweet_id=target.platform_comment_id,
                user_auth=self.user_auth,
            )
        )
        self.spent += price
        data = response.get("data")
        tweet_id = str(data.get("id") or "") if isinstance(data, Mapping) else ""
        if not tweet_id.isdigit():
            raise network_error("X API answered the reply without an id", staff_message)
        return self._posted(tweet_id)

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The district's reply to the target with this text, posted at or after `since`."""
        own = self._own_id()
        since_id = str(id_at(since - CLOCK_SKEW))
        self._reserve(self.prices.owned_read, READ_BACK_MAX, "read back")
        body = self._call(
            lambda: self.client.get_users_tweets(
                own,
                since_id=since_id,
                max_results=READ_BACK_MAX,
                exclude=["retweets"],
                tweet_fields=["created_at", "referenced_tweets", "conversation_id"],
                user_auth=self.user_auth,
            )
        )
        tweets = [t for t in body.get("data") or [] if isinstance(t, Mapping)]
        self.spent += len(tweets) * self.prices.owned_read
        for tweet in tweets:
            if _replies_to(tweet, target.platform_comment_id) and same_text(
                html.unescape(str(tweet.get("text") or "")), text
            ):
                return self._posted(str(tweet["id"]))
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hide (or unhide) the resident's reply in the district's conversation."""
        change = self.client.hide_reply if hidden else self.client.unhide_reply
        self._reserve(self.prices.hide, 1, "hide" if hidden else "unhide")
        self._call(lambda: change(target.platform_comment_id, user_auth=self.user_auth))
        self.spent += self.prices.hide

    def _reserve(self, price: float, items: int, what: str) -> None:
        """Refuse (`BUDGET`) a call whose worst-case cost would exceed the monthly budget."""
        spent = self.spent_before + self.spent
        worst = price * items
        if spent + worst > self.budget + 1e-9:
            raise WriteError(
                WriteErrorKind.BUDGET,
                f"X monthly budget ${self.budget:.2f} would be exceeded: ${spent:.3f} spent this "
                f"month and the next call ({what}) may cost up to ${worst:.3f}",
                staff_message(WriteErrorKind.BUDGET),
            )

    def _own_id(self) -> str:
        if self.user_id is None:
            self._reserve(self.prices.user_read, 1, "user lookup")
            body = self._call(
                lambda: self.client.get_user(username=self.username, user_auth=self.user_auth)
            )
            self.spent += self.prices.user_read
            data = body.get("data")
            found = str(data.get("id") or "") if isinstance(data, Mapping) else ""
            if not found.isdigit():
                raise network_error(f"X API: no user id for @{self.username}", staff_message)
            self.user_id = found
        return self.user_id

    def _posted(self, tweet_id: str) -> PostedReply:
        return PostedReply(tweet_id, tweet_id, f"https://x.com/{self.username}/status/{tweet_id}")

    def _call(self, send: Callable[[], Any]) -> Mapping[str, Any]:
        """One X call; every failure as a `WriteError`."""
        try:
            response = send()
        except tweepy.HTTPException as exc:
            raise _from_http(exc.response) from None
        except requests.RequestException as exc:
            raise network_error(f"X API: {describe_network_error(exc)}", staff_message) from None
        except ConnectorError as exc:
            raise network_error(f"X API: {exc}", staff_message) from None
        try:
            body = response.json()
        except ValueError:
            raise network_error("X API: the answer is not JSON", staff_message) from None
        return body if isinstance(body, Mapping) else {}


def _client(account: TwitterAccount) -> tuple[tweepy.Client, bool]:
    """tweepy's client with the write credential `write_with` names, and its `user_auth`."""
    options: dict[str, Any] = {"return_type": requests.Response, "wait_on_rate_limit": False}
    if account.write_with == "oauth2_user" and account.write_user_token is not None:
        return tweepy.Client(bearer_token=account.write_user_token.value, **options), False
    keys = (account.consumer_key, account.consumer_secret, account.access_token,
            account.access_token_secret)  # fmt: skip
    if account.write_with == "oauth1_user" and all(k is not None and k.is_set for k in keys):
        values = [k.value for k in keys if k is not None]
        return tweepy.Client(
            consumer_key=values[0], consumer_secret=values[1], access_token=values[2],
            access_token_secret=values[3], **options,
        ), True  # fmt: skip
    raise ValueError(f"account {account.name} has no user-context write credential")


def _from_http(response: requests.Response) -> WriteError:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    wait = throttle_hint(response.headers) if response.status_code == 429 else None
    body = problem if isinstance(problem, Mapping) else {}
    return write_error(response.status_code, body, max(1.0, wait) if wait is not None else None)


def _replies_to(tweet: Mapping[str, Any], parent_id: str) -> bool:
    refs = tweet.get("referenced_tweets")
    return any(
        isinstance(r, Mapping) and r.get("type") == "replied_to" and str(r.get("id")) == parent_id
        for r in refs or []
    )
