"""Where an answer goes and what it is counted by: both follow each platform's declared
`answering` (connectors/spec.py), not per-platform branches."""

from __future__ import annotations

from typing import Any

import pytest

from aggregator.answers.preview import MANUAL, check, preview, rule_for
from aggregator.answers.states import AnswerError
from aggregator.answers.targets import hide_target, reply_target
from connectors.registry import PLATFORMS


def row(platform: str, external_id: str, **values: Any) -> dict[str, Any]:
    """A `target_row` of a synced comment."""
    base = {
        "account": f"{platform}-account", "platform": platform, "external_id": external_id,
        "kind": "comment", "parent_external_id": None, "post_external_id": "post-1",
        "author_handle": "resident", "manual_entry": False, "parent_is_comment": False,
    }  # fmt: skip
    return {**base, **values}


@pytest.mark.parametrize("platform", ["facebook", "instagram", "youtube"])
def test_two_level_platforms_answer_a_reply_under_its_top_level_comment(platform: str) -> None:
    reply = row(platform, "top.reply", parent_external_id="top", parent_is_comment=True)
    target = reply_target(reply)
    assert target is not None
    assert target.platform_comment_id == "top"
    hidden = hide_target(reply)
    assert hidden is not None
    assert hidden.platform_comment_id == "top.reply"


@pytest.mark.parametrize("platform", ["facebook", "instagram", "youtube"])
def test_a_top_level_comment_is_answered_under_itself(platform: str) -> None:
    target = reply_target(row(platform, "top", parent_external_id="post-1"))
    assert target is not None
    assert target.platform_comment_id == "top"


def test_x_answers_the_tweet_itself_even_when_it_replies_to_another() -> None:
    tweet = row("twitter", "1790000000000000002", parent_external_id="1790000000000000001",
                parent_is_comment=True)  # fmt: skip
    target = reply_target(tweet)
    assert target is not None
    assert target.platform_comment_id == "1790000000000000002"
    assert target.author_handle == "resident"


def test_wordpress_targets_are_numbers_and_other_blogs_have_none() -> None:
    wp = row("blog", "wp:blog.example:comment:12", post_external_id="wp:blog.example:post:7")
    target = reply_target(wp)
    assert target is not None
    assert (target.platform_comment_id, target.platform_post_id) == ("12", "7")
    assert reply_target(row("blog", "https://blog.naver.com/hanbit/1#c1")) is None


@pytest.mark.parametrize("platform", ["pinterest", "instagram", "youtube", "facebook"])
def test_hand_entered_comments_and_platforms_without_answering_have_no_target(
    platform: str,
) -> None:
    assert reply_target(row(platform, "c1", manual_entry=True)) is None
    assert reply_target(row("pinterest", "pin:1")) is None


@pytest.mark.parametrize(
    ("platform", "external_id", "limit", "unit"),
    [
        ("facebook", "p1_c1", 8000, "자"),
        ("instagram", "17890000000000001", 2200, "자"),
        ("youtube", "UgzHanbit", 10_000, "자"),
        ("twitter", "1790000000000000001", 280, "자(가중치)"),
        ("blog", "wp:blog.example:comment:12", 65_525, "바이트"),
    ],
)
def test_each_platform_declares_its_limit(
    platform: str, external_id: str, limit: int, unit: str
) -> None:
    rule = rule_for(platform, external_id)
    assert rule is PLATFORMS[platform].answering.rule  # type: ignore[union-attr]
    assert (rule.limit, rule.unit) == (limit, unit)


def test_instagram_refuses_2201_characters_and_youtube_takes_10000() -> None:
    instagram = rule_for("instagram", "17890000000000001")
    assert not preview(instagram, "가" * 2200).over
    too_long = r"인스타그램 답변이 너무 깁니다: 2,201자 \(최대 2,200자\)"
    with pytest.raises(AnswerError, match=too_long):
        check(instagram, "가" * 2201)
    youtube = rule_for("youtube", "UgzHanbit")
    assert not preview(youtube, "가" * 10_000).over
    assert preview(youtube, "가" * 10_001).over
    assert youtube.input_max == 10_000  # the answer box lets staff type up to the limit


def test_only_x_shows_the_residents_mention() -> None:
    assert preview(rule_for("instagram", "1"), "안내", handle="resident").shown == "안내"
    assert preview(rule_for("twitter", "1"), "안내", handle="resident").shown == "@resident 안내"


def test_platforms_without_a_declared_rule_are_counted_without_a_limit() -> None:
    assert rule_for("pinterest", "pin:1") is MANUAL
    assert rule_for("blog", "https://blog.naver.com/hanbit/1#c1") is MANUAL
