"""The seeded, platform-neutral data set: the district's accounts, posts and comments.

Everything derives from `seed` through `random.Random` instances seeded from
`(seed, purpose, key)`, never the global generator, so the same seed gives the same data
in every process. Posts are built eagerly (a few hundred); comment threads are laid out
per post on first use (`threads.Thread`, 13 bytes a comment) and comment text is made in
chunks of `CHUNK` on demand, so a million comments cost memory only for what is read.
Items dated after the sandbox's `now` are not visible yet.
"""

from __future__ import annotations

import hashlib
import random
import threading
from bisect import bisect_right
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aggregator.sandbox import comment_texts, post_templates, post_texts
from aggregator.sandbox.clock import DEFAULT_START, KST
from aggregator.sandbox.commenters import make_people, pick_author
from aggregator.sandbox.models import (
    ACCOUNTS,
    ID_SPACE,
    CommentEdit,
    Person,
    PostRevision,
    SandboxAccount,
    SandboxComment,
    SandboxPost,
)
from aggregator.sandbox.threads import Thread, build_thread
from aggregator.sandbox.written import WrittenComments

CHUNK = 64
"""Comments whose text is generated together (one random generator per chunk)."""
CACHED_CHUNKS = 2048
KIND_WEIGHT = {"roadworks": 1.6, "festival": 1.4, "event": 1.2, "notice": 1.0, "safety": 0.9}
EDIT_SHARE = 0.04


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from the parts (stable across processes, unlike `hash()`)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    mass = sum(weights)
    if total <= 0 or mass <= 0:
        return [0] * len(weights)
    exact = [total * w / mass for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True, slots=True)
class _PostSlot:
    post: SandboxPost
    size: int
    base: int
    """Account-local number of the post's first comment, minus one."""


