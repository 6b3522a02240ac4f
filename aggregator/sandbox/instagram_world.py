"""The district's Instagram professional account as the Graph API shows it.

Built on a `DataSet` of its own (`flat_threads.own_data_set`): the account's posts are
its media (구정 소식 photos, carousels of event photos, reels of festivals and events),
the residents' comments and the district's replies are the comments. As on Instagram:

- ids are numeric strings: the account `17841452391708236`, media
  `MEDIA_BASE + seq * MEDIA_STEP`, comments `COMMENT_BASE + number * COMMENT_STEP`;
  a commenter is known by `username` and an Instagram-scoped id, never a display name;
- threads are two levels deep (a reply to a reply hangs under its top-level comment) and
  the district's replies start with `@username`; comments cannot be edited;
- fates over time (`flat_threads.fate`): most spam is deleted by the account within two
  days, a few residents delete their comment (its replies go with it), abusive comments
  and some with phone numbers are hidden by the account;
- one media of the ten newest has comments switched off (`is_comment_enabled: false`);
- writes: `reply`, `comment_on`, `hide`, `delete` (used by the write endpoints, and by
  tests), `close_comments`; tests may also change comments through `changes`
  (`changes.Changes`: delete, hide from a chosen moment on).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from aggregator.sandbox.changes import Changes
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.flat_threads import Fate, fate, own_data_set, top_levels
from aggregator.sandbox.graph_nodes import LINKED_IG_USER_ID
from aggregator.sandbox.models import ID_SPACE, SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.written import WRITTEN_BASE

IG_USER_ID = LINKED_IG_USER_ID
"""The account, as the Page links it."""
USERNAME = "hanbitgu_official"
MEDIA_BASE = 17_905_000_000_000_000
MEDIA_STEP = 7_919
COMMENT_BASE = 18_047_000_000_000_000
COMMENT_STEP = 13
USER_BASE = 17_841_455_000_000_000
COMMENT_SHARE = 0.25
"""Instagram comments per comment of the main data set."""
CLOSED_INDEX = 6
"""The media with comments switched off: the 7th newest published before the start."""
MEMO_SIZE = 16
CDN = "https://scontent-icn2-1.cdninstagram.com/v/t51.29350-15"
T = TypeVar("T")

INSTAGRAM_ACCOUNT = SandboxAccount(
    key="instagram",
    number=7,
    platform="instagram",
    flavor="professional",
    handle=IG_USER_ID,
    name="한빛구청",
    description="한빛구청 공식 인스타그램 📷 구정 소식과 행사 현장을 전합니다.",
    url=f"https://www.instagram.com/{USERNAME}/",
    post_count=40,
    comment_share=1.0,
    staff_name=USERNAME,
    staff_handle=USERNAME,
)


@dataclass(frozen=True, slots=True)
class IgMedia:
    """One media object (a photo, a carousel or a reel) at one moment."""

    id: str
    key: int
    """The sandbox post id its comments hang under."""
    created_at: datetime
    caption: str
    media_type: str
    product_type: str
    shortcode: str
    like_count: int
    comments_enabled: bool

    @property
    def permalink(self) -> str:
        """The public page of the media."""
        kind = "reel" if self.product_type == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"

    @property
    def media_url(self) -> str:
        """A signed-looking CDN address of the image or video."""
        suffix = "mp4" if self.media_type == "VIDEO" else "jpg"
        return f"{CDN}/{self.id}_n.{suffix}?_nc_cat=101&oh=sandbox"


@dataclass(frozen=True, slots=True)
class IgComment:
    """A visible comment or reply at one moment."""

    id: str
    media_id: str
    key: int
    """The sandbox comment id."""
    created_at: datetime
    text: str
    username: str
    user_id: str
    parent_id: str | None
    """The top-level comment's id for a reply, None for a top-level comment."""
    hidden: bool
    likes: int
    by_account: bool
    product_type: str


