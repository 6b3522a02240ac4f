"""The sandbox's Pinterest profile: boards and pins made from the data set's posts.

Pins: one per post of the `pinterest` account (`PINTEREST_ACCOUNT`), on one of three
boards chosen by the post's kind. Pin ids are 19-digit numbers growing with time
(`PIN_ID_BASE + seq * PIN_ID_STEP`); board ids are fixed.

Comment counts: Pinterest shows counts, never comment text, and the data set holds no
Pinterest comments. Each pin gets comment arrival times derived from `(seed, pin id)`:
0-6 comments arriving over the twelve days after the pin went up; its count at a moment
is how many have arrived. The newest pin published before the data set's start also
gets one at start + 20 h, so some count always rises during the first sandbox day.

Deletions: two pins disappear. The second-newest pin published before the start is
deleted at start + 36 h (for tests, whose clock begins at the start); the ninth-newest
at start - 1 day (for the demo, which replays the days before the start).

Other metrics (impressions, clicks, saves, reactions) grow with the pin's age, a step a
day.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.data import DataSet, derive_seed
from aggregator.sandbox.models import PINTEREST_ACCOUNT, SandboxAccount, SandboxPost

PIN_ID_BASE = 1_093_745_000_000_000_000
PIN_ID_STEP = 1_048_583
COMMENT_CHOICES = (0, 0, 0, 1, 1, 2, 2, 3, 4, 6)
COMMENT_SPREAD_HOURS = 12 * 24
DESCRIPTION_CHARS = 500
SHOWCASE_COMMENT_AFTER = timedelta(hours=20)
DELETIONS = ((1, timedelta(hours=36)), (8, timedelta(days=-1)))
"""(index among pins published before the start, newest first; deletion time - start)."""


@dataclass(frozen=True, slots=True)
class SandboxBoard:
    """One of the profile's boards."""

    id: str
    slug: str
    name: str
    description: str
    kinds: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SandboxPin:
    """A pin: the post it shows, its board, when comments arrive, when it is deleted."""

    id: str
    post: SandboxPost
    board: SandboxBoard
    comment_times: tuple[datetime, ...]
    deleted_at: datetime | None
    impressions_per_day: int

    @property
    def created_at(self) -> datetime:
        """When the pin went up (the post's time)."""
        return self.post.created_at

    @property
    def url(self) -> str:
        """The pin's public page."""
        return f"https://www.pinterest.com/pin/{self.id}/"

    def visible(self, at: datetime) -> bool:
        """True when the pin is up at `at` (published and not yet deleted)."""
        return self.created_at <= at and (self.deleted_at is None or at < self.deleted_at)

    def texts(self, at: datetime) -> tuple[str, str]:
        """Title (at most 100 characters; empty for some pins, as in the RSS sample) and
        description (the post's first paragraph on one line) as they read at `at`."""
        title, paragraphs = self.post.version_at(at)
        description = " ".join(paragraphs[0].split())[:DESCRIPTION_CHARS] if paragraphs else ""
        return ("" if self.post.seq % 7 == 0 else title[:100]), description

    def comment_count(self, at: datetime) -> int:
        """How many comments the pin has at `at`."""
        return sum(1 for moment in self.comment_times if moment <= at)

    def image(self, size: str) -> str:
        """The `i.pinimg.com` URL of one image variant (`236x`, `600x`, ...)."""
        digest = hashlib.blake2b(self.id.encode(), digest_size=16).hexdigest()
        return f"https://i.pinimg.com/{size}/{digest[:2]}/{digest[2:4]}/{digest[4:6]}/{digest}.jpg"

    def lifetime_metrics(self, at: datetime) -> dict[str, int]:
        """Lifetime metrics at `at`: the comment count, and the others, which grow with the
        pin's age once a day (Pinterest's analytics are daily figures)."""
        days = max(0, (at - self.created_at).days)
        impressions = days * self.impressions_per_day
        clicks = impressions // 25
        return {
            "impression": impressions,
            "pin_click": clicks,
            "outbound_click": clicks // 3,
            "save": impressions // 60,
            "reaction": impressions // 80,
            "comment": self.comment_count(at),
        }