class DataSet:
    """The whole fictional world of one seed: accounts, posts and (lazily) comments.

    Args:
        seed: everything is derived from it.
        comments: total number of comments, split over the accounts by `comment_share`.
        start: the sandbox start; posts spread over the 30 days before it and 3 after.
        accounts: the accounts to populate (the blogs by default).
    """

    def __init__(
        self,
        seed: int = 7,
        comments: int = 400,
        start: datetime = DEFAULT_START,
        accounts: tuple[SandboxAccount, ...] = ACCOUNTS,
    ) -> None:
        if comments < 0:
            raise ValueError(f"comments must be >= 0, got {comments}")
        self.seed = seed
        self.start = start
        self.total_comments = comments
        self.accounts = accounts
        self._people = make_people(random.Random(derive_seed(seed, "people")))
        self._slots: dict[int, _PostSlot] = {}
        self._by_account: dict[str, list[_PostSlot]] = {}
        self._threads: dict[int, Thread] = {}
        self._chunks: OrderedDict[tuple[int, int], tuple[SandboxComment, ...]] = OrderedDict()
        self._lock = threading.RLock()
        self.written = WrittenComments()
        """Comments written through the write endpoints, and held ones (merged into reads)."""
        shares = allocate(comments, [a.comment_share for a in accounts])
        for account, share in zip(accounts, shares, strict=True):
            self._by_account[account.key] = self._build_account(account, share)

    # -- accounts and posts ------------------------------------------------------------

    def account(self, key: str) -> SandboxAccount:
        """The account called `key`; raise `KeyError` naming the known ones."""
        for account in self.accounts:
            if account.key == key:
                return account
        raise KeyError(f"no sandbox account {key!r} (known: {[a.key for a in self.accounts]})")

    def account_by_handle(self, flavor: str, handle: str) -> SandboxAccount | None:
        """The account of `flavor` whose public handle (blog id, site) is `handle`."""
        return next((a for a in self.accounts if (a.flavor, a.handle) == (flavor, handle)), None)

    def posts(self, account_key: str, at: datetime | None = None) -> list[SandboxPost]:
        """The account's posts, newest first; only those published by `at` when given."""
        slots = self._by_account[account_key]
        return [s.post for s in reversed(slots) if at is None or s.post.created_at <= at]

    def post(self, post_id: int) -> SandboxPost:
        """The post with id `post_id`."""
        return self._slots[post_id].post

    def comment_total(self, post_id: int) -> int:
        """How many comments the post will ever have (including future ones)."""
        return self._slots[post_id].size

    def comment_count(self, post_id: int, at: datetime) -> int:
        """How many comments the post has at `at`."""
        if self.written.touches(post_id):
            return len(self.comments(post_id, at))
        if not self._slots[post_id].size:
            return 0
        return self.thread(post_id).visible(int(at.timestamp()))

    # -- comments ----------------------------------------------------------------------

    def thread(self, post_id: int) -> Thread:
        """The layout of the post's comments (built on first use, then kept)."""
        with self._lock:
            found = self._threads.get(post_id)
            if found is None:
                found = self._build_thread(self._slots[post_id])
                self._threads[post_id] = found
            return found

    def comments(self, post_id: int, at: datetime | None = None) -> list[SandboxComment]:
        """The post's comments in time order; only those written by `at` when given.

        Comments written through the sandbox are included, held ones left out."""
        generated = self._generated(post_id, at)
        if not self.written.touches(post_id):
            return generated
        found = generated + self.written.on_post(post_id, at)
        found.sort(key=lambda c: (c.created_at, c.number))
        return [c for c in found if not self.written.is_held(c.id)]

    def _generated(self, post_id: int, at: datetime | None) -> list[SandboxComment]:
        slot = self._slots[post_id]
        if not slot.size:
            return []
        thread = self.thread(post_id)
        count = len(thread) if at is None else thread.visible(int(at.timestamp()))
        return [self._comment_at(slot, thread, i) for i in range(count)]

    def latest_comments(self, account_key: str, at: datetime, limit: int) -> list[SandboxComment]:
        """The account's `limit` newest comments written by `at`, newest first."""
        epoch = int(at.timestamp())
        candidates: list[tuple[int, int, int]] = []
        for slot in self._by_account[account_key]:
            if not slot.size or slot.post.created_at > at:
                continue
            thread = self.thread(slot.post.id)
            count = thread.visible(epoch)
            for index in range(max(0, count - limit), count):
                candidates.append((thread.times[index], slot.post.id, index))
        candidates.sort(reverse=True)
        written = self.written.of_account(account_key, at)
        if not written and not self.written.any_held():
            chosen = candidates[:limit]
            return [self._comment_at(self._slots[p], self.thread(p), i) for _, p, i in chosen]
        return self._merge_written(candidates, written, limit)

    def _merge_written(
        self, candidates: list[tuple[int, int, int]], written: list[SandboxComment], limit: int
    ) -> list[SandboxComment]:
        """The newest `limit` of generated candidates and written comments, held ones out."""
        held = self.written.is_held
        chosen = [self._comment_at(self._slots[p], self.thread(p), i) for _, p, i in candidates]
        found = [c for c in chosen + written if not held(c.id)]
        found.sort(key=lambda c: (c.created_at, c.number), reverse=True)
        return found[:limit]

    def comment(self, comment_id: int) -> SandboxComment:
        """The comment with id `comment_id`; raise `KeyError` if there is none."""
        written = self.written.get(comment_id)
        if written is not None:
            return written
        account_number, number = divmod(comment_id, ID_SPACE)
        account = next((a for a in self.accounts if a.number == account_number), None)
        slots = self._by_account[account.key] if account else []
        index = bisect_right([s.base for s in slots], number - 1) - 1
        if index < 0 or not 0 < number - slots[index].base <= slots[index].size:
            raise KeyError(f"no sandbox comment {comment_id}")
        slot = slots[index]
        return self._comment_at(slot, self.thread(slot.post.id), number - slot.base - 1)

    def iter_comments(self, account_key: str | None = None) -> Iterator[SandboxComment]:
        """Every comment (also future ones), post by post, without caching their text."""
        keys = [account_key] if account_key else [a.key for a in self.accounts]
        for key in keys:
            for slot in self._by_account[key]:
                if not slot.size:
                    continue
                thread = self.thread(slot.post.id)
                for chunk in range((len(thread) + CHUNK - 1) // CHUNK):
                    yield from self._make_chunk(slot, thread, chunk)

    def counts(self, at: datetime) -> dict[str, dict[str, int]]:
        """Per account: posts and comments visible at `at`, and the totals."""
        result: dict[str, dict[str, int]] = {}
        for account in self.accounts:
            slots = self._by_account[account.key]
            visible = [s for s in slots if s.post.created_at <= at]
            result[account.key] = {
                "posts": len(visible),
                "posts_total": len(slots),
                "comments": sum(self.comment_count(s.post.id, at) for s in visible),
                "comments_total": sum(s.size for s in slots),
            }
        return result

    # -- building ----------------------------------------------------------------------

    def _build_account(self, account: SandboxAccount, comments: int) -> list[_PostSlot]:
        rng = random.Random(derive_seed(self.seed, "posts", account.key))
        moments = sorted(_post_time(rng, self.start) for _ in range(account.post_count))
        featured = max((m for m in moments if m <= self.start), default=None)
        posts: list[SandboxPost] = []
        recent: deque[post_templates.Template] = deque(maxlen=8)
        for seq, moment in enumerate(moments, start=1):
            forced = account.featured_title if moment == featured else None
            template = post_texts.pick_template(rng, moment, forced, recent)
            recent.append(template)
            posts.append(_make_post(rng, account, seq, moment, template))
        weights = [_comment_weight(rng, p) for p in posts]
        slots, base = [], 0
        for post, size in zip(posts, allocate(comments, weights), strict=True):
            slots.append(_PostSlot(post, size, base))
            self._slots[post.id] = slots[-1]
            base += size
        return slots

    def _is_showcase(self, slot: _PostSlot) -> bool:
        slots = self._by_account[slot.post.account]
        return slot is next((s for s in slots if s.size), None)

    def _build_thread(self, slot: _PostSlot) -> Thread:
        rng = random.Random(derive_seed(self.seed, "thread", slot.post.id))
        first = "markup" if self._is_showcase(slot) else None
        epoch = int(slot.post.created_at.timestamp())
        return build_thread(rng, epoch, slot.post.kind, slot.size, first)

    def _comment_at(self, slot: _PostSlot, thread: Thread, index: int) -> SandboxComment:
        key = (slot.post.id, index // CHUNK)
        with self._lock:
            chunk = self._chunks.get(key)
            if chunk is None:
                chunk = self._make_chunk(slot, thread, key[1])
                self._chunks[key] = chunk
                if len(self._chunks) > CACHED_CHUNKS:
                    self._chunks.popitem(last=False)
            else:
                self._chunks.move_to_end(key)
        return chunk[index % CHUNK]

    def _make_chunk(
        self, slot: _PostSlot, thread: Thread, chunk: int
    ) -> tuple[SandboxComment, ...]:
        rng = random.Random(derive_seed(self.seed, "text", slot.post.id, chunk))
        end = min(len(thread), (chunk + 1) * CHUNK)
        return tuple(self._make_comment(rng, slot, thread, i) for i in range(chunk * CHUNK, end))

    def _make_comment(
        self, rng: random.Random, slot: _PostSlot, thread: Thread, index: int
    ) -> SandboxComment:
        account = self.account(slot.post.account)
        topic = thread.topic(index)
        parent = thread.parents[index]
        by_district = topic in comment_texts.DISTRICT_TOPICS
        if by_district:
            author = Person(account.staff_name, account.staff_handle, None)
            text = comment_texts.district_text(rng, thread.topic(parent) if parent >= 0 else None)
        else:
            author = pick_author(rng, self._people, topic)
            text = comment_texts.resident_text(rng, topic, slot.post.kind)
        if index == 0 and self._is_showcase(slot):
            text = comment_texts.XSS_TEXT
        created = datetime.fromtimestamp(thread.times[index], UTC)
        edits: tuple[CommentEdit, ...] = ()
        if not by_district and topic != "spam" and rng.random() < EDIT_SHARE:
            when = created + timedelta(seconds=rng.randint(120, 6 * 3600))
            edits = (CommentEdit(when, comment_texts.edited_text(rng, text)),)
        return SandboxComment(
            id=account.comment_id(slot.base + index + 1),
            number=slot.base + index + 1,
            account=account.key,
            post_id=slot.post.id,
            parent_id=account.comment_id(slot.base + parent + 1) if parent >= 0 else None,
            author_name=author.name,
            author_handle=author.handle,
            author_url=author.url,
            text=text,
            created_at=created,
            by_district=by_district,
            topic=topic,
            edits=edits,
        )


def _post_time(rng: random.Random, start: datetime) -> datetime:
    """Office hours on a day in the 30 days before `start` (90%) or the 3 days after."""
    days = rng.uniform(-30, -0.05) if rng.random() < 0.9 else rng.uniform(0.05, 3)
    day = (start + timedelta(days=days)).astimezone(KST)
    hour = rng.choice((9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 18, 20))
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)


def _make_post(
    rng: random.Random,
    account: SandboxAccount,
    seq: int,
    moment: datetime,
    template: post_templates.Template,
) -> SandboxPost:
    content = post_texts.post_content(rng, moment, template)
    revision = None
    if rng.random() < 0.1:
        when = moment + timedelta(hours=rng.uniform(1, 72))
        note = "※ 접수 기간이 연장되어 내용을 수정했습니다."
        revision = PostRevision(when, content.title, (*content.paragraphs, note))
    return SandboxPost(
        id=account.post_id(seq),
        account=account.key,
        seq=seq,
        kind=content.kind,
        category=content.category,
        title=content.title,
        paragraphs=content.paragraphs,
        tags=content.tags,
        created_at=moment.astimezone(UTC),
        author_name=account.staff_name,
        author_handle=account.staff_handle,
        comments_open=account.comment_share > 0 and rng.random() > 0.08,
        revision=revision,
    )


def _comment_weight(rng: random.Random, post: SandboxPost) -> float:
    weight = rng.lognormvariate(0, 0.9) * KIND_WEIGHT.get(post.kind, 0.8)
    return weight if post.comments_open else 0.0
