"""How the demo's communications office sorts a new comment (pure: a row in, a move out).

The office looks at every new, unanswered comment once, in the round after it arrived:
spam goes the routing rule's way, a complaint with a suggested department goes there to
be answered, a question or request the office answers itself, a thank-you, a reply in a
residents' conversation or a plain opinion is closed as 답변 불요 with a configured
reason, abuse is hidden; and one comment in `LEFT_EVERY` is overlooked, so a few items
run past their deadline as they do in a real office.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aggregator.workflow import MOIS_REASONS

LEFT_EVERY = 15
"""One comment in this many is overlooked (it goes overdue)."""
THANKS = re.compile(r"감사|고맙|고생|수고")
ABUSE = re.compile(r"XX")
ASKS = re.compile(r"[?？]|주세요|부탁|바랍니다|알려")
ABUSE_REASON = MOIS_REASONS[0]


class Move(Enum):
    """What the office does with a new comment."""

    ROUTE = "route"
    """Accept the routing suggestion: its department answers."""
    SPAM = "spam"
    """Accept the routing rule's spam verdict."""
    ANSWER = "answer"
    """The office answers it itself."""
    NO_ANSWER = "no_answer"
    """Close as 답변 불요 with `Decision.reason`."""
    HIDE = "hide"
    """Hide it (abuse), with a MOIS reason."""
    LEAVE = "leave"
    """Overlooked: nobody acts, the deadline runs out."""


@dataclass(frozen=True)
class Decision:
    """A move and its reason (답변 불요 and 숨김 only)."""

    move: Move
    reason: str | None = None


def triage(row: Mapping[str, Any], officers: Sequence[str], reasons: Sequence[str]) -> Decision:
    """The office's move for an inbox row (`officers`: departments with a demo officer;
    `reasons`: the configured 답변 불요 reasons)."""
    text = str(row.get("text") or "")
    if int(row["id"]) % LEFT_EVERY == 0:
        return Decision(Move.LEAVE)
    if row.get("has_suggestion") and row.get("suggested_spam"):
        return Decision(Move.SPAM)
    if ABUSE.search(text):
        return Decision(Move.HIDE, ABUSE_REASON)
    department = row.get("suggested_department")
    if row.get("has_suggestion") and department in officers:
        return Decision(Move.ROUTE)
    if THANKS.search(text) and "?" not in text:
        return Decision(Move.NO_ANSWER, reason_for("감사", reasons))
    if row.get("parent_external_id") and not ASKS.search(text):
        return Decision(Move.NO_ANSWER, reason_for("대화 종료", reasons))
    if ASKS.search(text):
        return Decision(Move.ANSWER)
    return Decision(Move.NO_ANSWER, reason_for("단순 의견", reasons))


def reason_for(wanted: str, reasons: Sequence[str]) -> str:
    """`wanted` if the office configured it, else its first configured reason."""
    return wanted if wanted in reasons else reasons[0]
