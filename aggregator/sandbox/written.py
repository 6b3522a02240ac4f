"""Comments written into the sandbox through its write endpoints, and comments held back.

The generated data set is immutable; what clients write (WordPress reply comments) and
moderate (a comment set to `hold`) lives here, and `DataSet` merges it into every read
(feeds, REST), so a later sync sees the district's reply like any other comment.
"""

from __future__ import annotations

import threading
from datetime import datetime

from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

WRITTEN_BASE = 90_000_000
"""Account-local numbers of written comments start here (generated ones stay below)."""


class WrittenComments:
    """Thread-safe store of written comments (by post) and held comment ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_post: dict[int, list[SandboxComment]] = {}
        self._by_id: dict[int, SandboxComment] = {}
        self._held: dict[int, int] = {}
        """Held comment id -> its post id."""
        self._counts: dict[str, int] = {}

    def add(
        self,
        account: SandboxAccount,
        post: SandboxPost,
        parent_id: int | None,
        author: tuple[str, str],
        text: str,
        at: datetime,
    ) -> SandboxComment:
        """A new comment by `author` (name, handle) on `post`, written by the district."""
        with self._lock:
            count = self._counts.get(account.key, 0) + 1
            self._counts[account.key] = count
            number = WRITTEN_BASE + count
            comment = SandboxComment(
                id=account.comment_id(number), number=number, account=account.key,
                post_id=post.id, parent_id=parent_id, author_name=author[0],
                author_handle=author[1], author_url=None, text=text,
                created_at=at.replace(microsecond=0), by_district=True, topic="district_reply",
            )  # fmt: skip
            self._by_post.setdefault(post.id, []).append(comment)
            self._by_id[comment.id] = comment
        return comment

    def on_post(self, post_id: int, at: datetime | None) -> list[SandboxComment]:
        """The post's written comments (by `at` when given), oldest first."""
        with self._lock:
            found = self._by_post.get(post_id, [])
            return [c for c in found if at is None or c.created_at <= at]

    def of_account(self, account_key: str, at: datetime) -> list[SandboxComment]:
        """Every written comment of the account by `at`."""
        with self._lock:
            return [
                c for c in self._by_id.values() if c.account == account_key and c.created_at <= at
            ]

    def get(self, comment_id: int) -> SandboxComment | None:
        """A written comment by id, or None."""
        with self._lock:
            return self._by_id.get(comment_id)

    def hold(self, comment: SandboxComment, held: bool) -> None:
        """Hold a comment back from public reads (`held`), or approve it again."""
        with self._lock:
            if held:
                self._held[comment.id] = comment.post_id
            else:
                self._held.pop(comment.id, None)

    def is_held(self, comment_id: int) -> bool:
        """Whether the comment is held back."""
        with self._lock:
            return comment_id in self._held

    def touches(self, post_id: int) -> bool:
        """Whether anything written or held concerns this post (else reads take the fast path)."""
        with self._lock:
            return post_id in self._by_post or post_id in self._held.values()

    def any_held(self) -> bool:
        """Whether any comment is held back."""
        with self._lock:
            return bool(self._held)
