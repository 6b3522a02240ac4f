"""Visitor posts of the sandbox's Facebook Page: residents' own posts on the Page.

Seeded from the data set (same seed, same posts): `VISITOR_POSTS` posts from a month
before the sandbox start to three days after it, on parking, garbage, noise and the like;
three in four (not the thanks) are answered by the district in office hours, and half of
those get the resident's reply. Their sandbox ids are in `graph_nodes.VISITOR_SPACE`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox import comment_texts, texts
from aggregator.sandbox.data import DataSet, derive_seed
from aggregator.sandbox.graph_nodes import VISITOR_SPACE, Author, user_id
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.threads import office_time

VISITOR_POSTS = 8


@dataclass(frozen=True, slots=True)
class Visitor:
    """A resident's post on the Page and the comments under it."""

    post: SandboxPost
    author: Author
    comments: tuple[SandboxComment, ...]


def make_visitors(data: DataSet, account: SandboxAccount) -> tuple[Visitor, ...]:
    """The residents' posts on `account`'s Page, oldest first, with the district's answers
    (same seed, same posts)."""
    rng = random.Random(derive_seed(data.seed, "graph-visitors", account.key))
    start = data.start
    moments = sorted(
        (start + timedelta(days=rng.uniform(-30, 3))).replace(microsecond=0)
        for _ in range(VISITOR_POSTS)
    )
    return tuple(_visitor(account, rng, seq, moment) for seq, moment in enumerate(moments, 1))


def _visitor(account: SandboxAccount, rng: random.Random, seq: int, moment: datetime) -> Visitor:
    topic = rng.choice(("parking", "garbage", "noise", "question", "complaint", "thanks"))
    name = rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_NAMES)
    handle = f"visitor_{seq}_{rng.randint(1000, 9999)}"
    number = VISITOR_SPACE + seq * 100
    post = SandboxPost(
        id=number, account=account.key, seq=seq, kind="visitor", category="방문자 게시물",
        title="", paragraphs=(comment_texts.resident_text(rng, topic, "notice"),), tags=(),
        created_at=moment, author_name=name, author_handle=handle,
    )  # fmt: skip
    comments: list[SandboxComment] = []
    if topic != "thanks" and rng.random() < 0.75:
        answer = datetime.fromtimestamp(office_time(rng, moment.timestamp()), moment.tzinfo)
        comments.append(_visitor_comment(account, post, 1, None, answer, True, topic, rng))
        if rng.random() < 0.5:
            later = answer + timedelta(hours=rng.uniform(1, 30))
            comments.append(_visitor_comment(account, post, 2, None, later, False, "reply", rng))
    return Visitor(post, Author(user_id(handle), name), tuple(comments))


def _visitor_comment(
    account: SandboxAccount,
    post: SandboxPost,
    n: int,
    parent: int | None,
    when: datetime,
    by_district: bool,
    topic: str,
    rng: random.Random,
) -> SandboxComment:
    text = (
        comment_texts.district_text(rng, topic)
        if by_district
        else comment_texts.resident_text(rng, "reply_to_district", "notice")
    )
    author = (account.staff_name, account.staff_handle)
    if not by_district:
        author = (post.author_name, post.author_handle)
    return SandboxComment(
        id=post.id + n, number=n, account=account.key, post_id=post.id,
        parent_id=parent, author_name=author[0], author_handle=author[1], author_url=None,
        text=text, created_at=when, by_district=by_district,
        topic="district_reply" if by_district else topic,
    )  # fmt: skip
