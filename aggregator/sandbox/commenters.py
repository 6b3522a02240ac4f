"""Who writes comments in the sandbox: residents (names, nicknames, handles) and spammers.

`make_people` draws the data set's residents once from its own seeded generator;
`pick_author` chooses a comment's author so that a few residents write much more than
the rest, and spam comes from throwaway accounts.
"""

from __future__ import annotations

import random

from aggregator.sandbox import texts
from aggregator.sandbox.models import Person


def make_people(rng: random.Random, size: int = 1500) -> tuple[Person, ...]:
    """The residents who comment: fake names and nicknames, a few with a blog address."""
    people = []
    for _ in range(size):
        if rng.random() < 0.75:
            name = rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_NAMES)
        else:
            name = rng.choice(texts.NICKNAMES) + rng.choice(("", "", str(rng.randint(1, 99))))
        handle = f"{rng.choice(texts.HANDLE_WORDS)}{rng.choice(('', '_'))}{rng.randint(1, 9999)}"
        url = f"https://blog.naver.com/{handle}" if rng.random() < 0.15 else None
        people.append(Person(name, handle, url))
    return tuple(people)


def pick_author(rng: random.Random, people: tuple[Person, ...], topic: str) -> Person:
    """A commenter; a few residents write much more than the rest."""
    if topic == "spam":
        return Person(rng.choice(texts.SPAMMERS), f"ad_{rng.randint(10000, 99999)}", None)
    return people[int(len(people) * rng.random() ** 2)]