class InstagramWorld:
    """Media and comments of the account at any sandbox time (see the module docstring)."""

    def __init__(self, data: DataSet) -> None:
        self.account = INSTAGRAM_ACCOUNT
        self.data = own_data_set(data, self.account, COMMENT_SHARE)
        self._lock = threading.Lock()
        self.changes = Changes(self._changed)
        """Deletions and hidings, each from a moment on (comments and media)."""
        self._closed: set[str] = set()
        self._fates: dict[int, Fate] = {}
        self._residents: set[int] = set()
        """Ids of comments tests added as residents' (`add_resident_comment`)."""
        self._version = 0
        self._memo: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        published = self.data.posts(self.account.key, data.start)
        if len(published) > CLOSED_INDEX:
            self._closed.add(media_id(published[CLOSED_INDEX]))

    # -- media -------------------------------------------------------------------------

    def media(self, at: datetime) -> list[IgMedia]:
        """The media published by `at`, newest first."""
        return self._memoized(("media", at), lambda: self._media_list(at))

    def _media_list(self, at: datetime) -> list[IgMedia]:
        posts = self.data.posts(self.account.key, at)
        return [self._media(p, at) for p in posts if not self._gone(media_id(p), at)]

    def media_item(self, node: str, at: datetime) -> IgMedia | None:
        """The media `node` if it is visible at `at`."""
        return next((m for m in self.media(at) if m.id == node), None)

    def _media(self, post: SandboxPost, at: datetime) -> IgMedia:
        node = media_id(post)
        title, paragraphs = post.version_at(at)
        tags = " ".join(f"#{t.replace(' ', '')}" for t in ("한빛구", "구정소식", *post.tags[:3]))
        caption = f"[{title}]\n\n{paragraphs[0] if paragraphs else ''}\n\n{tags}"
        reel = post.kind in ("festival", "event") and post.seq % 2 == 0
        album = not reel and post.seq % 3 == 0
        digest = hashlib.blake2b(node.encode(), digest_size=8).digest()
        shortcode = "C" + _b64(digest)[:10]
        with self._lock:
            closed = node in self._closed
        return IgMedia(
            id=node,
            key=post.id,
            created_at=post.created_at,
            caption=caption,
            media_type="VIDEO" if reel else "CAROUSEL_ALBUM" if album else "IMAGE",
            product_type="REELS" if reel else "FEED",
            shortcode=shortcode,
            like_count=int.from_bytes(digest[:2]) % 400,
            comments_enabled=post.comments_open and not closed,
        )

    # -- comments ----------------------------------------------------------------------

    def comments(self, media: IgMedia, at: datetime) -> list[IgComment]:
        """Every visible comment and reply of the media at `at`, oldest first."""
        return self._memoized(("comments", media.id, at), lambda: self._comments(media, at))

    def _comments(self, media: IgMedia, at: datetime) -> list[IgComment]:
        raw = self.data.comments(media.key, at)
        top = top_levels(raw)
        by_id = {c.id: c for c in raw}
        dead = {c.id: self._dead(c, at) for c in raw}
        shown: list[IgComment] = []
        for c in raw:
            if dead[c.id] or dead.get(top[c.id], False):
                continue
            parent = by_id.get(c.parent_id) if c.parent_id is not None else None
            shown.append(self._comment(media, c, top[c.id], parent, at))
        return shown

    def comment(self, node: str, at: datetime) -> IgComment | None:
        """The comment or reply `node` if it is visible at `at`."""
        number = comment_number(node)
        if number is None:
            return None
        try:
            found = self.data.comment(self.account.comment_id(number))
        except KeyError:
            return None
        media = next((m for m in self.media(at) if m.key == found.post_id), None)
        if media is None:
            return None
        return next((c for c in self.comments(media, at) if c.id == node), None)

    def _comment(
        self,
        media: IgMedia,
        c: SandboxComment,
        top: int,
        parent: SandboxComment | None,
        at: datetime,
    ) -> IgComment:
        node = comment_node(c.number)
        moderated = self._fate(c).moderated_at
        changed = self.changes.hidden(node, at)
        hidden = changed if changed is not None else moderated is not None and moderated <= at
        with self._lock:
            own = c.by_district and c.id not in self._residents
        text = c.text
        if own and parent is not None and c.number < WRITTEN_BASE:
            text = f"@{_username(parent)} {text}"
        return IgComment(
            id=node,
            media_id=media.id,
            key=c.id,
            created_at=c.created_at,
            text=text,
            username=USERNAME if own else _username(c),
            user_id=IG_USER_ID if own else user_id(c.author_handle),
            parent_id=None if top == c.id else comment_node(top % ID_SPACE),
            hidden=hidden and not own,
            likes=self._fate(c).likes,
            by_account=own,
            product_type=media.product_type,
        )

    # -- writes ------------------------------------------------------------------------

    def reply(self, target: IgComment, text: str, at: datetime) -> str:
        """The account's reply under `target`'s top-level comment; returns its id."""
        top = self.comment(target.parent_id or target.id, at)
        if top is None:
            raise KeyError(f"no visible comment {target.parent_id or target.id}")
        return self._write(top.media_id, top.key, text, at)

    def comment_on(self, media: IgMedia, text: str, at: datetime) -> str:
        """A new top-level comment by the account on `media`; returns its id."""
        return self._write(media.id, None, text, at)

    def add_resident_comment(
        self, media: IgMedia, text: str, at: datetime, username: str = "haneul_2026"
    ) -> str:
        """A resident's new top-level comment (for tests); returns its id."""
        post = self.data.post(media.key)
        written = self.data.written.add(self.account, post, None, (username, username), text, at)
        with self._lock:
            self._residents.add(written.id)
        self._changed()
        return comment_node(written.number)

    def _write(self, node: str, parent_key: int | None, text: str, at: datetime) -> str:
        media = self.media_item(node, at)
        if media is None:
            raise KeyError(f"no visible media {node}")
        post = self.data.post(media.key)
        author = (USERNAME, USERNAME)
        written = self.data.written.add(self.account, post, parent_key, author, text, at)
        self._changed()
        return comment_node(written.number)

    def hide(self, node: str, hidden: bool = True) -> None:
        """Hide a comment (or show it again); the account's own stay shown."""
        self.changes.hide(node, hidden)

    def delete(self, node: str, at: datetime) -> None:
        """From `at` on, the comment (with its replies) or media is gone."""
        self.changes.delete(node, at)

    def close_comments(self, node: str, closed: bool = True) -> None:
        """Switch comments on the media off (`comment_enabled=false`) or on again."""
        with self._lock:
            (self._closed.add if closed else self._closed.discard)(node)
        self._changed()

    def counts(self, at: datetime) -> dict[str, int]:
        """What `GET /_sandbox/instagram` counts at `at`: media (with comments off),
        visible comments, replies, hidden ones and the account's own."""
        media = self.media(at)
        comments = [c for m in media for c in self.comments(m, at)]
        return {
            "media": len(media),
            "comments_closed": sum(not m.comments_enabled for m in media),
            "comments": len(comments),
            "replies": sum(c.parent_id is not None for c in comments),
            "hidden": sum(c.hidden for c in comments),
            "by_account": sum(c.by_account for c in comments),
        }

    # -- plumbing ----------------------------------------------------------------------

    def _dead(self, comment: SandboxComment, at: datetime) -> bool:
        deleted = self._fate(comment).deleted_at
        return self._gone(comment_node(comment.number), at) or (
            deleted is not None and deleted <= at
        )

    def _fate(self, comment: SandboxComment) -> Fate:
        with self._lock:
            found = self._fates.get(comment.id)
        if found is None:
            found = fate(self.data.seed, "instagram", comment)
            if comment.number >= WRITTEN_BASE:
                found = Fate(None, None, 0)  # written through the API: no seeded fate
            with self._lock:
                self._fates[comment.id] = found
        return found

    def _gone(self, node: str, at: datetime) -> bool:
        return self.changes.deleted(node, at)

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


def media_id(post: SandboxPost) -> str:
    """The media id of the account's post."""
    return str(MEDIA_BASE + post.seq * MEDIA_STEP)


def comment_node(number: int) -> str:
    """The comment id of the account's `number`-th comment."""
    return str(COMMENT_BASE + number * COMMENT_STEP)


def comment_number(node: str) -> int | None:
    """The account-local comment number of a comment id, or None if it is not one."""
    if not node.isdigit():
        return None
    number, rest = divmod(int(node) - COMMENT_BASE, COMMENT_STEP)
    return number if rest == 0 and number > 0 else None


def user_id(handle: str) -> str:
    """A resident's stable Instagram-scoped id."""
    digest = hashlib.blake2b(handle.encode(), digest_size=6).digest()
    return str(USER_BASE + int.from_bytes(digest) % 10**11)


def _username(comment: SandboxComment) -> str:
    """Instagram usernames: lower-case letters, digits, `_` and `.`."""
    return "".join(ch for ch in comment.author_handle.lower() if ch.isascii()) or "user"


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
