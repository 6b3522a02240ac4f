"""Platform-neutral records of the sandbox world: accounts, posts, comments.

Platform modules (blog feeds now; Graph API, X and Pinterest later) render these in their
own wire formats and derive their own identifiers from `id`/`seq`/`number`. All
datetimes are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ID_SPACE = 100_000_000
"""Post and comment ids are `account.number * ID_SPACE + local number`."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who writes: a resident, a spammer or the district's staff account."""

    name: str
    handle: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SandboxAccount:
    """One of the district's accounts on one platform."""

    key: str
    number: int
    platform: str
    flavor: str
    handle: str
    """The platform's name for the account: Naver blogId, WordPress site, Tistory blog."""
    name: str
    description: str
    url: str
    """The public address people know (not the sandbox address)."""
    post_count: int
    comment_share: float
    """Share of the data set's comments that land on this account (0: none exposed)."""
    staff_name: str = "한빛구청"
    staff_handle: str = "hanbitgu"
    featured_title: str | None = None
    """Template title forced on the newest post published before the sandbox start."""

    def post_id(self, seq: int) -> int:
        """The global id of the account's `seq`-th post."""
        return self.number * ID_SPACE + seq

    def comment_id(self, number: int) -> int:
        """The global id of the account's `number`-th comment."""
        return self.number * ID_SPACE + number


BLOG_ACCOUNTS: tuple[SandboxAccount, ...] = (
    SandboxAccount(
        key="naver",
        number=1,
        platform="blog",
        flavor="naver",
        handle="hanbit_gu",
        name="한빛구청 공식 블로그",
        description="한빛구청 소식을 전합니다.",
        url="https://blog.naver.com/hanbit_gu",
        post_count=60,
        comment_share=0.0,
        staff_handle="hanbit_gu",
    ),
    SandboxAccount(
        key="wordpress",
        number=2,
        platform="blog",
        flavor="wordpress",
        handle="news",
        name="한빛구 소식",
        description="한빛구청 소식 블로그",
        url="https://news.hanbit-gu.example",
        post_count=36,
        comment_share=1.0,
    ),
    SandboxAccount(
        key="tistory",
        number=3,
        platform="blog",
        flavor="tistory",
        handle="hanbitgu",
        name="한빛구 생활정보",
        description="한빛구 생활정보와 행사 소식",
        url="https://hanbitgu.tistory.com",
        post_count=20,
        comment_share=0.0,
        featured_title="다문화가족과 함께하는 똠양꿍 요리교실",
    ),
)


SOCIAL_ACCOUNTS: tuple[SandboxAccount, ...] = (
    SandboxAccount(
        key="facebook",
        number=4,
        platform="facebook",
        flavor="page",
        handle="104392018734562",
        name="한빛구청",
        description="한빛구청 공식 페이스북 페이지입니다.",
        url="https://www.facebook.com/hanbitgu.official",
        post_count=45,
        comment_share=2.0,
        staff_handle="104392018734562",
    ),
    SandboxAccount(
        key="twitter",
        number=5,
        platform="twitter",
        flavor="x",
        handle="hanbit_gu",
        name="한빛구청",
        description="한빛구청 공식 X 계정입니다.",
        url="https://x.com/hanbit_gu",
        post_count=80,
        comment_share=1.0,
        staff_handle="hanbit_gu",
    ),
)

PINTEREST_ACCOUNT = SandboxAccount(
    key="pinterest",
    number=6,
    platform="pinterest",
    flavor="pinterest",
    handle="hanbitgu",
    name="한빛구청",
    description="한빛구의 사계절과 행사 사진",
    url="https://www.pinterest.com/hanbitgu/",
    post_count=40,
    comment_share=0.0,
    # Pinterest gives comment counts only: the pinterest sandbox module derives them.
)

ACCOUNTS: tuple[SandboxAccount, ...] = BLOG_ACCOUNTS + SOCIAL_ACCOUNTS + (PINTEREST_ACCOUNT,)
"""Every account of the sandbox world; platform modules pick theirs by `platform`."""


@dataclass(frozen=True, slots=True)
class PostRevision:
    """A later version of a post, visible from `at`."""

    at: datetime
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SandboxPost:
    """One of the district's posts."""

    id: int
    account: str
    seq: int
    """1-based position in the account's posts, oldest first."""
    kind: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    created_at: datetime
    author_name: str
    author_handle: str
    comments_open: bool = True
    revision: PostRevision | None = None

    def version_at(self, at: datetime) -> tuple[str, tuple[str, ...]]:
        """Title and paragraphs as they read at `at`."""
        if self.revision is not None and self.revision.at <= at:
            return self.revision.title, self.revision.paragraphs
        return self.title, self.paragraphs

    def updated_at(self, at: datetime) -> datetime:
        """When the version visible at `at` was written."""
        if self.revision is not None and self.revision.at <= at:
            return self.revision.at
        return self.created_at


@dataclass(frozen=True, slots=True)
class CommentEdit:
    """A later text of a comment, visible from `at`."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class SandboxComment:
    """A resident's comment or reply, or the district's answer (`by_district`)."""

    id: int
    number: int
    """1-based position among the account's comments (WordPress-style comment ID)."""
    account: str
    post_id: int
    parent_id: int | None
    author_name: str
    author_handle: str
    author_url: str | None
    text: str
    """The text as first written; see `text_at` for edits."""
    created_at: datetime
    by_district: bool
    topic: str
    """Ground truth: parking, garbage, noise, question, spam, abuse, district_reply, ..."""
    edits: tuple[CommentEdit, ...] = ()

    def text_at(self, at: datetime) -> str:
        """The text as it reads at `at`."""
        text = self.text
        for edit in self.edits:
            if edit.at <= at:
                text = edit.text
        return text

    def updated_at(self, at: datetime) -> datetime:
        """When the text visible at `at` was written."""
        moments = [e.at for e in self.edits if e.at <= at]
        return max(moments, default=self.created_at)
