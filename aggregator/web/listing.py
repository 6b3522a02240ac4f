"""The inbox keeps its place: the list an officer came from travels with them.

A list is its query string (filters, search and the page's `after` cursor). Item
links carry it as `list=`, the item's forms post it back, and the back link, the `u`
key and "저장 후 다음" use it. Only the known keys survive `clean_list`, and every URL
built here points into the app (`/inbox`, `/comments/...`), so the parameter cannot
send anyone elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

FILTER_KEYS = (
    "platform",
    "account",
    "status",
    "department",
    "assignee",
    "tag",
    "from",
    "to",
    "overdue",
    "answered",
    "manual",
    "check",
    "q",
    "due",
    "unassigned",
    "answer",
)
LIST_KEYS = (*FILTER_KEYS, "after")
MAX_LIST_PARAM = 2000
MAX_VALUE = 200


def list_query(params: Mapping[str, str]) -> str:
    """The list's own query string (known keys only, in a fixed order, empty ones left out)."""
    pairs = [(key, value[:MAX_VALUE]) for key in LIST_KEYS if (value := params.get(key, ""))]
    return urlencode(pairs)


def clean_list(value: str | None) -> str:
    """A `list=` parameter as received, reduced to a list query (garbage gives "")."""
    if not value or len(value) > MAX_LIST_PARAM:
        return ""
    return list_query(dict(parse_qsl(value)))


def inbox_url(list_q: str, **extra: str) -> str:
    """The inbox page of the list, with `extra` parameters (e.g. a result to show)."""
    query = "&".join(part for part in (list_q, urlencode(extra)) if part)
    return "/inbox" + (f"?{query}" if query else "")


def with_list(path: str, list_q: str, **extra: str) -> str:
    """`path` (an item's page or form) carrying the list, and `extra` parameters."""
    params = {"list": list_q} if list_q else {}
    params.update(extra)
    return path + (f"?{urlencode(params)}" if params else "")


def after_cursor(at: str, comment_id: int) -> str:
    """The `after=` value of a page that starts just below this item."""
    return f"{at}~{comment_id}"


def moved_to(list_q: str, after: str) -> str:
    """The same list, on the page that starts at `after`."""
    params = dict(parse_qsl(list_q))
    params["after"] = after
    return list_query(params)