def _boards(start: datetime) -> tuple[SandboxBoard, ...]:
    opened = start - timedelta(days=400)
    return (
        SandboxBoard(
            "982031456712345601",
            "events",
            "행사·축제",
            "한빛구의 축제와 행사, 교육·모집 소식",
            ("festival", "event", "recruit"),
            opened,
        ),
        SandboxBoard(
            "982031456712345602",
            "news",
            "구정 소식",
            "한빛구청이 알려 드리는 생활 소식",
            ("notice",),
            opened + timedelta(days=3),
        ),
        SandboxBoard(
            "982031456712345603",
            "safety",
            "안전·교통",
            "재난 대비, 안전 수칙과 도로·교통 안내",
            ("safety", "roadworks"),
            opened + timedelta(days=9),
        ),
    )


class PinterestWorld:
    """Boards and pins of the sandbox's Pinterest profile (see the module docstring)."""

    def __init__(self, data: DataSet, account: SandboxAccount = PINTEREST_ACCOUNT) -> None:
        self.data = data
        self.account = account
        self.boards = _boards(data.start)
        posts = sorted(data.posts(account.key), key=lambda p: p.seq)
        published = sorted((p for p in posts if p.created_at <= data.start), key=_newest_first)
        showcase = published[0].id if published else None
        deleted = {
            published[index].id: data.start + offset
            for index, offset in DELETIONS
            if index < len(published) and published[index].created_at < data.start + offset
        }
        self.pins = tuple(self._pin(p, p.id == showcase, deleted.get(p.id)) for p in posts)
        """Every pin ever, oldest first (also future and deleted ones)."""
        self._by_id = {pin.id: pin for pin in self.pins}

    def _pin(self, post: SandboxPost, showcase: bool, deleted_at: datetime | None) -> SandboxPin:
        pin_id = str(PIN_ID_BASE + post.seq * PIN_ID_STEP)
        rng = random.Random(derive_seed(self.data.seed, "pinterest", pin_id))
        times = [
            post.created_at + timedelta(hours=rng.uniform(0.5, COMMENT_SPREAD_HOURS))
            for _ in range(rng.choice(COMMENT_CHOICES))
        ]
        if showcase:
            times.append(self.data.start + SHOWCASE_COMMENT_AFTER)
        board = next((b for b in self.boards if post.kind in b.kinds), self.boards[1])
        return SandboxPin(
            pin_id, post, board, tuple(sorted(times)), deleted_at, rng.randint(40, 900)
        )

    def board(self, board_id: str) -> SandboxBoard | None:
        """The board with id `board_id`."""
        return next((b for b in self.boards if b.id == board_id), None)

    def board_by_slug(self, slug: str) -> SandboxBoard | None:
        """The board whose URL slug is `slug`."""
        return next((b for b in self.boards if b.slug == slug), None)

    def pin(self, pin_id: str) -> SandboxPin | None:
        """The pin with id `pin_id` (whether or not it is up)."""
        return self._by_id.get(pin_id)

    def visible_pins(self, at: datetime, board: SandboxBoard | None = None) -> list[SandboxPin]:
        """The pins up at `at` (on `board`, when given), newest first."""
        return [
            pin
            for pin in reversed(self.pins)
            if pin.visible(at) and (board is None or pin.board.id == board.id)
        ]

    def deleted_pins(self) -> list[SandboxPin]:
        """The pins that get deleted at some point, in order of deletion."""
        gone = [pin for pin in self.pins if pin.deleted_at is not None]
        return sorted(gone, key=lambda pin: pin.deleted_at or pin.created_at)


def _newest_first(post: SandboxPost) -> tuple[float, int]:
    return (-post.created_at.timestamp(), -post.seq)
