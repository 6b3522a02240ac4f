"""Review actions from HTML forms (the single-item panel and the bulk bar share them)."""

from __future__ import annotations

from starlette.datastructures import FormData

from aggregator.store.inbox_repo import HANDLERS, ReviewAction
from aggregator.text_input import clean

FIELDS = (
    "status", "department", "assignee", "reason", "reference", "tag", "note", "priority",
    "upstream",
)  # fmt: skip
MULTI_LINE = ("note",)


def action_from_form(form: FormData) -> ReviewAction | None:
    """The action a form asks for, or None when `kind` names no known action."""
    kind = str(form.get("kind", ""))
    if kind not in HANDLERS:
        return None
    values = {name: _text(form.get(name), name in MULTI_LINE) for name in FIELDS}
    return ReviewAction(kind=kind, **values)


def _text(value: object, multiline: bool) -> str | None:
    if not isinstance(value, str):
        return None
    return clean(value, 4000, multiline) or None
