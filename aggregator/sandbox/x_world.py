"""The data set's X account as tweets: Snowflake ids, reply threads, mentions and edits.

Derived deterministically from the `DataSet` (its "twitter" account's posts and
comments), built once on first use and then filtered by sandbox time:

- each post is a tweet by @hanbit_gu (title, first lines, a t.co link); about one in
  seven is edited within X's 30-minute window (a new id; `edit_history_tweet_ids` lists
  every version, oldest first);
- a resident's top-level comment is a reply to that tweet (it starts with
  `@hanbit_gu`, so it is also a mention), or, one in eight, a stand-alone mention that
  replies to nothing (and may be edited within 30 minutes, like the comment's edit);
- a reply to a comment answers that comment's tweet; half of the replies between
  residents also mention @hanbit_gu, the others are found only by conversation search;
- the district's answers are tweets by @hanbit_gu replying to the resident.

Ids are Snowflake-like: `(milliseconds since 2010-11-04 << 22) | kind << 20 | number`,
strings larger than 2^53 that grow with time (as X's do); `conversation_id` is the
root's first id; parents are referenced by the first id of their edit chain.
"""

from __future__ import annotations

import hashlib
import html
import random
import threading
from bisect import bisect_right, insort
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.data import DataSet, derive_seed
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

TWITTER_EPOCH_MS = 1_288_834_974_657
DISTRICT_USER_ID = "1588413520741122048"
POST, COMMENT, POST_EDIT, COMMENT_EDIT = 0, 1, 2, 3
WRITTEN_NUMBERS = 0xFFFFF
"""Tweets posted through the sandbox take numbers counting down from here (kind COMMENT_EDIT),
far from the generated comments' numbers."""
EDIT_WINDOW = timedelta(minutes=30)
POST_EDIT_SHARE = 0.15
MENTION_SHARE = 0.125
REPLY_MENTIONS_SHARE = 0.5
TEXT_CHARS = 120
CORRECTIONS = (
    "※ 일시를 바로잡았습니다.",
    "※ 장소 안내를 수정했습니다.",
    "※ 신청 링크를 고쳤습니다.",
)


def snowflake(moment: datetime, kind: int, number: int) -> int:
    """A Snowflake-like id made at `moment` for item `number` of `kind` (unique, time-ordered)."""
    milliseconds = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS + (number >> 20) % 1000
    return (milliseconds << 22) | (kind << 20) | (number & 0xFFFFF)


