"""Korean text for the district's own posts: notices, events, festivals, safety alerts,
recruiting and road works, filled from a per-post random generator (same seed, same posts).

The templates themselves are in `post_templates.py`; this module picks one suited to the
season and fills in places, dates and numbers.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.sandbox.clock import KST
from aggregator.sandbox.post_templates import TEMPLATES, Template
from aggregator.sandbox.texts import BOOKS, DONGS, PLACES, ROADS, VENUES, korean_date

KINDS: tuple[tuple[str, float], ...] = (
    ("notice", 0.25),
    ("event", 0.20),
    ("festival", 0.10),
    ("safety", 0.15),
    ("recruit", 0.15),
    ("roadworks", 0.15),
)
CATEGORIES = {
    "notice": "구정소식",
    "event": "행사·교육",
    "festival": "축제",
    "safety": "안전·재난",
    "recruit": "채용·모집",
    "roadworks": "교통·도로",
}


SEASONS = {
    "winter": (11, 12, 1, 2),
    "summer": (6, 7, 8),
    "rain": (6, 7, 8, 9),
    "autumn": (9, 10, 11),
}


@dataclass(frozen=True, slots=True)
class PostContent:
    """The text of one generated post."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    template: Template


def _in_season(template: Template, month: int) -> bool:
    return template.season == "any" or month in SEASONS[template.season]


def pick_template(
    rng: random.Random,
    created_at: datetime,
    title: str | None = None,
    avoid: Collection[Template] = (),
) -> Template:
    """Choose a post template suited to the season, not one in `avoid` if possible.

    `title` forces the template with that (unfilled) title.
    """
    if title is not None:
        return next(t for t in TEMPLATES if t.title == title)
    kinds, weights = zip(*KINDS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    month = created_at.astimezone(KST).month
    choices = [t for t in TEMPLATES if t.kind == kind and _in_season(t, month)]
    if not choices:
        choices = [t for t in TEMPLATES if t.kind == kind and t.season == "any"]
    fresh = [t for t in choices if t not in avoid]
    return rng.choice(fresh or choices)


def post_content(rng: random.Random, created_at: datetime, template: Template) -> PostContent:
    """Fill `template` with places, dates and numbers drawn from `rng`."""
    local = created_at.astimezone(KST)
    when = local + timedelta(days=rng.randint(2, 12))
    end = when + timedelta(days=rng.randint(7, 30))
    road, road2 = rng.sample(ROADS, 2)
    fill = {
        "year": when.year,
        "month": when.month,
        "half": "상반기" if when.month <= 6 else "하반기",
        "date": korean_date(when),
        "end": korean_date(end),
        "time": rng.choice(("오전 10시", "오후 2시", "오후 3시", "오후 7시")),
        "dong": rng.choice(DONGS),
        "place": rng.choice(PLACES),
        "road": road,
        "road2": road2,
        "venue": rng.choice(VENUES),
        "book": rng.choice(BOOKS),
        "n": rng.randint(2, 30),
        "nth": rng.randint(12, 31),
        "ext": f"{rng.randint(1000, 9999)}",
    }
    return PostContent(
        kind=template.kind,
        title=template.title.format(**fill),
        paragraphs=tuple(p.format(**fill) for p in template.paragraphs),
        category=CATEGORIES[template.kind],
        tags=template.tags,
        template=template,
    )
