"""The district's YouTube channel (한빛구청 소통TV) as the Data API v3 shows it.

Built on a `DataSet` of its own (`flat_threads.own_data_set`): the account's posts are
the channel's uploads, the residents' comments and the channel's answers are comment
threads. As on YouTube:

- ids: channel `UC…` (22 characters after `UC`), uploads playlist `UU…`, videos 11
  characters, a thread's id is its top-level comment's (`Ugz…4AaABAg`), a reply's is
  `{thread id}.{22 characters}`; all stable for a seed;
- threads are two levels deep; a reply to a reply hangs under the top-level comment and
  starts with `@name`; residents edit some comments (`updatedAt` > `publishedAt`);
- moderation: comments are `published`, `heldForReview` (abusive ones and some with phone
  numbers, held after minutes or hours), `likelySpam` (spam YouTube caught) or
  `rejected`; most spam is removed within two days and a few residents delete their own
  comment (`flat_threads.fate`); `rejected` on a top-level comment hides its replies;
- one video has comments disabled (and every video whose post has comments closed);
- writes: `reply` (comments.insert) and `moderate` (setModerationStatus); tests change
  comments and videos through `changes` (`changes.Changes`): a deletion (a top-level
  comment takes its thread with it), an edit (new `textOriginal`, `updatedAt` = the
  edit's time), a hiding (held for review), each from a chosen moment on.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from aggregator.sandbox.changes import Changes
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.flat_threads import Fate, fate, own_data_set, top_levels
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.written import WRITTEN_BASE

CHANNEL_ID = "UCh4nb1tGuS0t0ngTV_2026a"
UPLOADS_ID = "UU" + CHANNEL_ID[2:]
CHANNEL_TITLE = "한빛구청 소통TV"
HANDLE = "@hanbitgu_tv"
COMMENT_SHARE = 0.2
"""YouTube comments per comment of the main data set."""
DISABLED_INDEX = 2
"""The video with comments disabled: the 3rd newest published before the start."""
STATUSES = ("published", "heldForReview", "likelySpam", "rejected")
MEMO_SIZE = 32
T = TypeVar("T")

YOUTUBE_ACCOUNT = SandboxAccount(
    key="youtube",
    number=8,
    platform="youtube",
    flavor="channel",
    handle=CHANNEL_ID,
    name=CHANNEL_TITLE,
    description="한빛구청 공식 유튜브 채널입니다. 구정 소식과 행사 영상을 전합니다.",
    url=f"https://www.youtube.com/{HANDLE}",
    post_count=24,
    comment_share=1.0,
    staff_name=CHANNEL_TITLE,
    staff_handle=CHANNEL_ID,
)


@dataclass(frozen=True, slots=True)
class YtVideo:
    """One upload at one moment."""

    id: str
    key: int
    """The sandbox post id its comments hang under."""
    published_at: datetime
    title: str
    description: str
    tags: tuple[str, ...]
    comments_disabled: bool
    views: int
    likes: int


@dataclass(frozen=True, slots=True)
class YtComment:
    """A comment (top-level or reply) at one moment, whatever its moderation status."""

    id: str
    thread_id: str
    video_id: str
    key: int
    published_at: datetime
    updated_at: datetime
    text: str
    author_name: str
    author_channel_id: str
    is_reply: bool
    status: str
    likes: int
    by_channel: bool


class YouTubeWorld:
    """Videos and comment threads of the channel at any sandbox time."""

    def __init__(self, data: DataSet) -> None:
        self.account = YOUTUBE_ACCOUNT
        self.data = own_data_set(data, self.account, COMMENT_SHARE)
        self._lock = threading.Lock()
        self._status: dict[str, str] = {}
        self._fates: dict[int, Fate] = {}
        self._index: dict[str, int] = {}
        """Comment id -> post id of every comment rendered so far."""
        self._version = 0
        self._memo: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self.changes = Changes(self._changed)
        """Deletions, edits and hidings (held for review), each from a moment on."""
        published = self.data.posts(self.account.key, data.start)
        self._disabled = (
            {published[DISABLED_INDEX].id} if len(published) > DISABLED_INDEX else set()
        )

    # -- videos ------------------------------------------------------------------------

    def videos(self, at: datetime) -> list[YtVideo]:
        """The uploads published by `at` and not deleted, newest first."""
        shown = [self._video(p, at) for p in self.data.posts(self.account.key, at)]
        return [v for v in shown if not self.changes.deleted(v.id, at)]

    def video(self, video_id: str, at: datetime) -> YtVideo | None:
        """The video `video_id` if it is published at `at`."""
        return next((v for v in self.videos(at) if v.id == video_id), None)

    def _video(self, post: SandboxPost, at: datetime) -> YtVideo:
        title, paragraphs = post.version_at(at)
        digest = hashlib.blake2b(f"{self.data.seed}:{post.id}".encode(), digest_size=8).digest()
        age_days = max(0, (at - post.created_at).days)
        return YtVideo(
            id=_b64(digest),
            key=post.id,
            published_at=post.created_at,
            title=f"[{CHANNEL_TITLE}] {title}",
            description="\n\n".join(paragraphs),
            tags=("한빛구", "소통TV", *post.tags[:3]),
            comments_disabled=not post.comments_open or post.id in self._disabled,
            views=(int.from_bytes(digest[:2]) % 300 + 40) * (age_days + 1),
            likes=int.from_bytes(digest[2:3]) % 60,
        )

    # -- comments ----------------------------------------------------------------------

    def comments(self, video: YtVideo, at: datetime) -> list[YtComment]:
        """Every comment of the video at `at` (any status, deleted ones left out), oldest
        first; empty when comments are disabled."""
        if video.comments_disabled:
            return []
        return self._memoized(("comments", video.id, at), lambda: self._comments(video, at))

    def _comments(self, video: YtVideo, at: datetime) -> list[YtComment]:
        raw = self.data.comments(video.key, at)
        top = top_levels(raw)
        by_id = {c.id: c for c in raw}
        ids = {c.id: self._thread_id(c) for c in raw if top[c.id] == c.id}
        shown: list[YtComment] = []
        for c in raw:
            thread = ids.get(top[c.id])
            deleted = self._fate(c).deleted_at
            if thread is None or (deleted is not None and deleted <= at):
                continue
            parent = by_id.get(c.parent_id) if c.parent_id is not None else None
            shown.append(self._comment(video, c, thread, parent, at))
        shown = [c for c in shown if not self.changes.deleted(c.id, at)]
        alive = {c.thread_id for c in shown if not c.is_reply}
        shown = [c for c in shown if c.thread_id in alive]
        with self._lock:
            self._index.update((c.id, video.key) for c in shown)
        return shown

    def comment(self, comment_id: str, at: datetime) -> YtComment | None:
        """The comment `comment_id` at `at` (any status), or None."""
        with self._lock:
            post_id = self._index.get(comment_id.partition(".")[0])
        videos = self.videos(at)
        if post_id is not None:
            videos = [v for v in videos if v.key == post_id]
        for video in videos:
            found = next((c for c in self.comments(video, at) if c.id == comment_id), None)
            if found is not None:
                return found
        return None

    def _comment(
        self,
        video: YtVideo,
        c: SandboxComment,
        thread: str,
        parent: SandboxComment | None,
        at: datetime,
    ) -> YtComment:
        is_reply = c.parent_id is not None
        node = f"{thread}.{_reply_suffix(self.data.seed, c.id)}" if is_reply else thread
        text = c.text_at(at)
        nested = parent is not None and parent.parent_id is not None
        if is_reply and nested and parent is not None and c.number < WRITTEN_BASE:
            text = f"@{parent.author_name} {text}"
        updated = c.updated_at(at)
        edit = self.changes.edited(node, at)
        if edit is not None:
            updated, text = max(updated, edit[0]), edit[1]
        return YtComment(
            id=node,
            thread_id=thread,
            video_id=video.id,
            key=c.id,
            published_at=c.created_at,
            updated_at=updated,
            text=text,
            author_name=CHANNEL_TITLE if c.by_district else c.author_name,
            author_channel_id=CHANNEL_ID if c.by_district else _channel_of(c.author_handle),
            is_reply=is_reply,
            status=self._status_at(node, c, at),
            likes=self._fate(c).likes,
            by_channel=c.by_district,
        )

    def _status_at(self, node: str, c: SandboxComment, at: datetime) -> str:
        with self._lock:
            chosen = self._status.get(node)
        if chosen is not None:
            return chosen
        held = self.changes.hidden(node, at)
        if held is not None:
            return "heldForReview" if held else "published"
        if c.topic == "spam":
            return "likelySpam"
        moderated = self._fate(c).moderated_at
        return "heldForReview" if moderated is not None and moderated <= at else "published"

    # -- writes ------------------------------------------------------------------------

    def reply(self, thread: YtComment, text: str, at: datetime) -> YtComment:
        """The channel's reply in `thread` (a top-level comment), written at `at`."""
        video = self.video(thread.video_id, at)
        if video is None:
            raise KeyError(f"no video {thread.video_id}")
        post = self.data.post(video.key)
        author = (CHANNEL_TITLE, CHANNEL_ID)
        written = self.data.written.add(self.account, post, thread.key, author, text, at)
        self._changed()
        node = f"{thread.thread_id}.{_reply_suffix(self.data.seed, written.id)}"
        found = self.comment(node, at)
        assert found is not None
        return found

    def moderate(self, comment_id: str, status: str) -> None:
        """Set a comment's moderation status (`setModerationStatus`)."""
        if status not in STATUSES:
            raise ValueError(f"moderation status must be one of {STATUSES}, got {status!r}")
        with self._lock:
            self._status[comment_id] = status
        self._changed()

    def counts(self, at: datetime) -> dict[str, object]:
        """What `GET /_sandbox/youtube` counts at `at`: videos (with comments disabled)
        and comments, also by moderation status."""
        videos = self.videos(at)
        comments = [c for v in videos for c in self.comments(v, at)]
        return {
            "videos": len(videos),
            "comments_disabled": sum(v.comments_disabled for v in videos),
            "comments": len(comments),
            "by_status": dict(Counter(c.status for c in comments)),
        }

    # -- plumbing ----------------------------------------------------------------------

    def _thread_id(self, comment: SandboxComment) -> str:
        digest = hashlib.blake2b(f"{self.data.seed}:thread:{comment.id}".encode(), digest_size=12)
        return f"Ugz{_b64(digest.digest())}4AaABAg"

    def _fate(self, comment: SandboxComment) -> Fate:
        with self._lock:
            found = self._fates.get(comment.id)
        if found is None:
            found = fate(self.data.seed, "youtube", comment)
            if comment.number >= WRITTEN_BASE:
                found = Fate(None, None, 0)
            with self._lock:
                self._fates[comment.id] = found
        return found

    def _changed(self) -> None:
        with self._lock:
            self._version += 1
            self._memo.clear()

    def _memoized(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            key = (*key, self._version)
            if key in self._memo:
                self._memo.move_to_end(key)
                return cast(T, self._memo[key])
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value


def visible_replies(comments: list[YtComment], thread: YtComment, status: str) -> list[YtComment]:
    """The thread's replies with `status`, oldest first (none when the thread is rejected)."""
    if thread.status == "rejected":
        return []
    return [c for c in comments if c.is_reply and c.thread_id == thread.id and c.status == status]


def replies_by_thread(comments: list[YtComment], threads: set[str]) -> dict[str, list[YtComment]]:
    """The published replies of each of `threads`, oldest first (one pass over `comments`)."""
    found: dict[str, list[YtComment]] = {}
    for c in comments:
        if c.is_reply and c.thread_id in threads and c.status == "published":
            found.setdefault(c.thread_id, []).append(c)
    return found


def _reply_suffix(seed: int, comment_id: int) -> str:
    digest = hashlib.blake2b(f"{seed}:reply:{comment_id}".encode(), digest_size=16).digest()
    return _b64(digest)[:22]


def _channel_of(handle: str) -> str:
    digest = hashlib.blake2b(f"channel:{handle}".encode(), digest_size=16).digest()
    return "UC" + _b64(digest)[:22]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
