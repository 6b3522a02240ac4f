"""YouTube as the rest of the program knows it: videos and comment threads, read only."""

from __future__ import annotations

from connectors.spec import PlatformSpec, StreamSpec
from connectors.youtube.settings import YouTubeAccount

SPEC = PlatformSpec(
    name="youtube",
    label="유튜브",
    settings=YouTubeAccount,
    factory="connectors.youtube.connector:YouTubeConnector",
    comments_readable=True,
    writes=frozenset(),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer=None,
    usage="connectors.youtube.api:quota_note",
)
