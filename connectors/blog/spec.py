"""Blogs (Naver Blog, WordPress, Tistory, RSS/Atom) as the rest of the program knows it."""

from __future__ import annotations

from connectors.blog.settings import BlogAccount
from connectors.spec import Answering, AnswerRule, PlatformSpec, StreamSpec

SPEC = PlatformSpec(
    name="blog",
    label="블로그",
    settings=BlogAccount,
    factory="connectors.blog.connector:BlogConnector",
    comments_readable=True,
    writes=frozenset({"reply", "hide"}),
    streams=(
        StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),
        StreamSpec("comments", ("platform", "external_id"), "created_at", "desc"),
    ),
    writer="connectors.blog.write:WordPressWriter",
    answering=Answering(
        AnswerRule("wordpress", "워드프레스", 65525, "bytes", "바이트"),
        "wordpress",
        id_prefix="wp:",
    ),
)
