"""YouTube as the rest of the program knows it: videos and comment threads, answers."""

from __future__ import annotations

from connectors.spec import Answering, AnswerRule, PlatformSpec, StreamSpec
from connectors.youtube.settings import YouTubeAccount

SPEC = PlatformSpec(
    name="youtube",
    label="유튜브",
    settings=YouTubeAccount,
    factory="connectors.youtube.connector:YouTubeConnector",
    comments_readable=True,
    writes=frozenset({"reply", "hide"}),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer="connectors.youtube.write:YouTubeWriter",
    usage="connectors.youtube.api:quota_note",
    health="connectors.youtube.oauth_state:write_health",
    answering=Answering(AnswerRule("youtube", "유튜브", 10_000), "top_level"),
)
