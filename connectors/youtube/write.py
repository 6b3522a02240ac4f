"""Answering and moderating on the district's YouTube channel (Data API v3), with the
channel owner's OAuth access token (scope `youtube.force-ssl`), sent as `Authorization:
Bearer ...`: refreshed from `refresh_token` (`connectors.youtube.oauth_token.RefreshingToken`:
before it expires, and once more after a 401) or the fixed `write_access_token`. The API
key (reads) is never used here. A refresh token Google refuses (`invalid_grant`) is an
AUTH error naming the account (`needs_reauth`); the writer then stops asking Google.

Calls (PLATFORMS-WRITE.md §6.6, §6.10) and their quota units:
    reply      `POST comments?part=snippet` {"snippet": {"parentId": thread id,
               "textOriginal": text}} -> the new comment: 50 units. Replies go to
               top-level comments only (the thread id; a reply's answer goes to its thread).
    read back  `GET comments?part=snippet&parentId=...&maxResults=100&textFormat=plainText`,
               newest first, at most `READ_BACK_PAGES` (3) pages, so at most 3 units: the
               channel's own reply (`authorChannelId.value`) with the same trimmed
               `textOriginal`, published at or after `since` (a minute of clock skew).
    hide       `POST comments/setModerationStatus?id=...&moderationStatus=rejected` (unhide:
               `published`) -> 204: 50 units. `rejected` also hides the thread's replies.

Quota: the units come out of the same daily quota the reader spends
(`connectors.youtube.quota`). Before every call the writer checks that the reads and
writes counted today plus the call's cost stay within `daily_quota`; otherwise it refuses
with `WriteErrorKind.BUDGET` and `retry_at` 5 minutes after midnight Pacific time, when
Google's quota resets. Google's own 403 `quotaExceeded` is treated the same way. The caller
(the answers worker) loads the counts from the account's cursors (`open_quota`) and gives
the writer a way to store its count, which it does before each call (a kill -9 after the
call never leaves the day's count short).

Errors (`connectors.youtube.write_errors`): 401 AUTH; 403 `quotaExceeded` BUDGET; 403
`rateLimitExceeded` / 429 RATE_LIMITED; 403 `commentsDisabled` CLOSED; other 403
PERMISSION; 404 TARGET_GONE; other 4xx INVALID; 5xx and no answer NETWORK.
Every call is sent once through our `HttpClient` (SSRF guard, timeouts, deadline, size cap).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from aggregator.connector import ConnectorError, DailyUnits
from aggregator.http import HttpClient
from aggregator.http_retry import throttle_hint
from aggregator.net_errors import describe_network_error
from aggregator.records import JSONValue
from connectors.common.reply import (
    PostedReply,
    ReplyTarget,
    SaveCursor,
    WriteError,
    WriteErrorKind,
)
from connectors.common.write_common import network_error, same_text
from connectors.youtube.api import Quota
from connectors.youtube.cursor import QUOTA
from connectors.youtube.mapping import WATCH_URL, google_error, parse_time
from connectors.youtube.oauth_state import OAUTH, WriteAuth
from connectors.youtube.oauth_token import NEEDS_REAUTH, ReauthNeeded, token_source
from connectors.youtube.quota import (
    LIST_COST,
    QUOTA_WRITES,
    SHARED,
    WRITE_COST,
    units_on,
    writes_cursor,
)
from connectors.youtube.settings import YouTubeAccount
from connectors.youtube.write_errors import budget, staff_message, write_error

log = logging.getLogger(__name__)

READ_BACK_PAGES = 3
CLOCK_SKEW = timedelta(minutes=1)
HIDE, SHOW = "rejected", "published"


class YouTubeWriter:
    """Replies, read-back and moderation on one channel (`ReplyWriter`, `QuotaWriter`)."""

    can_hide = True

    def __init__(self, account: YouTubeAccount, http: HttpClient) -> None:
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.token = token_source(account, http, lambda: self.clock())
        self.auth = WriteAuth(self.token, lambda: self.clock())
        """The token with the writes' OAuth state (the `oauth` cursor)."""
        self.account = account.name
        self.http = http
        self.base_url = str(account.api_url).rstrip("/")
        self.channel_id = account.channel_id
        self.limit = account.daily_quota
        self.reads_today = 0
        """Units the reader counted today (the `quota` cursor) when the quota was opened."""
        self.writes_before = 0
        """Units writes counted today before this writer (the `quota_writes` cursor)."""
        self.units = 0
        """Units this writer's calls spent since the quota was opened (counted before each
        call is sent; Google charges refused calls too)."""
        self._day: JSONValue = None
        self.save: SaveCursor | None = None
        self.ledger: DailyUnits | None = None
        self._used: int | None = None

    # QuotaWriter ---------------------------------------------------------------------
    def open_quota(
        self,
        cursors: Mapping[str, JSONValue],
        clock: Callable[[], datetime],
        save: SaveCursor,
        units: DailyUnits | None = None,
    ) -> None:
        """Start from what the account's cursors count for today. With `units` (the store's
        daily units) each call's units are reserved there atomically, shared with the sync;
        without, `save` stores the writes' count before each call."""
        self.clock = clock
        self.save = save
        self.ledger = units
        self._used = None
        now = clock()
        self.auth.open(cursors.get(OAUTH), save)
        self.reads_today = Quota.load(cursors.get(QUOTA), self.limit, now).units
        self.writes_before = units_on(cursors.get(QUOTA_WRITES), now)
        self.units = 0
        self._day = writes_cursor(now, 0)["day"]

    def quota_cursor(self) -> tuple[str, JSONValue] | None:
        """`quota_writes` with today's write units (None while nothing was spent since the
        quota was opened)."""
        if self.units == 0:
            return None
        return QUOTA_WRITES, writes_cursor(self.clock(), self.writes_before + self.units)

    @property
    def spent_today(self) -> int:
        """Reads and writes counted today, this writer's calls included (with the store's
        daily units: as the last reservation found them)."""
        if self._used is not None:
            return self._used
        return self.reads_today + self.writes_before + self.units

    # ReplyWriter ---------------------------------------------------------------------
    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """`comments.insert`: the channel's reply in the target's thread (50 units)."""
        body = {"snippet": {"parentId": target.platform_comment_id, "textOriginal": text}}
        created = self._call("POST", "comments", {"part": "snippet"}, WRITE_COST, body)
        if not isinstance(created, Mapping) or not created.get("id"):
            raise network_error("YouTube comments.insert answered without an id", staff_message)
        return _posted(created)

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The channel's reply with this text in the target's thread, published at or
        after `since` (newest first, at most `READ_BACK_PAGES` pages: 1 unit each)."""
        query = {"part": "snippet", "parentId": target.platform_comment_id,
                 "maxResults": "100", "textFormat": "plainText"}  # fmt: skip
        earliest = since - CLOCK_SKEW
        for _ in range(READ_BACK_PAGES):
            page = self._call("GET", "comments", query, LIST_COST)
            found = page.get("items") if isinstance(page, Mapping) else None
            comments = [c for c in found or [] if isinstance(c, Mapping)]
            for comment in comments:
                if self._is_ours(comment, text, earliest):
                    return _posted(comment)
            older = [_published(c) for c in comments]
            token = page.get("nextPageToken") if isinstance(page, Mapping) else None
            if not token or any(t is not None and t < earliest for t in older):
                return None
            query = {**query, "pageToken": str(token)}
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """`comments.setModerationStatus`: rejected (hide) or published (show); 50 units."""
        query = {"id": target.platform_comment_id, "moderationStatus": HIDE if hidden else SHOW}
        self._call("POST", "comments/setModerationStatus", query, WRITE_COST)

    # plumbing ------------------------------------------------------------------------
    def _is_ours(self, comment: Mapping[str, Any], text: str, earliest: datetime) -> bool:
        snippet = comment.get("snippet")
        if not isinstance(snippet, Mapping):
            return False
        author = snippet.get("authorChannelId")
        if not isinstance(author, Mapping) or author.get("value") != self.channel_id:
            return False
        written = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "")
        published = _published(comment)
        return same_text(written, text) and published is not None and published >= earliest

    def _reserve(self, cost: int, what: str) -> None:
        """Count `cost` units before the call, or refuse (`BUDGET`) a call that would take
        today's count past the quota: atomically in the store when it gives daily units,
        else against the counts opened and stored through `save`."""
        now = self.clock()
        day = writes_cursor(now, 0)["day"]
        if self._day is not None and day != self._day:  # a new Pacific day: from 0
            self.reads_today = self.writes_before = self.units = 0
            self._used, self._day = None, day
        if self.ledger is not None:
            taken = self.ledger.reserve(QUOTA_WRITES, str(day), cost, self.limit, SHARED)
            self._used = taken.used
            if taken.granted:
                self.units += cost
                return
        elif self.spent_today + cost <= self.limit:
            self._spend(cost)
            return
        cause = (
            f"YouTube daily quota: {self.spent_today} of {self.limit} units used today "
            f"(Pacific time); {what} costs {cost}: not sent"
        )
        raise budget(cause, now)

    def _unsent(self, cost: int) -> None:
        """Give back the units of a call that never left (the deadline passed first)."""
        self.units -= cost
        if self.ledger is not None:
            self.ledger.release(QUOTA_WRITES, str(self._day), cost)
            if self._used is not None:
                self._used -= cost
        elif self.save is not None:
            self.save(QUOTA_WRITES, writes_cursor(self.clock(), self.writes_before + self.units))

    def _use_up(self) -> None:
        """Google says the project's quota is gone: count today as full, for the sync too."""
        if self.ledger is None:
            self._spend(max(0, self.limit - self.spent_today))
            return
        day = str(self._day)
        seen = self.ledger.reserve(QUOTA_WRITES, day, 0, self.limit, SHARED).used
        if seen < self.limit:
            taken = self.ledger.reserve(QUOTA_WRITES, day, self.limit - seen, self.limit, SHARED)
            self.units += self.limit - seen if taken.granted else 0
            self._used = taken.used

    def _call(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        cost: int,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """One call, charged `cost` units once it is sent; every failure a `WriteError`.
        A 401 with a refreshed token is tried once more with a new one (charged again)."""
        what = f"{method} {path}"
        raw = self._send(method, path, query, cost, body)
        if raw.status_code == 401 and self.token.refused():
            log.info("YouTube %s: 401 for %s; refreshing the token once", what, self.account)
            raw = self._send(method, path, query, cost, body)
        return self._answer(raw, what)

    def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        cost: int,
        body: Mapping[str, Any] | None,
    ) -> requests.Response:
        what = f"{method} {path}"
        bearer = self._bearer(what)  # before the quota: a failed refresh spends no units
        self._reserve(cost, what)  # counted and stored before the call: never under-counted
        before = self.http.calls
        url = f"{self.base_url}/{path}?{urlencode(query)}"
        headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json; charset=UTF-8"
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        try:
            return self.http.send(method, url, data=data, headers=headers, allow_redirects=False)
        except requests.RequestException as exc:
            cause = f"YouTube {what}: {describe_network_error(exc)}"
            raise network_error(cause, staff_message) from None
        except ConnectorError as exc:
            if self.http.calls == before:  # refused before it was sent: Google saw nothing
                self._unsent(cost)
            raise network_error(f"YouTube {what}: {exc}", staff_message) from None

    def _bearer(self, what: str) -> str:
        """The access token to send; a refusal of the refresh token is an AUTH error that
        names the account (`needs_reauth`), a refresh that got no answer a NETWORK one."""
        try:
            return self.auth.bearer()
        except ReauthNeeded as exc:
            raise WriteError(WriteErrorKind.AUTH, str(exc), exc.staff) from None
        except ConnectorError as exc:
            raise network_error(f"YouTube {what}: token refresh: {exc}", staff_message) from None

    def recheck_auth(self) -> None:
        """Once per worker run, after `open_quota`: when the `oauth` cursor says Google
        refused other credentials than the configured ones (a new refresh token or client
        was set), ask for an access token now (no quota is spent), so the account's health
        clears, or names the new refusal, without waiting for an answer to send."""
        if not self.auth.recheck:
            return
        try:
            self._bearer("token check")
        except WriteError as error:
            log.warning("YouTube account %s: token check: %s", self.account, error.message)
        else:
            log.info("YouTube account %s: the new OAuth credentials work", self.account)

    @property
    def needs_reauth(self) -> bool:
        """Whether Google refused the refresh token (a person must consent again)."""
        return getattr(self.token, "state", "ok") == NEEDS_REAUTH

    def _spend(self, units: int) -> None:
        """Count `units` and store today's count (`quota_writes`) through `save`."""
        self.units += units
        found = self.quota_cursor()
        if self.save is not None and found is not None:
            self.save(*found)

    def _answer(self, raw: requests.Response, what: str) -> Any:
        status = raw.status_code
        if status == 204:
            return {}
        if 200 <= status < 300:
            try:
                return json.loads(raw.content)
            except ValueError:
                cause = f"YouTube {what}: the answer is not JSON"
                raise network_error(cause, staff_message) from None
        reason, message = google_error(raw.content)
        wait = throttle_hint(raw.headers) if status in (403, 429) else None
        error = write_error(status, reason, message[:300] or what, self.clock(), wait)
        if error.kind is WriteErrorKind.BUDGET:  # Google's count is full: so is ours today
            self._use_up()
        raise error


def _published(comment: Mapping[str, Any]) -> datetime | None:
    snippet = comment.get("snippet")
    return parse_time(snippet.get("publishedAt")) if isinstance(snippet, Mapping) else None


def _posted(comment: Mapping[str, Any]) -> PostedReply:
    comment_id = str(comment["id"])
    snippet = comment.get("snippet")
    video = snippet.get("videoId") if isinstance(snippet, Mapping) else None
    url = f"{WATCH_URL.format(video=video)}&lc={comment_id}" if video else None
    return PostedReply(comment_id, comment_id, url)
