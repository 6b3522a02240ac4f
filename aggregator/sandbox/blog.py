"""Blog feeds of the sandbox: Naver Blog RSS, Tistory RSS (EUC-KR) and WordPress feeds.

URL layout (relative to the sandbox base URL):

    GET /naver/{blogId}.xml                 Naver Blog RSS: latest 50 posts, no comments
    GET /tistory/{blog}/rss                 Tistory RSS in EUC-KR (CP949 bytes), posts only
    GET /wordpress/{site}/...               WordPress feeds, see `wordpress.py`
    GET /wordpress/{site}/wp-json/wp/v2/comments   WordPress REST comments, `wordpress_rest.py`
    POST /wordpress/{site}/wp-json/wp/v2/comments  WordPress REST writes, `wordpress_write.py`

Links inside the feeds are the real-looking public addresses staff would open
(`https://blog.naver.com/{blogId}/{logNo}`, `https://{blog}.tistory.com/{n}`); only the
feed URLs point at the sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aggregator.sandbox.clock import KST
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.feeds import cdata, esc, feed_response, html_paragraphs, rfc822
from aggregator.sandbox.models import BLOG_ACCOUNTS, SandboxAccount, SandboxPost
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import SandboxRequest, SandboxResponse, text_response
from aggregator.sandbox.wordpress import WordPressFeeds
from aggregator.sandbox.wordpress_auth import APP_PASSWORD, APP_PASSWORD_ENV, EDITOR_USER
from aggregator.sandbox.wordpress_rest import WordPressRest
from aggregator.sandbox.wordpress_write import WordPressWrites

NAVER_ITEMS = 50
NAVER_EXCERPT_CHARS = 100
NAVER_LOG_NO_BASE = 224_063_000_000
NAVER_CONTENT_TYPE = "text/xml;charset=UTF-8"
TISTORY_ITEMS = 10
TISTORY_CONTENT_TYPE = "application/rss+xml; charset=euc-kr"
TISTORY_FIRST_ENTRY = 100


def mount(sandbox: SandboxContext) -> WordPressRest:
    """Add the Naver, Tistory and WordPress routes; return the WordPress REST switch."""
    router, data, now = sandbox.router, sandbox.data, sandbox.now
    blogs = BlogFeeds(data, now)
    router.add("GET", r"/naver/(?P<blog>[A-Za-z0-9_-]+)\.xml", blogs.naver)
    router.add("GET", r"/tistory/(?P<blog>[A-Za-z0-9_-]+)/rss", blogs.tistory)
    WordPressFeeds(data, now, sandbox.wordpress_per_post_limit).register(router)
    rest = WordPressRest(data, now)
    WordPressWrites(data, now, rest).register(router)  # before the REST catch-all route
    rest.register(router)
    return rest


def account_configs(base_url: str, interval_minutes: int) -> list[dict[str, Any]]:
    """The blog accounts of a config pointing at this sandbox: the Naver blog, the
    WordPress site (per-post comment feeds, and answers as the editor) and the Tistory
    blog."""
    naver, wordpress, tistory = (
        next(a for a in BLOG_ACCOUNTS if a.flavor == flavor)
        for flavor in ("naver", "wordpress", "tistory")
    )
    base = base_url.rstrip("/")
    site = f"{base}/wordpress/{wordpress.handle}"

    def entry(name: str, account: SandboxAccount, feed_url: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "display_name": account.name,
            "platform": "blog",
            "flavor": account.flavor,
            "feed_url": feed_url,
            **extra,
            "schedule": {"interval_minutes": interval_minutes},
        }

    return [
        entry("naver-blog", naver, f"{base}/naver/{naver.handle}.xml"),
        entry(
            "wordpress-news",
            wordpress,
            f"{site}/feed/",
            comments_feed_url=f"{site}/comments/feed/atom/",
            per_post_comment_feeds=True,
            write_username=EDITOR_USER,
            write_app_password={"env": APP_PASSWORD_ENV},
        ),
        entry("tistory-blog", tistory, f"{base}/tistory/{tistory.handle}/rss"),
    ]


SANDBOX = SandboxPlatform(
    {APP_PASSWORD_ENV: APP_PASSWORD},
    account_configs,
    mount,
    write_errors="aggregator.sandbox.wordpress_write:WRITE_ERRORS",
)
"""The blogs' part of the sandbox: the WordPress editor's Application Password, the
accounts and the feeds' and WordPress REST's routes."""


def naver_log_no(post: SandboxPost) -> int:
    """The post's Naver `logNo` (12 digits, increasing with time)."""
    return NAVER_LOG_NO_BASE + post.seq * 2_718_281


def naver_url(account: SandboxAccount, post: SandboxPost) -> str:
    """`https://blog.naver.com/{blogId}/{logNo}`: the post's public address and guid."""
    return f"https://blog.naver.com/{account.handle}/{naver_log_no(post)}"


def tistory_url(account: SandboxAccount, post: SandboxPost) -> str:
    """`https://{blog}.tistory.com/{n}`: the post's public address and guid."""
    return f"https://{account.handle}.tistory.com/{TISTORY_FIRST_ENTRY + post.seq}"


def plain_excerpt(paragraphs: tuple[str, ...], limit: int) -> tuple[str, bool]:
    """The first `limit` characters of the text on one line, and whether it was cut."""
    text = " ".join(line.strip() for p in paragraphs for line in p.split("\n"))
    return (text[:limit].rstrip(), True) if len(text) > limit else (text, False)