@dataclass(frozen=True, slots=True)
class XUser:
    """An X user (the district or a resident)."""

    id: str
    username: str
    name: str

    def as_json(self, fields: frozenset[str]) -> dict[str, str]:
        """The user object with the requested `user.fields` (id, name, username always)."""
        data = {"id": self.id, "name": self.name, "username": self.username}
        if "profile_image_url" in fields:
            digest = hashlib.blake2b(self.id.encode(), digest_size=6).hexdigest()
            data["profile_image_url"] = f"https://pbs.twimg.com/profile_images/{digest}_normal.jpg"
        return data


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a tweet: its id, when it was written and its (unescaped) text."""

    id: int
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class XTweet:
    """A tweet with every version; `key` (the first id) identifies the edit chain."""

    versions: tuple[Version, ...]
    author: XUser
    conversation_id: int
    replied_to: int | None = None
    in_reply_to: XUser | None = None
    reply_settings: str = "everyone"

    @property
    def key(self) -> int:
        return self.versions[0].id

    @property
    def created_at(self) -> datetime:
        return self.versions[0].at

    def version_at(self, at: datetime) -> Version | None:
        """The version visible at `at` (None before the tweet exists)."""
        seen = [v for v in self.versions if v.at <= at]
        return seen[-1] if seen else None

    def version(self, tweet_id: int) -> Version | None:
        """The version with id `tweet_id`."""
        return next((v for v in self.versions if v.id == tweet_id), None)

    def mentions(self, username: str) -> bool:
        """True when the text (any version) mentions @username."""
        return any(f"@{username}" in v.text for v in self.versions)

    def metrics(self, replies: int) -> dict[str, int]:
        """`public_metrics` (stable counts derived from the id; replies as given)."""
        seed = int.from_bytes(hashlib.blake2b(str(self.key).encode(), digest_size=4).digest())
        return {
            "retweet_count": seed % 7,
            "reply_count": replies,
            "like_count": seed % 41,
            "quote_count": seed % 3,
            "bookmark_count": seed % 5,
            "impression_count": 150 + seed % 2900,
        }


class XWorld:
    """Every tweet of the data set's X account, by chain key and by any version id."""

    def __init__(self, data: DataSet, account_key: str = "twitter") -> None:
        self.data = data
        self.account: SandboxAccount = data.account(account_key)
        self.district = XUser(DISTRICT_USER_ID, self.account.handle, self.account.name)
        self._lock = threading.Lock()
        self._tweets: list[XTweet] | None = None
        self._by_id: dict[int, XTweet] = {}
        self._replies: dict[int, list[datetime]] = {}
        self._deleted: dict[int, datetime] = {}
        self.protected: set[int] = set()
        """Chain keys whose author protected their account: lookups are refused."""
        self.restricted: set[int] = set()
        """Chain keys of tweets whose author restricted who may reply (writes get a 403)."""
        self.hidden: set[int] = set()
        """Chain keys of replies the district hid (`PUT /2/tweets/:id/hidden`)."""
        self._written = 0

    def tweets(self) -> list[XTweet]:
        """Every tweet, also future ones, oldest first (built on first use)."""
        with self._lock:
            if self._tweets is None:
                self._tweets = self._build()
                self._by_id = {v.id: t for t in self._tweets for v in t.versions}
                for tweet in self._tweets:
                    if tweet.replied_to is not None:
                        self._replies.setdefault(tweet.replied_to, []).append(tweet.created_at)
            return self._tweets

    def reply_count(self, tweet: XTweet, at: datetime) -> int:
        """How many tweets answer `tweet` at `at`."""
        self.tweets()
        return bisect_right(self._replies.get(tweet.key, []), at)

    def find(self, tweet_id: int) -> XTweet | None:
        """The tweet that has a version with this id."""
        self.tweets()
        return self._by_id.get(tweet_id)

    def delete(self, tweet_id: int, at: datetime) -> None:
        """From `at` on, the tweet (its whole edit chain, any version's id) is gone."""
        tweet = self.find(tweet_id)
        if tweet is None:
            raise KeyError(f"no tweet {tweet_id}")
        with self._lock:
            self._deleted[tweet.key] = at

    def restrict_replies(self, tweet_id: int) -> None:
        """The tweet's author allows replies only from people they mention."""
        tweet = self.find(tweet_id)
        if tweet is None:
            raise KeyError(f"no tweet {tweet_id}")
        self.restricted.add(tweet.key)

    def add_reply(self, parent: XTweet, text: str, at: datetime) -> XTweet:
        """A reply by the district to `parent`, posted at `at` (`POST /2/tweets`)."""
        self.tweets()
        with self._lock:
            self._written += 1
            number = WRITTEN_NUMBERS - self._written
            first = Version(snowflake(at, COMMENT_EDIT, number), at.replace(microsecond=0), text)
            tweet = XTweet((first,), self.district, parent.conversation_id, parent.key,
                           parent.author)  # fmt: skip
            assert self._tweets is not None
            self._tweets.append(tweet)
            self._by_id[first.id] = tweet
            insort(self._replies.setdefault(parent.key, []), first.at)
        return tweet

    def gone(self, tweet: XTweet, at: datetime) -> bool:
        """True when the tweet was deleted at or before `at`."""
        deleted = self._deleted.get(tweet.key)
        return deleted is not None and deleted <= at

    def user(self, username: str) -> XUser | None:
        """A user by @username (case-insensitive): the district or a resident who tweeted."""
        wanted = username.lower()
        return next((t.author for t in self.tweets() if t.author.username.lower() == wanted), None)

    def _build(self) -> list[XTweet]:
        tweets: list[XTweet] = []
        for post in reversed(self.data.posts(self.account.key)):
            root = self._post_tweet(post)
            tweets.append(root)
            by_comment: dict[int, XTweet] = {}
            for comment in self.data.comments(post.id):
                parent = by_comment.get(comment.parent_id or -1, root)
                by_comment[comment.id] = self._comment_tweet(comment, parent, root)
                tweets.append(by_comment[comment.id])
        tweets.sort(key=lambda t: t.key)
        return tweets

    def _post_tweet(self, post: SandboxPost) -> XTweet:
        rng = random.Random(derive_seed(self.data.seed, "x-post", post.id))
        body = " ".join(p.replace("\n", " ") for p in post.paragraphs)
        short = body[:TEXT_CHARS].rstrip() + ("…" if len(body) > TEXT_CHARS else "")
        link = "https://t.co/" + hashlib.blake2b(str(post.id).encode(), digest_size=5).hexdigest()
        text = f"[{post.title}]\n{short} {link}"
        versions = [Version(snowflake(post.created_at, POST, post.seq), post.created_at, text)]
        if rng.random() < POST_EDIT_SHARE:
            at = post.created_at + timedelta(seconds=rng.randint(120, 1740))
            edited = text.replace(f" {link}", f"\n{rng.choice(CORRECTIONS)} {link}")
            versions.append(Version(snowflake(at, POST_EDIT, post.seq), at, edited))
        settings = "everyone" if post.comments_open else "mentionedUsers"
        return XTweet(tuple(versions), self.district, versions[0].id, reply_settings=settings)

    def _comment_tweet(self, comment: SandboxComment, parent: XTweet, root: XTweet) -> XTweet:
        rng = random.Random(derive_seed(self.data.seed, "x-comment", comment.id))
        author = self._author(comment)
        first_id = snowflake(comment.created_at, COMMENT, comment.number)
        if comment.parent_id is None and not comment.by_district and rng.random() < MENTION_SHARE:
            return self._mention(comment, author, first_id)
        handles = [parent.author.username]
        residents = author is not self.district and parent.author is not self.district
        if residents and rng.random() < REPLY_MENTIONS_SHARE:
            handles.append(self.district.username)
        if author is self.district and parent is root:
            handles = []  # the district continuing its own thread
        prefix = "".join(f"@{h} " for h in handles)
        first = Version(first_id, comment.created_at, prefix + comment.text)
        return XTweet(
            (first,), author, parent.conversation_id, parent.key, parent.author
        )  # fmt: skip

    def _mention(self, comment: SandboxComment, author: XUser, first_id: int) -> XTweet:
        """A stand-alone mention: replies to nothing, editable for 30 minutes."""
        prefix = f"@{self.district.username} "
        versions = [Version(first_id, comment.created_at, prefix + comment.text)]
        for edit in comment.edits:
            if edit.at - comment.created_at <= EDIT_WINDOW:
                edit_id = snowflake(edit.at, COMMENT_EDIT, comment.number)
                versions.append(Version(edit_id, edit.at, prefix + edit.text))
        return XTweet(tuple(versions), author, first_id)

    def _author(self, comment: SandboxComment) -> XUser:
        if comment.by_district:
            return self.district
        digest = hashlib.blake2b(comment.author_handle.encode(), digest_size=8).digest()
        user_id = str(10**17 + int.from_bytes(digest) % (9 * 10**17))
        return XUser(user_id, comment.author_handle[:15], comment.author_name)


def render_text(text: str) -> str:
    """Text as X sends it: `&`, `<` and `>` escaped, quotes not."""
    return html.escape(text, quote=False)
