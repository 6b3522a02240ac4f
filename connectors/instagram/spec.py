"""Instagram (professional account) as the rest of the program knows it."""

from __future__ import annotations

from connectors.instagram.settings import InstagramAccount
from connectors.spec import Answering, AnswerRule, PlatformSpec, StreamSpec

SPEC = PlatformSpec(
    name="instagram",
    label="인스타그램",
    settings=InstagramAccount,
    factory="connectors.instagram.connector:InstagramConnector",
    comments_readable=True,
    writes=frozenset({"reply", "hide"}),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer="connectors.instagram.write:InstagramWriter",
    answering=Answering(AnswerRule("instagram", "인스타그램", 2200), "top_level"),
    usage="connectors.instagram.token:token_note",
    health="connectors.instagram.token:token_health",
    commands="aggregator.cli_instagram:instagram_app",
)
