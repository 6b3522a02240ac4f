"""The YouTube Data API v3 endpoints of the sandbox (routes: see `youtube.py`).

Each handler checks its parameters the way the API does (`youtube_params.py`: a missing
`part`, a second filter, `maxResults` out of range, an unknown `textFormat` are 400s
naming the parameter) and answers from the `YouTubeWorld` at the sandbox's current time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

from aggregator.sandbox.platform import WriteErrorCase, WriteErrors
from aggregator.sandbox.routing import Router, SandboxRequest
from aggregator.sandbox.youtube import NAMED_ERRORS, PREFIX, Auth, Reply, YouTubeApi
from aggregator.sandbox.youtube_params import (
    bounded_int,
    choice,
    comment_not_found,
    one_filter,
    requested_parts,
    required,
)
from aggregator.sandbox.youtube_render import (
    GoogleError,
    bad_parameter,
    channel_resource,
    comment_resource,
    list_response,
    offset_token,
    page_after,
    playlist_item,
    read_offset,
    thread_resource,
    video_resource,
)
from aggregator.sandbox.youtube_world import (
    CHANNEL_ID,
    HANDLE,
    UPLOADS_ID,
    YtComment,
    YtVideo,
    replies_by_thread,
    visible_replies,
)

MAX_TEXT = 10_000
DISABLED_MESSAGE = (
    'The video identified by the <code><a href="/youtube/v3/docs/commentThreads/list#videoId">'
    "videoId</a></code> parameter has disabled comments."
)
LIST_STATUSES = ("published", "heldForReview", "likelySpam")
SET_STATUSES = ("published", "heldForReview", "rejected")


class YouTubeEndpoints:
    """Read and write handlers over a `YouTubeApi`'s world."""

    def __init__(self, api: YouTubeApi) -> None:
        self.api = api
        self.world = api.world

    def register(self, router: Router) -> None:
        """Add the routes, each behind the API's guard with its quota cost."""
        guard = self.api.guard
        routes: list[tuple[str, str, str, Callable[[SandboxRequest, Auth], Reply], bool]] = [
            ("GET", "channels", "channels.list", self.channels, False),
            ("GET", "playlistItems", "playlistItems.list", self.playlist_items, False),
            ("GET", "videos", "videos.list", self.videos, False),
            ("GET", "commentThreads", "commentThreads.list", self.threads, False),
            ("GET", "comments", "comments.list", self.comments, False),
            ("POST", "comments", "comments.insert", self.insert, True),
            (
                "POST",
                "comments/setModerationStatus",
                "comments.setModerationStatus",
                self.moderate,
                True,
            ),
        ]
        for verb, path, method, handler, write in routes:
            router.add(verb, re.escape(PREFIX + path), guard(method, handler, write))

    # -- reads -------------------------------------------------------------------------

    def channels(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`channels.list`."""
        parts = requested_parts(request, {"id", "snippet", "contentDetails", "statistics"})
        filters = {
            n: request.param(n) or "" for n in ("id", "forHandle", "mine") if request.param(n)
        }
        one_filter(filters, "id, forHandle, mine")
        if "mine" in filters and auth is not Auth.OWNER:
            raise GoogleError(
                401, "required", "Login Required.", "global", "Authorization", "header"
            )
        wanted = [*filters.get("id", "").split(","), filters.get("forHandle", "")]
        ours = "mine" in filters or CHANNEL_ID in wanted or HANDLE in wanted
        ours = ours or HANDLE.lstrip("@") in wanted
        items = []
        if ours:
            count = len(self.world.videos(self.api.now()))
            items.append(channel_resource(parts, count, self.world.account.description))
        info = {"totalResults": len(items), "resultsPerPage": 5}
        return 200, list_response("channel", items, info, None)

    def playlist_items(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`playlistItems.list` of the uploads playlist, newest first, offset tokens."""
        parts = requested_parts(request, {"id", "snippet", "contentDetails", "status"})
        playlist = required(request, "playlistId")
        if playlist != UPLOADS_ID:
            raise GoogleError(
                404,
                "playlistNotFound",
                "The playlist identified with the "
                "request's <code>playlistId</code> parameter cannot be found.",
                "youtube.playlistItem",
                "playlistId",
                "parameter",
            )
        size = bounded_int(request, "maxResults", 5, 0, 50)
        token = request.param("pageToken")
        offset = read_offset(token) if token else 0
        videos = self.world.videos(self.api.now())
        chunk = videos[offset : offset + size]
        items = [playlist_item(v, offset + n, parts) for n, v in enumerate(chunk)]
        more = size > 0 and offset + size < len(videos)
        info = {"totalResults": len(videos), "resultsPerPage": size}
        return 200, list_response(
            "playlistItem", items, info, offset_token(offset + size) if more else None
        )

    def videos(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`videos.list?id=a,b` (unknown ids are left out, as YouTube does)."""
        parts = requested_parts(request, {"id", "snippet", "contentDetails", "statistics"})
        ids = [i for i in required(request, "id").split(",") if i]
        if len(ids) > 50:
            raise bad_parameter("id", "The request specifies more than 50 video ids.")
        now = self.api.now()
        found = [v for i in ids if (v := self.world.video(i, now)) is not None]
        items = [video_resource(v, parts, self._public_count(v, now)) for v in found]
        info = {"totalResults": len(items), "resultsPerPage": len(items)}
        return 200, list_response("video", items, info, None)

    def threads(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`commentThreads.list`."""
        parts = requested_parts(request, {"id", "snippet", "replies"})
        filters = {
            n: request.param(n) or ""
            for n in ("videoId", "allThreadsRelatedToChannelId", "id")
            if request.param(n)
        }
        one_filter(filters, "videoId, allThreadsRelatedToChannelId, id")
        status = choice(request, "moderationStatus", LIST_STATUSES, "published")
        if status != "published" and auth is not Auth.OWNER:
            raise GoogleError(
                403,
                "forbidden",
                "The request is not properly authorized to retrieve the specified comment threads.",
                "youtube.commentThread",
            )
        order = choice(request, "order", ("time", "relevance"), "time")
        plain = choice(request, "textFormat", ("html", "plainText"), "html") == "plainText"
        size = bounded_int(request, "maxResults", 20, 1, 100)
        comments = self._thread_source(filters)
        tops = [c for c in comments if not c.is_reply and c.status == status]
        if "id" in filters:
            tops = [c for c in tops if c.id in filters["id"].split(",")]
        terms = request.param("searchTerms")
        if terms:
            tops = [c for c in tops if terms in c.text]
        key = _relevance if order == "relevance" else _newest
        tops.sort(key=key)
        chunk, token = page_after(tops, key, request.param("pageToken"), size)
        owner = auth is Auth.OWNER
        replies = replies_by_thread(comments, {t.id for t in chunk})
        items = [
            thread_resource(
                t, [] if t.status == "rejected" else replies.get(t.id, []), parts, plain, owner
            )
            for t in chunk
        ]
        info = {"totalResults": len(items), "resultsPerPage": size}
        return 200, list_response("commentThread", items, info, token)

    def comments(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`comments.list` by `parentId` (replies, newest first) or `id`."""
        requested_parts(request, {"id", "snippet"})
        filters = {n: request.param(n) or "" for n in ("parentId", "id") if request.param(n)}
        one_filter(filters, "parentId, id")
        plain = choice(request, "textFormat", ("html", "plainText"), "html") == "plainText"
        size = bounded_int(request, "maxResults", 20, 1, 100)
        now, owner = self.api.now(), auth is Auth.OWNER
        if "id" in filters:
            found = [self.world.comment(i, now) for i in filters["id"].split(",")]
            shown = [c for c in found if c is not None and (owner or c.status == "published")]
            items = [comment_resource(c, plain, owner) for c in shown]
            return 200, list_response("comment", items, {"resultsPerPage": size}, None)
        thread = self.world.comment(filters["parentId"], now)
        if thread is None or thread.is_reply:
            raise comment_not_found("parentId")
        video = self.world.video(thread.video_id, now)
        assert video is not None
        replies = visible_replies(self.world.comments(video, now), thread, "published")
        replies.sort(key=_newest)
        chunk, token = page_after(replies, _newest, request.param("pageToken"), size)
        items = [comment_resource(c, plain, owner) for c in chunk]
        return 200, list_response("comment", items, {"resultsPerPage": size}, token)

    # -- writes ------------------------------------------------------------------------

    def insert(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`comments.insert`: the channel's reply to a top-level comment."""
        requested_parts(request, {"id", "snippet"})
        parent_id, text = _reply_snippet(request)
        now = self.api.now()
        parent = self.world.comment(parent_id, now) if parent_id else None
        if parent is None or parent.status == "rejected":
            raise _snippet_error(
                404, "parentCommentNotFound", "The parent comment could not be found.", "parentId"
            )
        if parent.is_reply:
            raise _snippet_error(
                400,
                "operationNotSupported",
                "Replies are supported only for top-level comments.",
                "parentId",
            )
        video = self.world.video(parent.video_id, now)
        if video is None or video.comments_disabled:
            raise GoogleError(403, "commentsDisabled", DISABLED_MESSAGE, "youtube.commentThread")
        created = self.world.reply(parent, text, now)
        return 200, comment_resource(created, plain=True, owner=False)

    def moderate(self, request: SandboxRequest, auth: Auth) -> Reply:
        """`comments.setModerationStatus` -> 204 No Content."""
        ids = [i for i in required(request, "id").split(",") if i]
        status = required(request, "moderationStatus")
        if status not in SET_STATUSES:
            raise bad_parameter(
                "moderationStatus",
                f"Invalid value '{status}'. Values must be one of {', '.join(SET_STATUSES)}.",
                "invalidModerationStatus",
            )
        if request.param("banAuthor") == "true" and status != "rejected":
            raise bad_parameter(
                "banAuthor",
                "The request sets banAuthor without rejecting the comment.",
                "banWithoutReject",
            )
        now = self.api.now()
        if any(self.world.comment(i, now) is None for i in ids):
            raise comment_not_found("id")
        for comment_id in ids:
            self.world.moderate(comment_id, status)
        return 204, None

    # -- helpers -----------------------------------------------------------------------

    def _thread_source(self, filters: dict[str, str]) -> list[YtComment]:
        now = self.api.now()
        if "videoId" in filters:
            video = self.world.video(filters["videoId"], now)
            if video is None:
                raise GoogleError(
                    404,
                    "videoNotFound",
                    "The video identified by the <code>"
                    "videoId</code> parameter could not be found.",
                    "youtube.commentThread",
                    "videoId",
                    "parameter",
                )
            if video.comments_disabled:
                raise GoogleError(
                    403,
                    "commentsDisabled",
                    DISABLED_MESSAGE,
                    "youtube.commentThread",
                    "videoId",
                    "parameter",
                )
            return self.world.comments(video, now)
        channel = filters.get("allThreadsRelatedToChannelId")
        if channel is not None and channel != CHANNEL_ID:
            raise GoogleError(
                404,
                "channelNotFound",
                "The channel could not be found.",
                "youtube.commentThread",
                "allThreadsRelatedToChannelId",
                "parameter",
            )
        return [c for v in self.world.videos(now) for c in self.world.comments(v, now)]

    def _public_count(self, video: YtVideo, now: datetime) -> int:
        comments = self.world.comments(video, now)
        tops = {c.id for c in comments if not c.is_reply and c.status == "published"}
        return sum(1 for c in comments if c.thread_id in tops and c.status == "published")


def _reply_snippet(request: SandboxRequest) -> tuple[str, str]:
    """The parent id and the text of a `comments.insert` body (400 when unreadable, the
    text empty or too long)."""
    try:
        body = json.loads(request.body or b"null")
        snippet = body["snippet"]
        parent_id = str(snippet.get("parentId") or "")
        text = str(snippet.get("textOriginal") or "").strip()
    except (ValueError, TypeError, KeyError, AttributeError):
        raise GoogleError(400, "parseError", "Parse Error") from None
    if not text:
        raise _snippet_error(
            400, "commentTextRequired", "The comment must contain text.", "textOriginal"
        )
    if len(text) > MAX_TEXT:
        raise _snippet_error(400, "commentTextTooLong", "The comment is too long.", "textOriginal")
    return parent_id, text


def _snippet_error(code: int, reason: str, message: str, field: str) -> GoogleError:
    """An error about the request body's `snippet.{field}`."""
    return GoogleError(code, reason, message, "youtube.comment", f"body.snippet.{field}", "other")


def _newest(comment: YtComment) -> tuple[int, int]:
    return -int(comment.published_at.timestamp()), -comment.key


def _relevance(comment: YtComment) -> tuple[int, int]:
    return -comment.likes, -(int(comment.published_at.timestamp()) * 10**10 + comment.key)


def _write_error(error: GoogleError) -> WriteErrorCase:
    return WriteErrorCase("/youtube/v3/comments", "POST", error.code, error.body())


WRITE_ERRORS: WriteErrors = {
    ("youtube", "forbidden"): _write_error(NAMED_ERRORS["forbidden"]),
    ("youtube", "insufficient_permissions"): _write_error(
        GoogleError(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
            "global",
        )
    ),
    ("youtube", "comments_disabled"): _write_error(
        GoogleError(403, "commentsDisabled", DISABLED_MESSAGE, "youtube.commentThread")
    ),
    ("youtube", "processing_failure"): _write_error(
        GoogleError(
            400,
            "processingFailure",
            "The API server failed to successfully process the request.",
            "youtube.comment",
        )
    ),
    ("youtube", "quota_exceeded"): _write_error(NAMED_ERRORS["quota_exceeded"]),
    ("youtube", "target_gone"): _write_error(
        GoogleError(
            404,
            "parentCommentNotFound",
            "The parent comment could not be found.",
            "youtube.comment",
            "body.snippet.parentId",
            "other",
        )
    ),
    ("youtube", "invalid_text"): _write_error(
        GoogleError(
            400,
            "commentTextTooLong",
            "The comment is too long.",
            "youtube.comment",
            "body.snippet.textOriginal",
            "other",
        )
    ),
    ("youtube", "auth"): _write_error(NAMED_ERRORS["auth_expired"]),
    ("youtube", "backend"): _write_error(NAMED_ERRORS["backend"]),
}
"""YouTube's write refusals (PLATFORMS-WRITE.md §6.6, §6.8), for `write_errors.inject`."""
