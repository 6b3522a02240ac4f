"""X (Twitter) as the rest of the program knows it."""

from __future__ import annotations

from connectors.spec import Answering, AnswerRule, PlatformSpec, StreamSpec
from connectors.twitter.settings import TwitterAccount

SPEC = PlatformSpec(
    name="twitter",
    label="X",
    settings=TwitterAccount,
    factory="connectors.twitter.connector:TwitterConnector",
    comments_readable=True,
    writes=frozenset({"reply", "hide"}),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer="connectors.twitter.write:XWriter",
    answering=Answering(
        AnswerRule("x", "X", 280, "x_weighted", "자(가중치)", mention=True), "comment"
    ),
)