class BlogFeeds:
    """Naver and Tistory feed handlers over the data set at the sandbox's current time."""

    def __init__(self, data: DataSet, now: Callable[[], datetime]) -> None:
        self.data = data
        self.now = now

    def naver(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /naver/{blogId}.xml`."""
        account = self.data.account_by_handle("naver", match["blog"])
        if account is None:
            return text_response(404, "존재하지 않는 블로그입니다.", "text/html")
        at = self.now()
        posts = self.data.posts(account.key, at)[:NAVER_ITEMS]
        latest = max((p.updated_at(at) for p in posts), default=self.data.start)
        body = render_naver(account, posts, at, latest).encode("utf-8")
        return feed_response(request, body, NAVER_CONTENT_TYPE, latest)

    def tistory(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /tistory/{blog}/rss`, encoded as Korean public-sector sites still do."""
        account = self.data.account_by_handle("tistory", match["blog"])
        if account is None:
            return text_response(404, "존재하지 않는 블로그입니다.", "text/html")
        at = self.now()
        posts = self.data.posts(account.key, at)[:TISTORY_ITEMS]
        latest = max((p.updated_at(at) for p in posts), default=self.data.start)
        text = render_tistory(account, posts, at, latest)
        body = text.encode("cp949", errors="xmlcharrefreplace")
        return feed_response(request, body, TISTORY_CONTENT_TYPE, latest)


def render_naver(
    account: SandboxAccount, posts: list[SandboxPost], at: datetime, latest: datetime
) -> str:
    """The feed in the layout of `rss.blog.naver.com/{blogId}.xml`."""
    home = f"https://blog.naver.com/{account.handle}"
    head = f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
\txmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:taxo="http://purl.org/rss/1.0/modules/taxonomy/"
\txmlns:activity="http://activitystrea.ms/spec/1.0/" >
<channel>
\t<title>{cdata(account.name)}</title>
\t<link>{home}</link>
\t<image>
\t\t<url>{cdata(f"https://blogpfthumb-phinf.pstatic.net/{account.handle}/profile.png")}</url>
\t\t<title>{cdata(account.name)}</title>
\t\t<link>{home}</link>
\t</image>
\t<description>{cdata(account.description)}</description>
\t<language>ko</language>
\t<generator>Naver Blog</generator>
\t<pubDate>{rfc822(latest, KST)}</pubDate>
"""
    items = "".join(_naver_item(account, post, at) for post in posts)
    return head + items + "</channel>\n</rss>\n"


def _naver_item(account: SandboxAccount, post: SandboxPost, at: datetime) -> str:
    title, paragraphs = post.version_at(at)
    url = naver_url(account, post)
    excerpt, cut = plain_excerpt(paragraphs, NAVER_EXCERPT_CHARS)
    if post.seq % 3 == 0:
        image = f"https://blogthumb.pstatic.net/MjAyNjEx/{naver_log_no(post)}/img1.jpg?type=w2"
        description = f'<p>{esc(excerpt)} ...</p><img src="{image}" />'
    else:
        description = esc(excerpt) + ("....." if cut else "")
    tags = ",".join(post.tags) if post.seq % 4 else ""
    return f"""\t<item>
\t\t<author>{esc(account.handle)}</author>
\t\t<category>{cdata(post.category)}</category>
\t\t<title>{cdata(title)}</title>
\t\t<link>{url}?fromRss=true&amp;trackingCode=rss</link>
\t\t<guid>{url}</guid>
\t\t<description>{cdata(description)}</description>
\t\t<pubDate>{rfc822(post.created_at, KST)}</pubDate>
\t\t<tag>{cdata(tags)}</tag>
\t\t<activity:verb>http://activitystrea.ms/schema/1.0/post</activity:verb>
\t\t<activity:object-type>http://activitystrea.ms/schema/1.0/blog-entry</activity:object-type>
\t</item>
"""


def render_tistory(
    account: SandboxAccount, posts: list[SandboxPost], at: datetime, latest: datetime
) -> str:
    """The feed in the layout of `{blog}.tistory.com/rss` (no CDATA, so it survives EUC-KR)."""
    home = f"https://{account.handle}.tistory.com"
    head = f"""<?xml version="1.0" encoding="euc-kr"?>
<rss version="2.0">
  <channel>
    <title>{esc(account.name)}</title>
    <link>{home}/</link>
    <description>{esc(account.description)}</description>
    <language>ko</language>
    <pubDate>{rfc822(latest, KST)}</pubDate>
    <generator>TISTORY</generator>
    <ttl>100</ttl>
    <managingEditor>{esc(account.staff_name)}</managingEditor>
    <image>
      <title>{esc(account.name)}</title>
      <url>https://tistory1.daumcdn.net/tistory/4810233/attach/profile.png</url>
      <link>{home}</link>
    </image>
"""
    items = "".join(_tistory_item(account, post, at) for post in posts)
    return head + items + "  </channel>\n</rss>\n"


def _tistory_item(account: SandboxAccount, post: SandboxPost, at: datetime) -> str:
    title, paragraphs = post.version_at(at)
    url = tistory_url(account, post)
    entry = TISTORY_FIRST_ENTRY + post.seq
    return f"""    <item>
      <title>{esc(title)}</title>
      <link>{url}</link>
      <description>{esc(html_paragraphs(paragraphs))}</description>
      <category>{esc(post.category)}</category>
      <author>{esc(post.author_name)}</author>
      <guid isPermaLink="true">{url}</guid>
      <comments>{url}#entry{entry}comment</comments>
      <pubDate>{rfc822(post.created_at, KST)}</pubDate>
    </item>
"""
