"""An in-test platform and its `ReplyWriter` (the real writers live in `connectors.writers`):
it holds the district's replies, and fails or "crashes" where a test tells it to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aggregator.http import HttpClient
from connectors.common.reply import PostedReply, ReplyTarget, ReplyWriter, WriteError


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs (not an `Exception`, so nothing catches it)."""


@dataclass
class Reply:
    under: str
    text: str
    at: datetime
    platform_id: str


@dataclass
class FakePlatform:
    """The replies a platform holds, and the failures queued for the next calls."""

    clock: Any
    replies: list[Reply] = field(default_factory=list)
    post_errors: list[WriteError] = field(default_factory=list)
    find_errors: list[WriteError] = field(default_factory=list)
    crash_after_post: bool = False
    posts: int = 0
    finds: int = 0

    def writer_for(self, account: Any, http: HttpClient) -> ReplyWriter | None:
        return FakeWriter(self) if account.platform == "facebook" else None


class FakeWriter:
    """`ReplyWriter` over a `FakePlatform`."""

    can_hide = False

    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        p = self.platform
        p.posts += 1
        if p.post_errors:
            error = p.post_errors.pop(0)
            if error.kind.value != "network" or "accepted" not in error.message:
                raise error
            self._store(target, text)  # the platform took it, the answer got lost
            raise error
        reply = self._store(target, text)
        if p.crash_after_post:
            raise Crash()
        return PostedReply(reply.platform_id, reply.platform_id)

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        p = self.platform
        p.finds += 1
        if p.find_errors:
            raise p.find_errors.pop(0)
        for reply in p.replies:
            same = reply.under == target.platform_comment_id and reply.text.strip() == text.strip()
            if same and reply.at >= since:
                return PostedReply(reply.platform_id, reply.platform_id)
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        raise NotImplementedError

    def _store(self, target: ReplyTarget, text: str) -> Reply:
        reply = Reply(target.platform_comment_id, text, self.platform.clock(), "")
        reply.platform_id = f"{target.platform_comment_id}_r{len(self.platform.replies) + 1}"
        self.platform.replies.append(reply)
        return reply
