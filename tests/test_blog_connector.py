"""BlogConnector over real HTTP against a loopback feed server (tests/blog_feed_server.py)."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from aggregator.connector import ConnectorError, FetchError, ParseError, SyncContext
from aggregator.http import HttpClient, HttpSettings
from aggregator.records import Batch, JSONValue
from connectors.blog.connector import BlogConnector
from connectors.blog.settings import BlogAccount
from tests.blog_feed_server import FeedServer

NOW = datetime(2026, 3, 10, tzinfo=UTC)
POST_1201_FEED = "/2026/03/03/townhall/feed/"
POST_1190_FEED = "/2026/02/27/festival-traffic/feed/"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feed_server:
        yield feed_server


@pytest.fixture
def http() -> Iterator[HttpClient]:
    session = requests.Session()
    session.trust_env = False  # never route loopback through a proxy from the environment
    client = HttpClient(
        settings=HttpSettings(retries=0, connect_timeout=2, read_timeout=5), session=session
    )
    yield client
    session.close()


def serve_wordpress(server: FeedServer, posts_etag: str = '"posts-v1"') -> None:
    server.serve_fixture("/feed/", "wp_posts.xml", etag=posts_etag)
    server.serve_fixture("/comments/feed/", "wp_comments.xml", etag='"comments-v1"')
    server.serve_fixture(POST_1201_FEED, "wp_post_1201_comments.xml")
    server.serve_fixture(POST_1190_FEED, "wp_post_1190_comments.xml")


def connector(server: FeedServer, http: HttpClient, **settings: Any) -> BlogConnector:
    values: dict[str, Any] = {
        "platform": "blog",
        "name": "gu-news",
        "flavor": "wordpress",
        "feed_url": f"{server.base}/feed/",
    }
    if settings.get("flavor", "wordpress") == "wordpress":
        values["comments_feed_url"] = f"{server.base}/comments/feed/"
        values["comments_api"] = "feeds"  # this server has feeds only (REST: test_blog_rest_*)
    values.update(settings)
    return BlogConnector(BlogAccount(**values), SyncContext(http=http, clock=lambda: NOW))


def run(
    blog: BlogConnector, cursors: Mapping[str, JSONValue] | None = None
) -> tuple[list[Batch], dict[str, JSONValue]]:
    """Pull once like the sync engine: apply each batch's cursor updates, JSON round-trip."""
    stored = dict(cursors or {})
    batches = list(blog.pull(stored))
    for batch in batches:
        stored.update(json.loads(json.dumps(dict(batch.cursor_updates))))
    return batches, stored


def wp_id(server: FeedServer, kind: str, number: int) -> str:
    """The id the connector gives a WordPress item served by `server` (host includes the port)."""
    return f"wp:{server.base.removeprefix('http://')}:{kind}:{number}"


def comment_ids(batches: list[Batch], stream: str | None = None) -> list[str]:
    return [c.external_id for b in batches if stream in (None, b.stream) for c in b.comments]


# ------------------------------------------------------------------ conditional GET


