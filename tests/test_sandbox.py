"""The offline platform sandbox: data, time, conditional GET, faults, blog feeds, config."""

from __future__ import annotations

import html
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
import requests

from aggregator.config import load_settings
from aggregator.sandbox import DEPARTMENTS, DataSet, Sandbox
from aggregator.sandbox.clock import DEFAULT_START, SandboxClock
from aggregator.sandbox.comment_texts import XSS_TEXT
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.models import BLOG_ACCOUNTS, SandboxPost
from aggregator.sandbox.wordpress import Site
from connectors.blog.settings import BlogAccount
from connectors.facebook.settings import FacebookAccount
from connectors.twitter.settings import TwitterAccount
from tests.fixtures_sandbox import SandboxFactory
from tests.samples import recorded

NAVER = "/naver/hanbit_gu.xml"
TISTORY = "/tistory/hanbitgu/rss"
WP = "/wordpress/news"
FEEDS = {
    NAVER: "text/xml;charset=UTF-8",
    TISTORY: "application/rss+xml; charset=euc-kr",
    f"{WP}/feed/": "application/rss+xml; charset=UTF-8",
    f"{WP}/feed/atom/": "application/atom+xml; charset=UTF-8",
    f"{WP}/comments/feed/": "application/rss+xml; charset=UTF-8",
    f"{WP}/comments/feed/atom/": "application/atom+xml; charset=UTF-8",
}
ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
ATOM_TYPE = "application/atom+xml"


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """Every test must leave no sandbox thread running once its fixtures are torn down."""
    yield
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        alive = [t.name for t in threading.enumerate() if t.name.startswith("sandbox-")]
        if not alive:
            return
        time.sleep(0.02)
    pytest.fail(f"sandbox threads left running: {alive}")


def site(sandbox: Sandbox) -> Site:
    return Site(sandbox.data.account("wordpress"), sandbox.url(WP))


def commented_post(sandbox: Sandbox, future: bool = False) -> SandboxPost:
    """A visible WordPress post with comments now (and, if asked, more to come)."""
    now = sandbox.now()
    for post in sandbox.data.posts("wordpress", now):
        count = sandbox.data.comment_count(post.id, now)
        if count > 1 and (not future or sandbox.data.comment_total(post.id) > count):
            return post
    raise AssertionError("the data set has no such post")


def items(body: bytes) -> list[ET.Element]:
    return ET.fromstring(body).findall("channel/item")


def guids(body: bytes) -> list[str]:
    return [item.findtext("guid") or "" for item in items(body)]


# -- data and time ----------------------------------------------------------------------


