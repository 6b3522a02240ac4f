"""The district's Facebook Page in the sandbox, as data: its nodes and their ids.

What Graph shows at one moment (`Author`, `GraphPost`, `GraphComment`), the id bases the
Page's posts, photos and comments are numbered from (`{page}_{POST_BASE + post.id}`,
`{object}_{COMMENT_BASE + comment.id}`), the sandbox id spaces of visitor posts and of
comments tests add, and residents' stable numeric user ids. `graph_world.GraphWorld`
builds these; `graph_render` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aggregator.sandbox.data import derive_seed
from aggregator.sandbox.models import ID_SPACE

POST_BASE = 10_158_000_000_000_000
COMMENT_BASE = 10_159_000_000_000_000
PHOTO_BASE = 10_160_000_000_000_000
"""Photo objects of photo posts: their comments are `{photo-id}_{n}`, as on Graph."""
VISITOR_BASE = 10_157_000_000_000_000
VISITOR_SPACE = 90 * ID_SPACE
"""Sandbox ids of visitor posts and their comments (no platform-neutral account uses it)."""
EXTRA_SPACE = 91 * ID_SPACE
"""Sandbox ids of comments added by tests (`add_comment`)."""
LINKED_IG_USER_ID = "17841452391708236"
"""The Instagram professional account linked to the Page (its `instagram_business_account`):
a fact of the Page, served whether or not the sandbox serves Instagram."""
CDN = "https://scontent.xx.fbcdn.net/v/t39.30808-6"


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote something, as `from{id,name}` shows it."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class GraphPost:
    """A Page post or a visitor post as Graph renders it at one moment."""

    node_id: str
    part: str
    created_at: datetime
    updated_at: datetime
    message: str
    author: Author
    permalink: str
    picture: str | None
    shares: int
    reactions: int
    hidden: bool
    visitor: bool
    key: int
    """The sandbox id the comments hang under."""
    object_id: str = ""
    """The Graph object the comments hang under (their ids' first half): the post's
    `part` for a status post, the photo's id for a photo post."""
    comment_link: str = ""
    """The start of its comments' permalinks (`...comment_id=` follows)."""


@dataclass(frozen=True, slots=True)
class GraphComment:
    """A visible comment or reply as Graph renders it at one moment."""

    node_id: str
    post_node: str
    created_at: datetime
    message: str
    author: Author
    parent_node: str | None
    top_node: str
    hidden: bool
    likes: int
    replies: int
    attachment: dict[str, object] | None
    permalink: str
    key: int
    by_page: bool = False
    """Written by the Page itself (Graph answers `can_hide: false` for it)."""


def user_id(handle: str) -> str:
    """A resident's stable numeric Facebook user id (app-scoped ids look like this)."""
    return str(10**15 + derive_seed("facebook-user", handle) % (9 * 10**15))
