"""Blog mapping on our own fixtures (tests/fixtures/blog; those shaped like the recorded
samples in ../shared/samples/blogs are kept faithful by test_fixtures_faithful.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.connector import ParseError
from aggregator.records import CommentKind, CommentRecord, PostRecord
from connectors.blog.mapping import (
    comment_count,
    comment_feed_url,
    owner_key,
    post_id_from_guid,
    strip_tracking,
    to_comment,
    to_post,
)
from connectors.common.feed_prolog import check_prolog
from connectors.common.feed_text import html_to_text
from connectors.common.feeds import ParsedFeed, parse_feed_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "blog"
FETCHED_AT = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
SITE = "news.sample-gu.example/feed"
RSS_UTF8 = "application/rss+xml; charset=UTF-8"


def parse(path: Path, content_type: str | None = RSS_UTF8) -> ParsedFeed:
    return parse_feed_bytes(path.read_bytes(), content_type, "https://news.sample-gu.example/feed/")


def posts_of(path: Path, content_type: str | None = RSS_UTF8) -> list[PostRecord]:
    feed = parse(path, content_type)
    return [to_post(e, site=SITE, source_url=None, fetched_at=FETCHED_AT) for e in feed.entries]


def comments_of(path: Path, owners: frozenset[str] = frozenset()) -> list[CommentRecord]:
    feed = parse(path)
    return [
        to_comment(e, site=SITE, source_url=None, fetched_at=FETCHED_AT, owner_names=owners)
        for e in feed.entries
    ]


# ------------------------------------------------------------------ shaped like the recordings


def test_naver_posts_get_blog_id_and_log_number_ids() -> None:
    posts = posts_of(FIXTURES / "naver_blog_rss.xml", "text/xml;charset=UTF-8")
    assert [p.external_id for p in posts] == [
        "naver:hanbit_gu:224100000002",
        "naver:hanbit_gu:224100000001",
    ]
    assert all(p.platform == "blog" and p.author_id == "hanbit_gu" for p in posts)


def test_naver_links_lose_tracking_parameters() -> None:
    posts = posts_of(FIXTURES / "naver_blog_rss.xml")
    assert posts[0].url == "https://blog.naver.com/hanbit_gu/224100000002"


def test_naver_times_are_converted_from_kst_to_utc() -> None:
    posts = posts_of(FIXTURES / "naver_blog_rss.xml")
    assert posts[0].created_at == datetime(2026, 11, 16, 1, 30, tzinfo=UTC)
    assert posts[1].created_at == datetime(2026, 11, 12, 9, 5, 9, tzinfo=UTC)


def test_naver_excerpt_becomes_plain_text_with_the_title_kept() -> None:
    post = posts_of(FIXTURES / "naver_blog_rss.xml")[0]
    assert post.title == "겨울철 제설 대책 설명회 개최 안내"
    assert post.text == "겨울철 제설 대책 설명회를 개최합니다. 일시: 11월 24일(화) 오후 3시 ..."


def test_naver_raw_entry_is_json_safe_and_keeps_tags_and_category() -> None:
    post = posts_of(FIXTURES / "naver_blog_rss.xml")[0]
    raw = json.loads(json.dumps(post.raw))
    assert raw["tag"] == "구청,제설,설명회"
    assert raw["tags"][0]["term"] == "구정소식"
    assert raw["published_parsed"] == "2026-11-16T01:30:00Z"


def test_feedburner_wordpress_posts_use_wordpress_ids_counts_and_original_links() -> None:
    posts = posts_of(FIXTURES / "wordpress_posts_feed.xml")
    assert len(posts) == 2
    assert len({p.external_id for p in posts}) == 2
    first = posts[0]
    assert first.external_id == "wp:news.hanbit-gu.example:post:3120"
    assert [p.comment_count for p in posts] == [0, 4]
    assert first.author_name == "홍보담당관 김하늘"
    assert first.url is not None
    assert first.url.startswith("http://news.hanbit-gu.example/2026/11/17/"), "feedburner:origLink"
    assert "<" not in first.text


@pytest.mark.parametrize("name", ["wordpress_posts_feed.xml", "wordpress_posts_feed_no_counts.xml"])
def test_wordpress_feeds_with_leading_blank_line_parse_silently(name: str) -> None:
    assert (FIXTURES / name).read_bytes().startswith(b"\n<?xml"), "as the recorded feeds"
    feed = parse(FIXTURES / name)
    assert feed.entries
    assert feed.warnings == ()


def test_old_wordpress_posts_have_comment_feeds_but_no_counts() -> None:
    feed = parse(FIXTURES / "wordpress_posts_feed_no_counts.xml")
    entry = feed.entries[0]
    assert comment_count(entry) is None
    assert comment_feed_url(entry) == "http://maeul.hanbit-gu.example/2026/11/04/kimjang/feed/"
    post = to_post(entry, site=SITE, source_url=None, fetched_at=FETCHED_AT)
    assert post.external_id == "wp:maeul.hanbit-gu.example:post:77"


def test_wordpress_comments_point_at_the_ids_their_posts_get() -> None:
    comments = comments_of(FIXTURES / "wordpress_comments_feed.xml")
    first = comments[0]
    assert first.external_id == "wp:news.sample-gu.example:comment:57"
    assert first.post_external_id == post_id_from_guid(
        "https://news.sample-gu.example/?p=1201", SITE
    )
    assert first.post_external_id == "wp:news.sample-gu.example:post:1201"
    assert (first.kind, first.parent_external_id) == (CommentKind.COMMENT, None)
    assert first.author_name == "이지훈"
    assert first.text == "가로등이 생겨서 밤에도 안심하고 걸어요."
    assert (
        first.permalink == "https://news.sample-gu.example/2026/11/17/hanbitcheon-trail/#comment-57"
    )
    assert first.created_at == datetime(2026, 11, 17, 4, 12, tzinfo=UTC)


# ------------------------------------------------------------------ encodings


def test_euc_kr_feed_decodes_hangul() -> None:
    posts = posts_of(FIXTURES / "euc_kr_feed.xml", "application/rss+xml")
    assert posts[0].title == "주민센터 운영 시간 변경 안내"
    assert posts[0].text == "평일 오전 9시부터 오후 6시까지 운영합니다."


def test_euc_kr_label_with_cp949_only_syllables_decodes_without_mojibake() -> None:
    data = (FIXTURES / "cp949_labelled_euc_kr.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("euc-kr")  # the fixture really needs CP949
    for content_type in ("text/xml", "application/rss+xml; charset=euc-kr", None):
        feed = parse_feed_bytes(data, content_type, None)
        assert feed.entries[0]["title"] == "똠방각하 햏 뷁 믜 쌰 이야기"
        assert feed.warnings == ()


def test_utf8_served_as_text_xml_without_charset_parses_with_a_warning() -> None:
    feed = parse(FIXTURES / "wp_posts.xml", "text/xml")
    assert feed.entries[0]["title"] == "3월 주민 소통 간담회 개최 안내"
    assert any("CharacterEncodingOverride" in w for w in feed.warnings)


# ------------------------------------------------------------------ ids


def test_items_without_guid_get_link_or_stable_hash_ids() -> None:
    first = [p.external_id for p in posts_of(FIXTURES / "no_guid.xml")]
    again = [p.external_id for p in posts_of(FIXTURES / "no_guid.xml")]
    assert first == again
    assert first[0] == "url:sample-gu.tistory.com/15?category=1023"
    assert first[1].startswith(f"hash:{SITE}:")
    assert first[2].startswith(f"hash:{SITE}:")
    assert len(set(first)) == 3


def test_post_ids_differ_between_blogs() -> None:
    assert post_id_from_guid("https://a.example/?p=5", SITE) != post_id_from_guid(
        "https://b.example/?p=5", SITE
    )
    assert post_id_from_guid("42", "a.example/feed") != post_id_from_guid("42", "b.example/feed")
    assert post_id_from_guid("https://example.com/siteA/?p=12", SITE) == (
        "wp:example.com/siteA:post:12"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://blog.naver.com/gu/224?fromRss=true&trackingCode=rss",
            "https://blog.naver.com/gu/224",
        ),
        ("https://x.example/a/?utm_source=rss&utm_medium=rss&p=5", "https://x.example/a/?p=5"),
        ("https://x.example/a/?fbclid=abc#comment-3", "https://x.example/a/#comment-3"),
        ("https://x.example/a/", "https://x.example/a/"),
    ],
)
def test_tracking_parameters_are_stripped_and_others_kept(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected


# ------------------------------------------------------------------ comments


def test_atom_comment_feed_threads_replies_to_their_parent_comment() -> None:
    by_id = {c.external_id: c for c in comments_of(FIXTURES / "atom_comments_threaded.xml")}
    top = by_id["wp:news.sample-gu.example:comment:57"]
    reply = by_id["wp:news.sample-gu.example:comment:58"]
    nested = by_id["wp:news.sample-gu.example:comment:59"]
    assert (top.kind, top.parent_external_id) == (CommentKind.COMMENT, None)
    assert (reply.kind, reply.parent_external_id) == (CommentKind.REPLY, top.external_id)
    assert nested.parent_external_id == reply.external_id
    assert {c.post_external_id for c in by_id.values()} == {"wp:news.sample-gu.example:post:1201"}


def test_atom_and_rss_comment_feeds_give_the_same_comment_ids() -> None:
    atom = {c.external_id for c in comments_of(FIXTURES / "atom_comments_threaded.xml")}
    rss = {c.external_id for c in comments_of(FIXTURES / "wordpress_comments_feed.xml")}
    assert "wp:news.sample-gu.example:comment:57" in atom & rss


def test_other_comment_guids_keep_their_fragment_so_ids_stay_distinct() -> None:
    entries = [{"id": "https://x.example/?p=5#c12"}, {"id": "https://x.example/?p=5#c13"}]
    ids = [
        to_comment(e, site=SITE, source_url=None, fetched_at=FETCHED_AT).external_id
        for e in entries
    ]
    assert ids == ["url:x.example/?p=5#c12", "url:x.example/?p=5#c13"]


def test_replies_by_the_blog_author_are_marked_as_the_owners() -> None:
    owners = frozenset({owner_key(" 샘플구청 ")})
    by_id = {c.external_id: c for c in comments_of(FIXTURES / "atom_comments_threaded.xml", owners)}
    assert by_id["wp:news.sample-gu.example:comment:58"].by_account_owner is True
    assert by_id["wp:news.sample-gu.example:comment:57"].by_account_owner is False


def test_atom_posts_give_updated_time_count_and_comment_feed_whatever_the_prefix() -> None:
    feed = parse(FIXTURES / "atom_posts.xml", "application/atom+xml; charset=UTF-8")
    entry = feed.entries[0]
    post = to_post(entry, site=SITE, source_url=None, fetched_at=FETCHED_AT)
    assert post.external_id == "wp:news.sample-gu.example:post:1201"
    assert post.updated_at == datetime(2026, 3, 5, tzinfo=UTC)
    assert post.comment_count == 3
    assert (
        comment_feed_url(entry) == "https://news.sample-gu.example/2026/03/03/townhall/feed/atom/"
    )


# ------------------------------------------------------------------ times and text


@pytest.mark.parametrize(
    ("guid", "expected"),
    [
        ("rfc822-plus0900", datetime(2026, 3, 3, 1, 15, tzinfo=UTC)),
        ("rfc822-gmt", datetime(2026, 3, 3, 10, 15, tzinfo=UTC)),
        ("rfc822-no-zone", datetime(2026, 3, 3, 1, 15, tzinfo=UTC)),  # no zone = KST
        ("rfc822-kst", datetime(2026, 3, 3, 1, 15, tzinfo=UTC)),
        ("iso-z", datetime(2026, 3, 3, 10, 15, tzinfo=UTC)),
        ("iso-offset", datetime(2026, 3, 3, 1, 15, tzinfo=UTC)),
        ("iso-no-zone", datetime(2026, 3, 3, 1, 15, tzinfo=UTC)),  # no zone = KST
        ("no-date", FETCHED_AT),  # nothing to go on: first seen
    ],
)
def test_times_are_utc_and_dates_without_a_zone_are_korean_time(
    guid: str, expected: datetime
) -> None:
    posts = {p.raw["id"]: p for p in posts_of(FIXTURES / "timezones.xml")}
    assert posts[guid].created_at == expected
    assert posts[guid].created_at.tzinfo is UTC


def test_html_is_reduced_to_plain_text() -> None:
    post = posts_of(FIXTURES / "html_and_tracking.xml")[0]
    assert post.title == "구민 안전 & 복지 안내"
    assert post.text == "첫째 줄입니다.\n둘째 줄 & 계속\n공백 정리"
    assert post.url == "https://blog.naver.com/gu_office_test/224000000077"
    assert post.external_id == "naver:gu_office_test:224000000077"


@pytest.mark.parametrize(
    "entry",
    [
        {"link": "https://gu_office_test.blog.me/224000000010"},
        {"id": "http://gu_office_test.blog.me/224000000010", "link": "http://x.example/a"},
        {
            "id": "https://feedproxy.google.com/~r/gu_office_test/~3/aB1/224000000010",
            "link": "https://feedproxy.google.com/~r/gu_office_test/~3/aB1/224000000010",
            "feedburner_origlink": "https://gu_office_test.blog.me/224000000010?fromRss=true",
        },
    ],
    ids=["blog-me-link", "blog-me-guid", "feedburner-relay"],
)
def test_naver_posts_on_the_blog_me_domain_get_the_same_id_as_blog_naver_com(
    entry: dict[str, str],
) -> None:
    entry = {"title": "구청 소식", **entry}
    post = to_post(entry, site=SITE, source_url=None, fetched_at=FETCHED_AT)
    assert post.external_id == "naver:gu_office_test:224000000010"
    assert post.author_id == "gu_office_test"


def test_author_id_is_taken_from_the_feed_where_it_gives_one() -> None:
    entry = {
        "id": "https://news.sample-gu.example/?p=7",
        "author": "홍보담당관",
        "author_detail": {
            "name": "홍보담당관",
            "href": "https://news.sample-gu.example/author/pr/",
        },
    }
    post = to_post(entry, site=SITE, source_url=None, fetched_at=FETCHED_AT)
    assert post.author_id == "https://news.sample-gu.example/author/pr/"
    assert post.author_name == "홍보담당관"


def test_html_to_text_drops_scripts_and_decodes_entities() -> None:
    html = "<p>a&amp;b</p><script>var x = '<p>';</script><ul><li>하나</li><li>둘</li></ul>"
    assert html_to_text(html) == "a&b\n하나\n둘"


# ------------------------------------------------------------------ refused feeds


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml", "external_dtd.xml"])
def test_entity_and_dtd_tricks_are_refused_before_parsing(name: str) -> None:
    with pytest.raises(ParseError, match="refused"):
        parse(FIXTURES / name)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_entity_declarations_are_found_in_wide_encodings_too(encoding: str) -> None:
    text = (FIXTURES / "billion_laughs.xml").read_text(encoding="utf-8")
    data = text.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding)
    with pytest.raises(ParseError, match="refused"):
        parse_feed_bytes(data, "application/xml", None)


def test_undecodable_bytes_in_a_korean_feed_are_refused_not_replaced() -> None:
    data = (FIXTURES / "euc_kr_feed.xml").read_bytes().replace(b"</title>", b"\xff</title>", 2)
    with pytest.raises(ParseError, match="not valid cp949"):
        parse_feed_bytes(data, "application/rss+xml; charset=euc-kr", None)


def test_doctype_hidden_behind_a_comment_is_still_found() -> None:
    data = b'<?xml version="1.0"?><!-- see <a> --><!DOCTYPE r [<!ENTITY x "y">]><rss/>'
    with pytest.raises(ParseError):
        check_prolog(data)


def test_a_bare_doctype_is_accepted() -> None:
    check_prolog(b'<?xml version="1.0"?>\n<!DOCTYPE rss>\n<rss version="2.0"></rss>')


def test_malformed_feed_without_entries_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not well-formed"):
        parse(FIXTURES / "malformed.xml")


def test_bozo_feed_with_entries_keeps_them_with_a_warning() -> None:
    feed = parse(FIXTURES / "bozo_usable.xml")
    assert [e["title"] for e in feed.entries] == ["문화 & 체육 행사 안내", "공영주차장 요금 조정"]
    assert any("not well-formed; kept 2 entries" in w for w in feed.warnings)
