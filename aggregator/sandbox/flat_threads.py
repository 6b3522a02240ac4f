"""Two-level comment threads and comment fates, shared by the Instagram and YouTube worlds.

Both platforms keep threads two levels deep (a reply to a reply hangs under its
top-level comment) and both own data sets of their own (`DataSet` with one account, so
the other platforms' data stays byte-identical). A comment's fate over time (deleted by
its author, removed or held by the district, likes) is derived from `(seed, platform,
comment id)`, so it is the same in every process.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.data import DataSet, derive_seed
from aggregator.sandbox.models import SandboxAccount, SandboxComment


def own_data_set(data: DataSet, account: SandboxAccount, share: float) -> DataSet:
    """A data set holding only `account`, with `share` of `data`'s comment volume."""
    return DataSet(data.seed, round(data.total_comments * share), data.start, (account,))


def top_levels(comments: Sequence[SandboxComment]) -> dict[int, int]:
    """Comment id -> the id of its top-level comment (itself when top level).

    `comments` are in time order, so a parent always comes before its replies; a reply
    whose parent is not in the list counts as top level of that parent's id."""
    top: dict[int, int] = {}
    for comment in comments:
        parent = comment.parent_id
        top[comment.id] = comment.id if parent is None else top.get(parent, parent)
    return top


@dataclass(frozen=True, slots=True)
class Fate:
    """What happens to a comment after it is written."""

    deleted_at: datetime | None
    """Deleted by its author, or removed by the district (spam)."""
    moderated_at: datetime | None
    """Hidden (Instagram) or held for review (YouTube) by the district."""
    likes: int


def fate(seed: int, platform: str, comment: SandboxComment) -> Fate:
    """The seeded fate of one comment: most spam goes within two days, a few residents
    delete their own comment within ten, half of the abusive ones and a third of those
    with a phone number are moderated within hours."""
    rng = random.Random(derive_seed(seed, platform, "fate", comment.id))
    deleted = moderated = None
    if comment.topic == "spam" and rng.random() < 0.6:
        deleted = comment.created_at + timedelta(hours=rng.uniform(1, 48))
    elif not comment.by_district and rng.random() < 0.02:
        deleted = comment.created_at + timedelta(hours=rng.uniform(1, 240))
    share = {"abuse": 0.5, "phone": 0.35}.get(comment.topic, 0.0)
    if rng.random() < share:
        moderated = comment.created_at + timedelta(minutes=rng.uniform(10, 600))
    likes = int(rng.expovariate(1 / (6 if comment.by_district else 1.5)))
    return Fate(deleted, moderated, likes)
