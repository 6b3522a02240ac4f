"""The Facebook Page as the rest of the program knows it."""

from __future__ import annotations

from connectors.facebook.settings import FacebookAccount
from connectors.spec import Answering, AnswerRule, PlatformSpec, StreamSpec

SPEC = PlatformSpec(
    name="facebook",
    label="페이스북",
    settings=FacebookAccount,
    factory="connectors.facebook.connector:FacebookConnector",
    comments_readable=True,
    writes=frozenset({"reply", "hide"}),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer="connectors.facebook.write:FacebookWriter",
    answering=Answering(AnswerRule("facebook", "페이스북", 8000), "top_level"),
    sandbox="aggregator.sandbox.graph:SANDBOX",
)