def test_same_seed_serves_identical_bytes(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    first, second, other = make_sandbox(seed=11), make_sandbox(seed=11), make_sandbox(seed=12)
    host = {"Host": "sandbox.test"}
    for path in FEEDS:
        one = sandbox_http.get(first.url(path), headers=host).content
        assert one == sandbox_http.get(second.url(path), headers=host).content, path
    wp = f"{WP}/comments/feed/"
    assert one != sandbox_http.get(other.url(wp), headers=host).content


def test_data_set_is_deterministic_and_independent_of_global_random() -> None:
    first = list(DataSet(seed=3, comments=200).iter_comments())
    random.seed(999)
    assert first == list(DataSet(seed=3, comments=200).iter_comments())
    assert len(first) == 200


def test_data_set_lays_out_a_million_comments_lazily() -> None:
    data = DataSet(seed=7, comments=1_000_000, accounts=BLOG_ACCOUNTS)
    posts = data.posts("wordpress")
    assert sum(data.comment_total(p.id) for p in posts) == 1_000_000
    busiest = max(posts, key=lambda p: data.comment_total(p.id))
    last = data.comment(busiest.id // 10**8 * 10**8 + 1_000_000)
    assert last.account == "wordpress"


def test_comments_are_varied_korean_with_threads_and_district_answers() -> None:
    comments = list(DataSet(seed=7, comments=400).iter_comments())
    topics = {c.topic for c in comments}
    assert {"parking", "garbage", "question", "spam", "district_reply", "reply"} <= topics
    answers = [c for c in comments if c.by_district and c.parent_id is not None]
    assert answers
    assert all(c.text.startswith("안녕하세요, 한빛구청입니다.") for c in answers)
    assert any(c.parent_id and not c.by_district for c in comments)
    assert all(c.created_at.tzinfo is UTC for c in comments)
    assert 0.05 < sum(c.created_at > DEFAULT_START for c in comments) / len(comments) < 0.5


def test_clock_runs_at_speed_and_advances_on_demand() -> None:
    real = [100.0]
    clock = SandboxClock(DEFAULT_START, speed=60, monotonic=lambda: real[0])
    real[0] += 10
    assert clock.now() == DEFAULT_START + timedelta(minutes=10)
    assert clock.advance(30) == DEFAULT_START + timedelta(minutes=40)
    frozen = SandboxClock(DEFAULT_START, speed=0, monotonic=lambda: real[0])
    real[0] += 1000
    assert frozen.now() == DEFAULT_START
    with pytest.raises(ValueError, match="timezone-aware"):
        SandboxClock(datetime(2026, 11, 20, 9, 0))


def test_advance_makes_new_comments_appear_in_the_post_feed(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    post = commented_post(sandbox, future=True)
    url = site(sandbox).comments_feed(post)
    before = guids(sandbox_http.get(url).content)
    upcoming = next(c for c in sandbox.data.comments(post.id) if c.created_at > sandbox.now())
    sandbox.advance((upcoming.created_at - sandbox.now()).total_seconds() / 60)
    after = guids(sandbox_http.get(url).content)
    assert len(set(after) - set(before)) == 1, "exactly the new comment appeared"
    assert after[0] not in before, "newest first"
    assert after[0].endswith(f"#comment-{upcoming.number}")


def test_advance_makes_scheduled_posts_appear(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    before = guids(sandbox_http.get(sandbox.url(f"{WP}/feed/")).content)
    sandbox.advance(4 * 24 * 60)
    after = guids(sandbox_http.get(sandbox.url(f"{WP}/feed/")).content)
    assert after[0] not in before


# -- conditional GET --------------------------------------------------------------------


@pytest.mark.parametrize(("path", "content_type"), FEEDS.items())
def test_every_feed_has_content_type_and_validators(
    sandbox: Sandbox, sandbox_http: requests.Session, path: str, content_type: str
) -> None:
    response = sandbox_http.get(sandbox.url(path))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["ETag"].startswith('"')
    assert parsedate_to_datetime(response.headers["Last-Modified"]) <= sandbox.now()


def test_matching_etag_gives_304_with_empty_body(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    url = sandbox.url(f"{WP}/comments/feed/atom/")
    etag = sandbox_http.get(url).headers["ETag"]
    again = sandbox_http.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert sandbox.requests.find(f"{WP}/comments/")[-1].header("If-None-Match") == etag


def test_if_modified_since_gives_304_until_a_newer_item_appears(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    url = sandbox.url(f"{WP}/comments/feed/")
    stamp = sandbox_http.get(url).headers["Last-Modified"]
    assert sandbox_http.get(url, headers={"If-Modified-Since": stamp}).status_code == 304
    sandbox.advance(3 * 24 * 60)
    fresh = sandbox_http.get(url, headers={"If-Modified-Since": stamp})
    assert fresh.status_code == 200
    assert parsedate_to_datetime(fresh.headers["Last-Modified"]) > parsedate_to_datetime(stamp)


def test_request_log_keeps_method_path_query_and_headers(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox_http.get(sandbox.url(NAVER) + "?ref=test", headers={"User-Agent": "probe/1"})
    (seen,) = sandbox.requests.find("/naver/")
    assert (seen.method, seen.path, seen.query["ref"]) == ("GET", NAVER, ["test"])
    assert seen.header("user-agent") == "probe/1"
    assert seen.at == sandbox.now()


# -- faults -----------------------------------------------------------------------------


def test_status_fault_fires_its_count_then_removes_itself(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("status", WP, status=429, headers={"Retry-After": "120"}, times=2)
    url = sandbox.url(f"{WP}/feed/")
    answers = [sandbox_http.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "120"
    assert sandbox.faults.active() == []


@pytest.mark.parametrize("status", [503, 410, 404])
def test_permanent_status_fault_stays_until_removed(
    sandbox: Sandbox, sandbox_http: requests.Session, status: int
) -> None:
    fault = sandbox.faults.status("/tistory/", status)
    assert [sandbox_http.get(sandbox.url(TISTORY)).status_code for _ in range(3)] == [status] * 3
    assert sandbox.faults.remove(fault.id)
    assert sandbox_http.get(sandbox.url(TISTORY)).status_code == 200


def test_hang_fault_times_out_the_client_and_stop_stays_prompt(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    hung = make_sandbox()
    hung.faults.add("hang", "/naver/")
    with pytest.raises(requests.ReadTimeout):
        sandbox_http.get(hung.url(NAVER), timeout=(1, 0.3))
    started = time.monotonic()
    hung.stop()
    assert time.monotonic() - started < 2


def test_delay_fault_answers_late(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    sandbox.faults.add("delay", "/naver/", seconds=0.3, times=1)
    started = time.monotonic()
    assert sandbox_http.get(sandbox.url(NAVER)).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_reset_fault_drops_the_connection(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    sandbox.faults.add("reset", "/naver/", times=1)
    with pytest.raises(requests.ConnectionError):
        sandbox_http.get(sandbox.url(NAVER))
    assert sandbox_http.get(sandbox.url(NAVER)).status_code == 200


@pytest.mark.parametrize("mode", ["truncate", "garbage", "html"])
def test_malformed_fault_sends_unparseable_xml(
    sandbox: Sandbox, sandbox_http: requests.Session, mode: str
) -> None:
    sandbox.faults.add("malformed", f"{WP}/feed/", mode=mode)
    response = sandbox_http.get(sandbox.url(f"{WP}/feed/"))
    assert response.status_code == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(response.content)


def test_oversized_fault_declares_its_length(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("oversized", NAVER, size=3 * 1024 * 1024)
    with sandbox_http.get(sandbox.url(NAVER), stream=True) as response:
        assert int(response.headers["Content-Length"]) == 3 * 1024 * 1024


def test_oversized_fault_without_length_is_read_until_close(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("oversized", NAVER, size=2 * 1024 * 1024, declare_length=False)
    with sandbox_http.get(sandbox.url(NAVER), stream=True) as response:
        assert "Content-Length" not in response.headers
        body = response.content
    assert len(body) == 2 * 1024 * 1024
    assert ET.fromstring(body).tag == "rss"


def test_drip_fault_sends_the_body_byte_by_byte(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("drip", NAVER, seconds=0.05)
    started = time.monotonic()
    with sandbox_http.get(sandbox.url(NAVER), stream=True, timeout=(1, 1)) as response:
        first = b"".join(next(response.iter_content(1)) for _ in range(5))
    assert first == b"<?xml"
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("text/html", "text/html")])
def test_content_type_fault_drops_or_replaces_the_header(
    sandbox: Sandbox, sandbox_http: requests.Session, value: str | None, expected: str | None
) -> None:
    sandbox.faults.add("content_type", TISTORY, content_type=value)
    assert sandbox_http.get(sandbox.url(TISTORY)).headers.get("Content-Type") == expected


def test_admin_endpoints_are_never_faulted(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("status", "/", status=500)
    assert sandbox_http.get(sandbox.url(NAVER)).status_code == 500
    assert sandbox_http.get(sandbox.url("/_sandbox/state")).status_code == 200


def test_faults_are_managed_over_http(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    admin = sandbox.url("/_sandbox/faults")
    spec = {"kind": "status", "path": "/tistory/", "status": 503, "times": 1}
    assert sandbox_http.post(admin, json=spec).status_code == 201
    assert [sandbox_http.get(sandbox.url(TISTORY)).status_code for _ in range(2)] == [503, 200]
    assert sandbox_http.post(admin, json={"kind": "explode"}).status_code == 400
    sandbox_http.post(admin, json=[{"kind": "hang", "path": "/naver/"}])
    assert sandbox_http.delete(admin).status_code == 200
    assert sandbox.faults.active() == []


def test_time_advances_over_http(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    before = sandbox.now()
    answer = sandbox_http.post(sandbox.url("/_sandbox/advance"), params={"minutes": 90}).json()
    assert datetime.fromisoformat(answer["now"]) == before + timedelta(minutes=90)
    state = sandbox_http.get(sandbox.url("/_sandbox/state")).json()
    wordpress = state["counts"]["wordpress"]
    assert 0 < wordpress["comments"] < wordpress["comments_total"] == 120


# -- blog feeds -------------------------------------------------------------------------


def test_naver_feed_parses_like_the_sample(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recording = recorded("blogs", "naver_blog_rss_CONSTRUCTED.xml")
    response = sandbox_http.get(sandbox.url(NAVER))
    headers = {k.lower(): v for k, v in response.headers.items()}  # feedparser wants lower case
    ours = feedparser.parse(response.content, response_headers=headers)
    sample = feedparser.parse(
        recording.read_bytes(),
        response_headers={"content-type": "text/xml;charset=UTF-8"},
    )
    assert not ours.bozo
    assert not sample.bozo
    assert ours.feed.generator == sample.feed.generator == "Naver Blog"
    assert len(ours.entries) == 50 < sandbox.data.counts(sandbox.now())["naver"]["posts"]
    assert set(ours.entries[0]) == set(sample.entries[0])
    first = ours.entries[0]
    assert first.link == first.id + "?fromRss=true&trackingCode=rss"
    assert first.id.startswith("https://blog.naver.com/hanbit_gu/224")
    assert first.published.endswith("+0900")


def test_tistory_feed_is_cp949_bytes_declared_euc_kr(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    raw = sandbox_http.get(sandbox.url(TISTORY)).content
    assert raw.startswith(b'<?xml version="1.0" encoding="euc-kr"?>')
    root = ET.fromstring(raw.decode("cp949"))
    assert root.findtext("channel/generator") == "TISTORY"
    titles = [t.text for t in root.iter("title")]
    assert "다문화가족과 함께하는 똠양꿍 요리교실" in titles
    with pytest.raises(UnicodeDecodeError):  # 똠 is outside KS X 1001: strict EUC-KR fails
        raw.decode("euc-kr")


def test_wordpress_comment_feeds_are_followable_and_match_counts(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    feed = items(sandbox_http.get(sandbox.url(f"{WP}/feed/")).content)
    followed = 0
    for item in feed:
        link = item.findtext(f"{WFW}commentRss")
        if link is None:
            continue
        assert link.startswith(sandbox.url(f"{WP}/20"))
        count = int(item.findtext(f"{SLASH}comments") or "-1")
        assert len(items(sandbox_http.get(link).content)) == count
        followed += 1
    assert followed


def test_wordpress_atom_posts_feed_counts_replies_and_links_their_feeds(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    feed = ET.fromstring(sandbox_http.get(sandbox.url(f"{WP}/feed/atom/")).content)
    checked = 0
    for entry in feed.findall(f"{ATOM}entry"):
        total = entry.findtext(f"{THR}total")
        links = [e for e in entry.findall(f"{ATOM}link") if e.get("rel") == "replies"]
        if total is None:
            continue
        atom = next(e.get("href") or "" for e in links if e.get("type") == ATOM_TYPE)
        replies = ET.fromstring(sandbox_http.get(atom).content).findall(f"{ATOM}entry")
        assert len(replies) == int(total)
        checked += 1
    assert checked


def test_comment_edits_show_from_their_time() -> None:
    edited = next(c for c in DataSet(seed=7, comments=400).iter_comments() if c.edits)
    edit = edited.edits[0]
    assert edited.text_at(edit.at - timedelta(seconds=1)) == edited.text
    assert edited.text_at(edit.at) == edit.text != edited.text
    assert edited.updated_at(edit.at) == edit.at


def test_wordpress_atom_comments_carry_threading(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    post = next(
        p
        for p in sandbox.data.posts("wordpress", sandbox.now())
        if any(c.parent_id for c in sandbox.data.comments(p.id, sandbox.now()))
    )
    url = site(sandbox).comments_feed(post, atom=True)
    entries = ET.fromstring(sandbox_http.get(url).content).findall(f"{ATOM}entry")
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    refs = [e.find(f"{THR}in-reply-to").get("ref") for e in entries]  # type: ignore[union-attr]
    post_guid = site(sandbox).guid(post)
    assert post_guid in refs
    assert any(ref != post_guid for ref in refs)
    assert all(ref == post_guid or ref in ids for ref in refs)


def test_wordpress_per_post_limit_reproduces_posts_per_rss(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    limited = make_sandbox(comments=2000, wordpress_per_post_limit=10)
    post = max(
        limited.data.posts("wordpress", limited.now()),
        key=lambda p: limited.data.comment_count(p.id, limited.now()),
    )
    newest = limited.data.comments(post.id, limited.now())[-1]
    found = guids(sandbox_http.get(site(limited).comments_feed(post)).content)
    assert len(found) == 10
    assert found[0].endswith(f"#comment-{newest.number}")


def test_comment_markup_is_escaped_in_wordpress_feeds(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    tricky = next(c for c in sandbox.data.iter_comments("wordpress") if c.text == XSS_TEXT)
    post = sandbox.data.post(tricky.post_id)
    rss = sandbox_http.get(site(sandbox).comments_feed(post)).content
    atom = sandbox_http.get(site(sandbox).comments_feed(post, atom=True)).content
    assert b"<script>" not in rss
    assert b"<script>" not in atom
    descriptions = [item.findtext("description") or "" for item in items(rss)]
    assert XSS_TEXT in [html.unescape(d) for d in descriptions]


def test_unknown_pages_are_404_and_wrong_methods_405(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    assert sandbox_http.get(sandbox.url("/naver/nobody.xml")).status_code == 404
    assert sandbox_http.get(sandbox.url("/nowhere")).status_code == 404
    assert sandbox_http.post(sandbox.url(NAVER)).status_code == 405


# -- config -----------------------------------------------------------------------------


def test_write_config_gives_valid_settings_for_this_sandbox(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    assert settings.database.url == "data/demo.db"
    assert settings.timezone == "Asia/Seoul"
    assert settings.departments == list(DEPARTMENTS)
    assert len(DEPARTMENTS) == 54
    accounts = {a.name: a for a in settings.accounts}
    assert {n: a.flavor for n, a in accounts.items() if isinstance(a, BlogAccount)} == {
        "naver-blog": "naver",
        "wordpress-news": "wordpress",
        "tistory-blog": "tistory",
    }
    assert str(accounts["wordpress-news"].comments_feed_url) == sandbox.url(
        f"{WP}/comments/feed/atom/"
    )
    blogs = [a for a in settings.accounts if isinstance(a, BlogAccount)]
    assert all(str(a.feed_url).startswith(sandbox.base_url) for a in blogs)
    x_account = accounts["x-account"]
    assert isinstance(x_account, TwitterAccount)
    assert str(x_account.api_url).startswith(sandbox.base_url)
    facebook = accounts["facebook-page"]
    assert isinstance(facebook, FacebookAccount)
    assert str(facebook.graph_url) == sandbox.base_url + "/"
    assert facebook.access_token.env == "HANBIT_FACEBOOK_PAGE_TOKEN"
    assert all(a.schedule.interval_minutes == 15 for a in settings.accounts)


def test_write_config_takes_a_database_url(sandbox: Sandbox, tmp_path: Path) -> None:
    path = sandbox.write_config(tmp_path / "c.yaml", database_url="sqlite:///x.db")
    assert load_settings(path, environ=SANDBOX_ENV).database.url == "sqlite:///x.db"


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_cut_fault_announces_the_whole_body_and_sends_half(
    sandbox: Sandbox, sandbox_http: requests.Session, declare_length: bool
) -> None:
    full = sandbox_http.get(sandbox.url(NAVER)).content
    sandbox.faults.add("cut", NAVER, declare_length=declare_length, times=1)
    with sandbox_http.get(sandbox.url(NAVER), stream=True) as response:
        framing = response.headers.get("Content-Length") or response.headers["Transfer-Encoding"]
        assert framing in (str(len(full)), "chunked")
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            response.content  # noqa: B018 - reading is what fails


def test_wordpress_rest_lists_a_posts_comments_in_pages_with_wp_headers(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    post = commented_post(sandbox)
    wp_id = site(sandbox).wp_id(post)
    url = sandbox.url(f"{WP}/wp-json/wp/v2/comments")
    first = sandbox_http.get(url, params={"post": wp_id, "per_page": 1, "order": "asc"})
    total = sandbox.data.comment_count(post.id, sandbox.now())
    assert first.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == (str(total),) * 2
    assert 'rel="next"' in first.headers["Link"]
    assert "page=2" in first.headers["Link"]
    oldest = sandbox.data.comments(post.id)[0]
    [comment] = first.json()
    assert comment["id"] == oldest.number
    assert comment["post"] == wp_id
    assert comment["date_gmt"] == oldest.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    assert comment["link"].endswith(f"#comment-{oldest.number}")
    assert comment["content"]["rendered"].startswith("<p>")
    last = sandbox_http.get(url, params={"post": wp_id, "per_page": 1, "page": total})
    assert 'rel="prev"' in last.headers["Link"]
    assert "next" not in last.headers["Link"]
    beyond = sandbox_http.get(url, params={"post": wp_id, "per_page": 1, "page": total + 1})
    assert beyond.json()["code"] == "rest_comment_invalid_page_number"


def test_wordpress_rest_parent_is_the_threading_of_the_atom_feed(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    replies = [
        c
        for p in sandbox.data.posts("wordpress", sandbox.now())
        for c in sandbox.data.comments(p.id, sandbox.now())
        if c.parent_id
    ]
    reply = replies[0]
    post_id = site(sandbox).wp_id(sandbox.data.post(reply.post_id))
    listed = sandbox_http.get(
        sandbox.url(f"{WP}/wp-json/wp/v2/comments"), params={"post": post_id, "per_page": 100}
    ).json()
    by_id = {c["id"]: c for c in listed}
    assert by_id[reply.number]["parent"] == sandbox.data.comment(reply.parent_id).number


def test_wordpress_rest_switched_off_answers_rest_no_route(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.wordpress_rest.enabled = False
    response = sandbox_http.get(sandbox.url(f"{WP}/wp-json/wp/v2/comments"))
    assert response.status_code == 404
    assert response.json()["code"] == "rest_no_route"
