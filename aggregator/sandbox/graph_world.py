"""The sandbox world as the district's Facebook Page shows it through the Graph API.

Built on the platform-neutral `DataSet` (posts, comment threads, edits, district
answers); this module adds what only Facebook shows, each piece derived from its own
seeded generator so the blog feeds stay byte-identical:

- ids: the Page is the account's handle (`104392018734562`), posts are
  `{page}_{POST_BASE + post.id}`, comments `{post part}_{COMMENT_BASE + comment.id}`;
  residents get stable numeric user ids; the district writes as the Page itself
  (the nodes and their id bases are in `graph_nodes.py`).
- two-level threads: a reply to a reply hangs under its top-level comment, as on Facebook.
- fates over time: most spam is deleted by the Page within two days, a few comments are
  deleted by their authors within ten days (deleting a comment removes its replies),
  half of the abusive ones are hidden by the Page; likes, shares, reactions, photos.
- visitor posts: residents' own posts on the Page, some answered by the district
  (generated in `graph_visitors.py`).
- for tests: `add_comment`, and `edit`, `delete` or `hide` any post or comment.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from aggregator.sandbox.data import DataSet, derive_seed
from aggregator.sandbox.graph_nodes import (
    CDN,
    COMMENT_BASE,
    EXTRA_SPACE,
    PHOTO_BASE,
    POST_BASE,
    VISITOR_BASE,
    Author,
    GraphComment,
    GraphPost,
    user_id,
)
from aggregator.sandbox.graph_visitors import Visitor, make_visitors
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

MEMO_SIZE = 16
"""Remembered results (post lists, one post's comments) at one time and override state."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Fate:
    deleted_at: datetime | None
    hidden_at: datetime | None
    likes: int
    photo: bool


class GraphWorld:
    """The Page, its posts, visitor posts and comments at any sandbox time."""

    def __init__(self, data: DataSet, account: SandboxAccount) -> None:
        self.data = data
        self.account = account
        self.page = Author(account.handle, account.name)
        self._fates: dict[int, _Fate] = {}
        self._deleted: dict[str, datetime] = {}
        self._hidden: dict[str, bool] = {}
        self._edits: dict[str, tuple[datetime, str]] = {}
        self._extra: list[SandboxComment] = []
        self._lock = threading.Lock()
        self._visitors = make_visitors(data, account)
        self._version = 0
        self._memo: OrderedDict[tuple[object, ...], Any] = OrderedDict()

    def _changed(self) -> None:
        """An override changed what the world shows (call with the lock held)."""
        self._version += 1
        self._memo.clear()

    def _memoized(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """`compute()`, remembered for the same key, time and overrides: a backfill asks
        for the same post's comments once per page, and a post can have thousands."""
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

    # -- overrides -------------------------------------------------------------------------

    def edit(self, node_id: str, text: str, at: datetime) -> None:
        """From `at` on, the post or comment reads `text`."""
        with self._lock:
            self._edits[node_id] = (at, text)
            self._changed()

    def delete(self, node_id: str, at: datetime) -> None:
        """From `at` on, the post or comment is gone (a comment's replies with it)."""
        with self._lock:
            self._deleted[node_id] = at
            self._changed()

    def add_comment(
        self,
        post_node: str,
        text: str,
        at: datetime,
        name: str = "이하늘",
        by_page: bool = False,
        parent_key: int | None = None,
    ) -> str:
        """A new comment on a post (a reply under the comment `parent_key` when given),
        written at `at`; returns its node id."""
        post = self.post(post_node, at)
        if post is None:
            raise KeyError(f"no visible post {post_node} at {at.isoformat()}")
        with self._lock:
            number = len(self._extra) + 1
            author = (self.page.name, self.page.id) if by_page else (name, f"extra_{number}")
            comment = SandboxComment(
                id=EXTRA_SPACE + number, number=number, account=self.account.key,
                post_id=post.key, parent_id=parent_key, author_name=author[0],
                author_handle=author[1], author_url=None, text=text,
                created_at=at.replace(microsecond=0), by_district=by_page, topic="question",
            )  # fmt: skip
            self._extra.append(comment)
            self._fates[comment.id] = _Fate(None, None, 0, False)
            self._changed()
        return f"{post.object_id}_{COMMENT_BASE + comment.id}"

    def hide(self, node_id: str, hidden: bool = True) -> None:
        """Hide (or show again) a post or comment."""
        with self._lock:
            self._hidden[node_id] = hidden
            self._changed()

    # -- posts -----------------------------------------------------------------------------

    def posts(self, at: datetime) -> list[GraphPost]:
        """The Page's published posts at `at`, newest first."""
        found = (self._post(p, at) for p in self.data.posts(self.account.key, at))
        return [p for p in found if not self._gone(p.node_id, at)]

    def visitor_posts(self, at: datetime) -> list[GraphPost]:
        """Residents' posts on the Page at `at`, newest first."""
        found = (self._visitor_post(v, at) for v in reversed(self._visitors))
        return [p for p in found if p.created_at <= at and not self._gone(p.node_id, at)]

    def post(self, node_id: str, at: datetime) -> GraphPost | None:
        """The post (or visitor post) `node_id` if it is visible at `at`."""
        page, _, part = node_id.partition("_")
        if page != self.page.id or not part.isdigit():
            return None
        return next((p for p in self._all_posts(at) if p.part == part), None)

    def _all_posts(self, at: datetime) -> list[GraphPost]:
        return self._memoized(("posts", at), lambda: self.posts(at) + self.visitor_posts(at))

    def _post(self, post: SandboxPost, at: datetime) -> GraphPost:
        rng = random.Random(derive_seed(self.data.seed, "graph-post", post.id))
        title, paragraphs = post.version_at(at)
        part = str(POST_BASE + post.id)
        node_id = f"{self.page.id}_{part}"
        message, updated = self._text(node_id, "\n\n".join((title, *paragraphs)), at)
        pictured = post.kind in ("festival", "event") or rng.random() < 0.3
        photo = str(PHOTO_BASE + post.id)
        permalink = f"https://www.facebook.com/{self.page.id}/posts/{part}/"
        return GraphPost(
            node_id=node_id,
            part=part,
            created_at=post.created_at,
            updated_at=updated or post.updated_at(at),
            message=message,
            author=self.page,
            permalink=permalink,
            picture=f"{CDN}/{part}_{rng.randint(10**8, 10**9)}_n.jpg" if pictured else None,
            shares=int(rng.expovariate(1 / 4)),
            reactions=int(rng.expovariate(1 / 30)),
            hidden=self._hidden.get(node_id, False),
            visitor=False,
            key=post.id,
            object_id=photo if pictured else part,
            comment_link=(
                f"https://www.facebook.com/photo.php?fbid={photo}&set=a.{self.page.id}&type=3&"
                if pictured
                else f"{permalink}?"
            ),
        )

    def _visitor_post(self, visitor: Visitor, at: datetime) -> GraphPost:
        part = str(VISITOR_BASE + visitor.post.id)
        node_id = f"{self.page.id}_{part}"
        message, updated = self._text(node_id, visitor.post.paragraphs[0], at)
        return GraphPost(
            node_id=node_id,
            part=part,
            created_at=visitor.post.created_at,
            updated_at=updated or visitor.post.created_at,
            message=message,
            author=visitor.author,
            permalink=f"https://www.facebook.com/{self.page.id}/posts/{part}/",
            picture=None,
            shares=0,
            reactions=visitor.post.seq % 4,
            hidden=self._hidden.get(node_id, False),
            visitor=True,
            key=visitor.post.id,
            object_id=part,
            comment_link=f"https://www.facebook.com/{self.page.id}/posts/{part}/?",
        )

    # -- comments --------------------------------------------------------------------------

    def comments(self, post: GraphPost, at: datetime) -> list[GraphComment]:
        """The post's visible comments at `at`, oldest first, threads flattened to 2 levels."""
        return self._memoized(("comments", post.node_id, at), lambda: self._comments(post, at))

    def _comments(self, post: GraphPost, at: datetime) -> list[GraphComment]:
        raw = self._raw_comments(post, at)
        top: dict[int, int] = {}
        for c in raw:
            top[c.id] = c.id if c.parent_id is None else top.get(c.parent_id, c.parent_id)
        node = {c.id: f"{post.object_id}_{COMMENT_BASE + c.id}" for c in raw}
        dead = {c.id: self._dead(c, node[c.id], at) for c in raw}
        visible = [c for c in raw if not dead[c.id] and not dead.get(top[c.id], False)]
        replies: dict[int, int] = {}
        for c in visible:
            if top[c.id] != c.id:
                replies[top[c.id]] = replies.get(top[c.id], 0) + 1
        return [self._comment(post, c, top[c.id], node, replies.get(c.id, 0), at) for c in visible]

    def comment(self, node_id: str, at: datetime) -> GraphComment | None:
        """The comment `node_id` if it is visible at `at`."""
        object_id = node_id.partition("_")[0]
        post = next((p for p in self._all_posts(at) if p.object_id == object_id), None)
        if post is None:
            return None
        return next((c for c in self.comments(post, at) if c.node_id == node_id), None)

    def _raw_comments(self, post: GraphPost, at: datetime) -> list[SandboxComment]:
        if post.visitor:
            visitor = next(v for v in self._visitors if v.post.id == post.key)
            found = [c for c in visitor.comments if c.created_at <= at]
        else:
            found = self.data.comments(post.key, at)
        with self._lock:
            extra = [c for c in self._extra if c.post_id == post.key and c.created_at <= at]
        return sorted(found + extra, key=lambda c: (c.created_at, c.id)) if extra else found

    def _dead(self, comment: SandboxComment, node_id: str, at: datetime) -> bool:
        deleted = self._fate(comment).deleted_at
        return self._gone(node_id, at) or (deleted is not None and deleted <= at)

    def _comment(
        self,
        post: GraphPost,
        c: SandboxComment,
        top_id: int,
        node: dict[int, str],
        replies: int,
        at: datetime,
    ) -> GraphComment:
        fate = self._fate(c)
        node_id = node[c.id]
        message, _ = self._text(node_id, c.text_at(at), at)
        hidden = fate.hidden_at is not None and fate.hidden_at <= at
        permalink = f"{post.comment_link}comment_id={COMMENT_BASE + top_id}"
        if top_id != c.id:
            permalink += f"&reply_comment_id={COMMENT_BASE + c.id}"
        return GraphComment(
            node_id=node_id,
            post_node=post.node_id,
            created_at=c.created_at,
            message=message,
            author=self.page if c.by_district else Author(user_id(c.author_handle), c.author_name),
            parent_node=None if top_id == c.id else node[top_id],
            top_node=node[top_id],
            hidden=self._hidden.get(node_id, hidden),
            likes=fate.likes,
            replies=replies,
            attachment=_photo(COMMENT_BASE + c.id) if fate.photo else None,
            permalink=permalink,
            key=c.id,
            by_page=c.by_district,
        )

    def _fate(self, comment: SandboxComment) -> _Fate:
        with self._lock:
            found = self._fates.get(comment.id)
        if found is not None:
            return found
        rng = random.Random(derive_seed(self.data.seed, "graph-fate", comment.id))
        deleted = hidden = None
        if comment.topic == "spam" and rng.random() < 0.6:
            deleted = comment.created_at + timedelta(hours=rng.uniform(1, 48))
        elif not comment.by_district and rng.random() < 0.02:
            deleted = comment.created_at + timedelta(hours=rng.uniform(1, 240))
        if comment.topic == "abuse" and rng.random() < 0.5:
            hidden = comment.created_at + timedelta(minutes=rng.uniform(10, 600))
        likes = int(rng.expovariate(1 / (6 if comment.by_district else 1.5)))
        fate = _Fate(deleted, hidden, likes, not comment.by_district and rng.random() < 0.05)
        with self._lock:
            self._fates[comment.id] = fate
        return fate

    def _gone(self, node_id: str, at: datetime) -> bool:
        with self._lock:
            deleted = self._deleted.get(node_id)
        return deleted is not None and deleted <= at

    def _text(self, node_id: str, text: str, at: datetime) -> tuple[str, datetime | None]:
        with self._lock:
            edit = self._edits.get(node_id)
        if edit is not None and edit[0] <= at:
            return edit[1], edit[0]
        return text, None


def _photo(fbid: int) -> dict[str, object]:
    url = f"https://www.facebook.com/photo.php?fbid={fbid + 1}&set=p.{fbid + 1}&type=3"
    return {
        "media": {"image": {"height": 720, "src": f"{CDN}/{fbid}_n.jpg", "width": 720}},
        "target": {"id": str(fbid + 1), "url": url},
        "type": "photo",
        "url": url,
    }
