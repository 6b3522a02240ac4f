"""Routing rules: suggestions computed from a comment's text when it is stored.

Rules come from `config.yaml` (`routing_rules`). Every matching rule contributes:
the first matching rule with a department names the department, tags are merged,
the highest priority wins, and any spam rule suggests spam. Suggestions are stored
apart from the staff's review state, which changes only when staff accept them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aggregator.config_review import RoutingRule

PRIORITY_ORDER = {"높음": 3, "보통": 2, "낮음": 1}


@dataclass(frozen=True)
class Suggestion:
    """What the rules suggest for one comment."""

    department: str | None = None
    tags: tuple[str, ...] = ()
    priority: str | None = None
    spam: bool = False
    rules: tuple[str, ...] = field(default_factory=tuple)


class Router:
    """Applies compiled routing rules to comment texts."""

    def __init__(self, rules: Sequence[RoutingRule]) -> None:
        self.rules = list(rules)
        self._compiled = [
            (
                rule,
                [k.lower() for k in rule.keywords],
                re.compile(rule.pattern, re.IGNORECASE) if rule.pattern else None,
            )
            for rule in self.rules
        ]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def suggest(self, text: str) -> Suggestion | None:
        """The combined suggestion of every matching rule, or None when none matches."""
        matched = self._matching(text)
        if not matched:
            return None
        department = next((r.department for r in matched if r.department), None)
        tags = tuple(dict.fromkeys(tag for r in matched for tag in r.tags))
        priorities: list[str] = [r.priority for r in matched if r.priority]
        priority = max(priorities, key=lambda p: PRIORITY_ORDER[p]) if priorities else None
        return Suggestion(
            department=department,
            tags=tags,
            priority=priority,
            spam=any(r.spam for r in matched),
            rules=tuple(r.name for r in matched),
        )

    def _matching(self, text: str) -> list[RoutingRule]:
        """The rules whose keyword (case-insensitive) is in the text or whose pattern
        matches it, in order. Plain loops: a sync asks this of every new comment, and
        `any()` over a generator per rule was half of the time."""
        lowered = text.lower()
        matched: list[RoutingRule] = []
        for rule, keywords, pattern in self._compiled:
            for keyword in keywords:
                if keyword in lowered:
                    matched.append(rule)
                    break
            else:
                if pattern is not None and pattern.search(text):
                    matched.append(rule)
        return matched
