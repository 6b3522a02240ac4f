"""The answer preview: what each platform shows and counts (twitter-text v3 for X)."""

from __future__ import annotations

import pytest

from aggregator.answers.preview import (
    FACEBOOK,
    MANUAL,
    WORDPRESS,
    X,
    check,
    preview,
    rule_for,
    x_weighted_length,
)
from aggregator.answers.states import AnswerError, AnswerState
from aggregator.records import Batch, CommentRecord
from tests.fixtures_web import T0, Web
from tests.test_answers_service import COMM, DEPT, answer, assign, service

GOV = "https://www.ydp.go.kr/www/selectBbsNttView.do?key=2001&bbsNo=1&nttNo=123456"


def test_hangul_weighs_two_so_140_syllables_fit_and_141_do_not() -> None:
    assert x_weighted_length("가" * 140) == 280
    assert not preview(X, "가" * 140).over
    assert preview(X, "가" * 141).length == 282
    assert preview(X, "가" * 141).over


def test_ascii_and_general_punctuation_weigh_one() -> None:
    assert x_weighted_length("Hello, world!\n") == 14
    assert x_weighted_length("\u2014\u2019") == 2  # em dash, right quote: U+2010-U+201F


def test_cjk_and_fullwidth_weigh_two() -> None:
    assert x_weighted_length("区役所") == 6
    assert x_weighted_length("（１）") == 6


def test_a_url_counts_23_whatever_its_length() -> None:
    assert len(GOV) > 23
    assert x_weighted_length(GOV) == 23
    assert x_weighted_length(f"안내: {GOV} 참고") == 6 + 23 + 5  # "안내: " 6, " 참고" 5


def test_a_domain_without_scheme_is_a_url_and_trailing_punctuation_is_not_part_of_it() -> None:
    assert x_weighted_length("www.ydp.go.kr") == 23
    assert x_weighted_length("ydp.go.kr/a.") == 24
    assert x_weighted_length("abc.kr") == 6  # a bare short ccTLD domain needs a path
    assert x_weighted_length("No.123") == 6


def test_an_emoji_sequence_weighs_two() -> None:
    assert x_weighted_length("🙂") == 2
    assert x_weighted_length("👍🏻") == 2  # skin tone
    assert x_weighted_length("👨\u200d👩\u200d👧") == 2  # ZWJ family
    assert x_weighted_length("🇰🇷") == 2  # flag
    assert x_weighted_length("1\ufe0f\u20e3") == 2  # keycap
    assert x_weighted_length("☀\ufe0f") == 2
    assert x_weighted_length("©") == 1
    assert x_weighted_length("©\ufe0f") == 2


def test_text_is_counted_after_nfc() -> None:
    decomposed = "\u1100\u1161"  # ᄀ + ᅡ = 가
    assert x_weighted_length(decomposed) == 2
    assert x_weighted_length("e\u0301") == 1


def test_an_x_reply_carries_the_residents_mention_and_it_counts() -> None:
    shown = preview(X, "가" * 136, handle="@resident1")
    assert shown.shown == "@resident1 " + "가" * 136
    assert shown.length == 11 + 272
    assert shown.over
    assert not preview(X, "가" * 134, handle="resident1").over


def test_other_platforms_show_the_text_as_written() -> None:
    assert preview(FACEBOOK, "안내", handle="someone").shown == "안내"
    assert preview(FACEBOOK, "가" * 8000).length == 8000
    assert preview(FACEBOOK, "가" * 8001).over
    assert preview(WORDPRESS, "가" * 100).length == 300  # UTF-8 bytes
    assert not preview(MANUAL, "가" * 100_000).over


def test_check_names_the_count_and_the_limit_in_korean() -> None:
    with pytest.raises(AnswerError, match=r"X 답변이 너무 깁니다: 282자\(가중치\) \(최대 280"):
        check(X, "가" * 141)
    assert check(X, "가" * 140).length == 280


@pytest.mark.parametrize(
    ("platform", "external_id", "rule"),
    [
        ("twitter", "1790000000000000001", X),
        ("facebook", "p1_c1", FACEBOOK),
        ("blog", "wp:blog.example:comment:12", WORDPRESS),
        ("blog", "https://blog.naver.com/hanbit/1#c1", MANUAL),
        ("pinterest", "pin:1", MANUAL),
    ],
)
def test_the_rule_follows_the_platform(platform: str, external_id: str, rule: object) -> None:
    assert rule_for(platform, external_id) is rule


# the service refuses what the platform would refuse ------------------------------------


def x_comment(web: Web, handle: str = "resident1") -> int:
    """A resident's X reply, assigned to 주차관리과."""
    account = web.store.sync.ensure_account("x-account", "twitter")
    tweet = CommentRecord(
        platform="twitter", external_id="1790000000000000001", created_at=T0,
        text="@hanbit_gu 주차 문의", author_handle=handle, post_external_id=None,
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(tweet,)))
    with web.store.engine.connect() as conn:
        query = "SELECT id FROM comment WHERE external_id = '1790000000000000001'"
        found = int(conn.exec_driver_sql(query).scalar_one())
    assign(web.store, found)
    return found


def test_the_service_refuses_an_x_answer_over_the_limit_at_every_step(web: Web) -> None:
    comment_id = x_comment(web)
    answers = service(web.store)
    fits = "가" * 134  # with "@resident1 " 279
    with pytest.raises(AnswerError, match=r"X 답변이 너무 깁니다: 283자\(가중치\) \(최대 280"):
        answers.write(DEPT, comment_id, "first", fits + "가가")
    answer_id = answers.write(DEPT, comment_id, "first", fits)
    with pytest.raises(AnswerError, match="너무 깁니다"):
        answers.approve(COMM, answer_id, text=fits + "가가")
    answers.send_back(COMM, answer_id, "존댓말로 고쳐 주세요")
    with pytest.raises(AnswerError, match="너무 깁니다"):
        answers.resubmit(DEPT, answer_id, fits + "가가")
    stored = answer(web.store, answer_id)
    assert (stored["state"], stored["text"]) == (AnswerState.DRAFT, fits)
