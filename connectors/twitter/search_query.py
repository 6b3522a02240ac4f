"""The recent-search queries that find replies in the district's threads:
`(conversation_id:a OR conversation_id:b ...) is:reply`, at most 512 characters each."""

from __future__ import annotations

QUERY_CHARS = 512


def conversation_queries(roots: list[str]) -> list[tuple[str, str]]:
    """`(conversation_id:a OR conversation_id:b ...) is:reply` queries of at most 512
    characters, each with its oldest root (the `since_id` for threads not searched before)."""
    queries: list[tuple[str, str]] = []
    chunk: list[str] = []
    for root in roots:
        if chunk and len(_query([*chunk, root])) > QUERY_CHARS:
            queries.append((_query(chunk), chunk[0]))
            chunk = []
        chunk.append(root)
    if chunk:
        queries.append((_query(chunk), chunk[0]))
    return queries


def _query(roots: list[str]) -> str:
    """Replies only (`is:reply`): the roots themselves are stored already."""
    return "(" + " OR ".join(f"conversation_id:{root}" for root in roots) + ") is:reply"