def test_first_run_reads_posts_site_comments_and_commented_posts_feeds(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    batches, _ = run(connector(server, http))
    assert [b.stream for b in batches] == ["posts", "comments", "post_comments", "post_comments"]
    assert [len(b.posts) for b in batches] == [3, 0, 0, 0]
    assert [len(b.comments) for b in batches] == [0, 4, 2, 1]
    assert [b.api_calls for b in batches] == [1, 1, 1, 1]
    assert server.hits("/2026/02/20/newsletter/feed/") == []  # 0 comments: not read
    assert http.calls == 4


def test_second_run_with_nothing_changed_makes_one_conditional_call_per_feed(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    _, cursors = run(connector(server, http))
    batches, after = run(connector(server, http), cursors)
    assert [(b.stream, b.api_calls) for b in batches] == [("posts", 1), ("comments", 1)]
    assert all(not b.posts and not b.comments and not b.cursor_updates for b in batches)
    assert after == cursors
    assert server.hits("/feed/")[-1].headers["If-None-Match"] == '"posts-v1"'
    assert server.hits("/comments/feed/")[-1].headers["If-None-Match"] == '"comments-v1"'
    assert len(server.hits(POST_1201_FEED)) == 1


def test_last_modified_is_sent_back_as_if_modified_since(
    server: FeedServer, http: HttpClient
) -> None:
    stamp = "Wed, 04 Mar 2026 03:00:00 GMT"
    server.serve_fixture("/feed/", "naver_posts.xml", last_modified=stamp)
    blog = connector(server, http, flavor="naver", comments_feed_url=None)
    _, cursors = run(blog)
    batches, _ = run(blog, cursors)
    assert server.hits("/feed/")[-1].headers["If-Modified-Since"] == stamp
    assert [len(b.posts) for b in batches] == [0]


# ------------------------------------------------------------------ per-post comment feeds


def test_post_comment_feed_is_reread_only_when_its_count_changed(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    _, cursors = run(connector(server, http))
    changed = server.routes["/feed/"].body.replace(
        b"<slash:comments>1</slash:comments>", b"<slash:comments>2</slash:comments>"
    )
    server.serve("/feed/", changed, etag='"posts-v2"')
    batches, _ = run(connector(server, http), cursors)
    assert [b.stream for b in batches] == ["posts", "comments", "post_comments"]
    assert (len(server.hits(POST_1201_FEED)), len(server.hits(POST_1190_FEED))) == (1, 2)


def test_site_wide_and_per_post_feeds_give_the_same_comment_ids(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    batches, _ = run(connector(server, http))
    site_wide = set(comment_ids(batches, "comments"))
    per_post = comment_ids(batches, "post_comments")
    assert sorted(per_post) == sorted(set(per_post))
    assert set(per_post) <= site_wide
    assert wp_id(server, "comment", 57) in per_post


def test_comments_link_to_posts_and_mark_the_district_replies(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    batches, _ = run(connector(server, http))
    post_ids = {p.external_id for b in batches for p in b.posts}
    comments = {c.external_id: c for b in batches for c in b.comments}
    assert comments[wp_id(server, "comment", 57)].post_external_id in post_ids
    assert comments[wp_id(server, "comment", 40)].post_external_id == wp_id(server, "post", 1100)
    assert comments[wp_id(server, "comment", 58)].by_account_owner is True
    assert comments[wp_id(server, "comment", 57)].by_account_owner is False


def test_failed_post_comment_feed_is_retried_next_run_even_if_posts_are_unchanged(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    server.serve(POST_1190_FEED, b"busy", status=503)
    stored: dict[str, JSONValue] = {}

    def pull_until_failure() -> None:  # what the engine commits before the error
        for batch in connector(server, http).pull(stored):
            stored.update(json.loads(json.dumps(dict(batch.cursor_updates))))

    with pytest.raises(FetchError):
        pull_until_failure()
    server.serve_fixture(POST_1190_FEED, "wp_post_1190_comments.xml")
    batches, _ = run(connector(server, http), stored)
    assert [b.stream for b in batches] == ["posts", "comments", "post_comments"]
    assert comment_ids(batches) == [wp_id(server, "comment", 56)]


def test_missing_post_comment_feed_is_a_warning_not_a_failure(
    server: FeedServer, http: HttpClient
) -> None:
    serve_wordpress(server)
    del server.routes[POST_1190_FEED]
    batches, cursors = run(connector(server, http))
    assert any("HTTP 404" in w for w in batches[-1].warnings)
    batches, _ = run(connector(server, http), cursors)
    assert len(server.hits(POST_1190_FEED)) == 1  # not retried every run


def test_comment_feed_on_another_host_is_never_fetched(
    server: FeedServer, http: HttpClient
) -> None:
    body = (Path(__file__).parent / "fixtures" / "blog" / "wp_posts.xml").read_bytes()
    foreign = b"<wfw:commentRss>http://169.254.169.254/latest/"
    server.serve("/feed/", body.replace(b"<wfw:commentRss>__BASE__/2026/02/27", foreign))
    batches, _ = run(connector(server, http, comments_feed_url=None))
    assert any("another host" in w for w in batches[0].warnings)
    assert http.calls == 2  # posts + the one same-host comment feed


def test_items_without_their_wordpress_id_are_skipped_not_stored_under_a_fallback_key(
    server: FeedServer, http: HttpClient
) -> None:
    posts = (Path(__file__).parent / "fixtures" / "blog" / "wp_posts.xml").read_bytes()
    comments = (Path(__file__).parent / "fixtures" / "blog" / "wp_comments.xml").read_bytes()
    server.serve("/feed/", posts.replace(b'<guid isPermaLink="false">__BASE__/?p=1190</guid>', b""))
    server.serve(
        "/comments/feed/",
        comments.replace(b"<link>__BASE__/2026/03/03/townhall/#comment-57</link>", b"").replace(
            b'<guid isPermaLink="false">__BASE__/?p=1201#comment-57</guid>', b""
        ),
    )
    batches, _ = run(connector(server, http, per_post_comment_feeds=False))
    ids = [p.external_id for b in batches for p in b.posts] + comment_ids(batches)
    assert not [i for i in ids if not i.startswith("wp:")]
    assert wp_id(server, "post", 1201) in ids
    assert wp_id(server, "comment", 58) in ids
    assert any("without its own id" in w for w in batches[0].warnings)
    assert any("without its own id" in w for w in batches[1].warnings)


def test_an_imported_post_with_a_guid_of_its_own_is_kept_beside_wordpress_ids(
    server: FeedServer, http: HttpClient
) -> None:
    posts = (Path(__file__).parent / "fixtures" / "blog" / "wp_posts.xml").read_bytes()
    imported = b'<guid isPermaLink="false">tag:old-blog.example,2019:post-7</guid>'
    server.serve(
        "/feed/", posts.replace(b'<guid isPermaLink="false">__BASE__/?p=1190</guid>', imported)
    )
    batches, _ = run(connector(server, http, comments_feed_url=None, per_post_comment_feeds=False))
    assert "tag:old-blog.example,2019:post-7" in [p.external_id for p in batches[0].posts]
    assert batches[0].warnings == ()


def test_a_feed_naming_another_host_in_its_links_cannot_make_us_fetch_there(
    server: FeedServer, http: HttpClient
) -> None:
    body = (Path(__file__).parent / "fixtures" / "blog" / "wp_posts.xml").read_bytes()
    internal = server.base.replace("127.0.0.1", "localhost").encode()  # same server, other host
    item = body.split(b"<item>")[2].replace(b"__BASE__", internal)  # link, guid and wfw:commentRss
    server.serve("/feed/", body.replace(body.split(b"<item>")[2], item))
    batches, _ = run(connector(server, http, comments_feed_url=None))
    assert any("another host" in w and "localhost" in w for w in batches[0].warnings)
    assert server.hits(POST_1190_FEED) == []
    assert http.calls == 2  # posts + the one comment feed on the configured host


@pytest.mark.parametrize("configured", ["http://www.{host}/feed/", "http://{host}/feed/"])
def test_the_configured_host_with_or_without_www_counts_as_the_blog_s_own(
    configured: str,
) -> None:
    account = BlogAccount(
        platform="blog", name="b", flavor="wordpress", feed_url=configured.format(host="gu.example")
    )
    blog = BlogConnector(account, SyncContext(http=HttpClient(), clock=lambda: NOW))
    assert blog.own_hosts == {"gu.example", "www.gu.example"}


def test_naver_blogs_read_posts_only(server: FeedServer, http: HttpClient) -> None:
    server.serve_fixture("/feed/", "naver_posts.xml")
    batches, _ = run(connector(server, http, flavor="naver"))
    assert [(b.stream, len(b.posts)) for b in batches] == [("posts", 1)]
    assert batches[0].posts[0].external_id == "naver:gu_office_test:224000000010"
    assert http.calls == 1


# ------------------------------------------------------------------ bad feeds


def test_bozo_feed_with_entries_yields_records_and_a_warning(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "bozo_usable.xml")
    batches, _ = run(connector(server, http, comments_feed_url=None))
    assert len(batches[0].posts) == 2
    assert any("not well-formed" in w for w in batches[0].warnings)


def test_korean_feed_served_as_text_xml_without_charset_keeps_hangul(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "wp_posts.xml", content_type="text/xml")
    batches, _ = run(connector(server, http, comments_feed_url=None, per_post_comment_feeds=False))
    assert batches[0].posts[0].title == "3월 주민 소통 간담회 개최 안내"
    assert any("CharacterEncodingOverride" in w for w in batches[0].warnings)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("euc_kr_feed.xml", "application/rss+xml; charset=EUC-KR"),
        ("cp949_labelled_euc_kr.xml", "text/xml"),
    ],
)
def test_euc_kr_feeds_decode_correctly(
    server: FeedServer, http: HttpClient, name: str, content_type: str
) -> None:
    server.serve_fixture("/feed/", name, content_type=content_type)
    batches, _ = run(connector(server, http, flavor="tistory"))
    assert batches[0].posts[0].title in (
        "주민센터 운영 시간 변경 안내",
        "똠방각하 햏 뷁 믜 쌰 이야기",
    )
    assert batches[0].warnings == ()


def test_utf8_feed_with_a_broken_character_is_a_parse_error_not_mojibake(
    server: FeedServer, http: HttpClient
) -> None:
    body = (Path(__file__).parent / "fixtures" / "blog" / "naver_posts.xml").read_bytes()
    title = "구청장과의 대화".encode()
    server.serve("/feed/", body.replace(title, title[:-1]))  # half of the last syllable
    with pytest.raises(ParseError, match="not valid UTF-8") as caught:
        run(connector(server, http, flavor="naver"))
    assert caught.value.status == "parse_error"


def test_euc_kr_feed_with_undecodable_bytes_is_a_parse_error_not_replacement_characters(
    server: FeedServer, http: HttpClient
) -> None:
    body = (Path(__file__).parent / "fixtures" / "blog" / "euc_kr_feed.xml").read_bytes()
    title = "주민센터".encode("cp949")
    server.serve("/feed/", body.replace(title, title[:-1]), content_type="text/xml")
    with pytest.raises(ParseError, match="not valid cp949"):
        run(connector(server, http, flavor="tistory"))


def test_whitespace_before_the_xml_declaration_is_tolerated_without_a_warning(
    server: FeedServer, http: HttpClient
) -> None:
    body = (Path(__file__).parent / "fixtures" / "blog" / "wp_posts.xml").read_bytes()
    server.serve("/feed/", b"\n\n  \t\r\n" + body)
    batches, _ = run(connector(server, http, comments_feed_url=None, per_post_comment_feeds=False))
    assert len(batches[0].posts) == 3
    assert batches[0].warnings == ()


def test_malformed_feed_raises_parse_error(server: FeedServer, http: HttpClient) -> None:
    server.serve_fixture("/feed/", "malformed.xml")
    with pytest.raises(ParseError) as caught:
        run(connector(server, http))
    assert caught.value.status == "parse_error"


def test_billion_laughs_is_refused_quickly_without_expanding(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "billion_laughs.xml")
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ParseError, match="refused"):
            run(connector(server, http))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("name", ["external_entity.xml", "external_dtd.xml"])
def test_external_entities_and_dtds_are_refused_and_never_fetched(
    server: FeedServer, http: HttpClient, name: str
) -> None:
    server.serve_fixture("/feed/", name)
    with pytest.raises(ParseError, match="refused"):
        run(connector(server, http))
    assert [seen.path for seen in server.requests] == ["/feed/"]


def test_body_that_names_a_local_file_is_not_opened(
    server: FeedServer, http: HttpClient, tmp_path: Path
) -> None:
    local = tmp_path / "local.xml"
    local.write_bytes(
        (Path(__file__).parent / "fixtures" / "blog" / "naver_posts.xml").read_bytes()
    )
    server.serve("/feed/", str(local).encode())
    with pytest.raises(ParseError):
        run(connector(server, http))


def test_oversized_feed_is_rejected_by_the_http_cap(server: FeedServer) -> None:
    server.serve("/feed/", b"<rss>" + b" " * 200_000 + b"</rss>")
    session = requests.Session()
    session.trust_env = False
    small = HttpClient(settings=HttpSettings(retries=0, max_body_bytes=64 * 1024), session=session)
    try:
        with pytest.raises(FetchError, match="exceeds cap"):
            run(connector(server, small))
    finally:
        session.close()


# ------------------------------------------------------------------ statuses and redirects


def test_permanent_redirect_moves_the_cursor_to_the_new_address(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "naver_posts.xml", etag='"v1"')
    server.serve("/old-feed/", status=301, location=f"{server.base}/feed/")
    blog = connector(server, http, flavor="naver", feed_url=f"{server.base}/old-feed/")
    batches, cursors = run(blog)
    assert any("moved permanently" in w for w in batches[0].warnings)
    assert cursors["posts"]["url"] == f"{server.base}/feed/"
    run(blog, cursors)
    assert len(server.hits("/old-feed/")) == 1
    assert server.hits("/feed/")[-1].headers["If-None-Match"] == '"v1"'


def test_temporary_redirect_keeps_the_configured_address(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "naver_posts.xml")
    server.serve("/temp-feed/", status=302, location=f"{server.base}/feed/")
    blog = connector(server, http, flavor="naver", feed_url=f"{server.base}/temp-feed/")
    batches, cursors = run(blog)
    assert cursors["posts"]["url"] == f"{server.base}/temp-feed/"
    assert batches[0].warnings == ()


def test_gone_feed_raises_an_error_saying_so(server: FeedServer, http: HttpClient) -> None:
    server.serve("/feed/", b"", status=410)
    with pytest.raises(ConnectorError, match="gone"):
        run(connector(server, http))


def test_missing_feed_raises_fetch_error_with_the_status(
    server: FeedServer, http: HttpClient
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        run(connector(server, http))


def test_redirect_loop_raises_fetch_error_naming_the_feed(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve("/feed/", status=301, location=f"{server.base}/feed/")
    with pytest.raises(FetchError, match="/feed/: too many redirects"):
        run(connector(server, http))


def test_items_without_guid_keep_their_ids_across_three_runs(
    server: FeedServer, http: HttpClient
) -> None:
    server.serve_fixture("/feed/", "no_guid.xml")
    blog = connector(server, http, flavor="tistory")
    runs = [[p.external_id for p in run(blog)[0][0].posts] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert len(set(runs[0])) == 3
