"""The shape of one post's comment thread: when each comment was written and what it answers.

A thread is built from a per-post random generator without any text, in compact arrays
(13 bytes per comment), so the data set can know counts and order for a million comments
and generate text lazily. Comments are in time order; each entry has a parent index
(-1 for top level) and a topic code (an index into `TOPICS`).
"""

from __future__ import annotations

import heapq
import random
from array import array
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.clock import KST
from aggregator.sandbox.comment_texts import ANSWERED_TOPICS, DISTRICT_TOPICS, topic_weights

TOPICS: tuple[str, ...] = (
    "parking",
    "garbage",
    "noise",
    "roadworks",
    "question",
    "thanks",
    "complaint",
    "suggestion",
    "spam",
    "abuse",
    "phone",
    "markup",
    "reply",
    "reply_to_district",
    "district_reply",
    "district_notice",
)
CODE = {name: code for code, name in enumerate(TOPICS)}
DISTRICT_CODES = frozenset(CODE[t] for t in DISTRICT_TOPICS)
ANSWERED_CODES = frozenset(CODE[t] for t in ANSWERED_TOPICS)
REPLY_SHARE = 0.2
ANSWER_SHARE = 0.4
NOTICE_SHARE = 0.015


@dataclass(frozen=True, slots=True)
class Thread:
    """Times (epoch seconds, ascending), parent indexes and topic codes of one post's comments."""

    times: array[int]
    parents: array[int]
    topics: bytes

    def __len__(self) -> int:
        return len(self.times)

    def visible(self, epoch: int) -> int:
        """How many comments exist at `epoch` (they are the first N)."""
        return bisect_right(self.times, epoch)

    def topic(self, index: int) -> str:
        """The topic name of comment `index`."""
        return TOPICS[self.topics[index]]


def resident_delay(rng: random.Random) -> float:
    """Seconds between a post and a resident's comment: most within hours, a long tail."""
    roll = rng.random()
    if roll < 0.65:
        return rng.expovariate(1 / (6 * 3600))
    if roll < 0.95:
        return rng.expovariate(1 / (3 * 86400))
    return rng.uniform(5, 25) * 86400


def office_time(rng: random.Random, after: float) -> int:
    """When the district answers a comment written at `after`: office hours, days later."""
    moment = datetime.fromtimestamp(after + 600 + rng.expovariate(1 / (20 * 3600)), KST)
    if moment.weekday() >= 5 or not 9 <= moment.hour < 18:
        if moment.hour >= 18:
            moment += timedelta(days=1)
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
        moment = moment.replace(hour=9, minute=0) + timedelta(seconds=rng.randint(0, 7200))
    return int(moment.timestamp())


class _Builder:
    """Appends comments in time order; district answers wait in a heap until their time."""

    def __init__(self, size: int, first_topic: str | None) -> None:
        self.size = size
        self.first_topic = first_topic
        self.times: array[int] = array("q")
        self.parents: array[int] = array("i")
        self.topics = bytearray()
        self.pending: list[tuple[int, int]] = []
        self.recent: deque[int] = deque(maxlen=12)

    def full(self) -> bool:
        return len(self.times) + len(self.pending) >= self.size

    def append(self, when: int, parent: int, code: int) -> None:
        self.times.append(when)
        self.parents.append(parent)
        self.topics.append(code)
        self.recent.append(len(self.times) - 1)

    def publish(self, until: float) -> None:
        while self.pending and self.pending[0][0] <= until:
            when, parent = heapq.heappop(self.pending)
            self.append(when, parent, CODE["district_reply"])

    def add_resident(
        self, rng: random.Random, when: int, weights: tuple[tuple[str, ...], tuple[float, ...]]
    ) -> None:
        roll = rng.random()
        if self.first_topic is not None and not self.times:
            self.append(when, -1, CODE[self.first_topic])
            return
        if self.recent and roll < REPLY_SHARE:
            parent = rng.choice(self.recent)
            by_district = self.topics[parent] in DISTRICT_CODES
            self.append(when, parent, CODE["reply_to_district" if by_district else "reply"])
            return
        if roll > 1 - NOTICE_SHARE:
            self.append(when, -1, CODE["district_notice"])
            return
        code = CODE[rng.choices(*weights)[0]]
        self.append(when, -1, code)
        if code in ANSWERED_CODES and rng.random() < ANSWER_SHARE and not self.full():
            heapq.heappush(self.pending, (office_time(rng, when), len(self.times) - 1))


def build_thread(
    rng: random.Random, post_epoch: int, post_kind: str, size: int, first_topic: str | None = None
) -> Thread:
    """Lay out `size` comments under a post published at `post_epoch`.

    Residents comment, reply to each other and to the district; two in five of the
    answerable top-level comments get a district answer in office hours. `first_topic`
    forces the topic of the first comment (the data set puts special text there).
    """
    weights = topic_weights(post_kind)
    builder = _Builder(size, first_topic)
    moments = sorted(int(post_epoch + 60 + resident_delay(rng)) for _ in range(size))
    for when in moments:
        builder.publish(when)
        if builder.full():
            break
        builder.add_resident(rng, when, weights)
    builder.publish(float("inf"))
    return Thread(builder.times, builder.parents, bytes(builder.topics))
