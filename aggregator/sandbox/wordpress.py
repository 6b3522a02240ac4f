"""WordPress feeds in the layout of WordPress core's feed templates (6.x).

URL layout (relative to the sandbox base URL; `{site}` is e.g. `news`):

    GET /wordpress/{site}/feed/                          posts, RSS2 (latest 10)
    GET /wordpress/{site}/feed/atom/                     posts, Atom (with <updated>, thr:total)
    GET /wordpress/{site}/comments/feed/                 all comments, RSS2 (latest 10)
    GET /wordpress/{site}/comments/feed/atom/            the same in Atom, with threading
    GET /wordpress/{site}/{yyyy}/{mm}/{dd}/{slug}/feed/       one post's comments, RSS2
    GET /wordpress/{site}/{yyyy}/{mm}/{dd}/{slug}/feed/atom/  the same in Atom

Public links (`link`, `guid`, comment permalinks) use the site's public address
(`https://news.hanbit-gu.example/...`, Korean slugs percent-encoded as WordPress does);
`wfw:commentRss` and the self links point at the sandbox so a connector can follow them.
RSS comment feeds carry no threading; the Atom ones carry `thr:in-reply-to` (RFC 4685):
the parent comment's guid for replies, the post's guid for top-level comments.

Per-post feeds list every comment by default; real WordPress limits them to
`posts_per_rss` (10), which `per_post_limit=10` reproduces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from aggregator.sandbox.clock import KST
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.feeds import cdata, esc, feed_response, html_paragraphs, iso_z, rfc822
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse, text_response

POSTS_PER_RSS = 10
EXCERPT_WORDS = 55
GENERATOR = "https://wordpress.org/?v=6.8.3"
RSS_TYPE = "application/rss+xml; charset=UTF-8"
ATOM_TYPE = "application/atom+xml; charset=UTF-8"
SITE = r"/wordpress/(?P<site>[a-z0-9-]+)"
DATED = SITE + r"/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<slug>[^/]+)"
NS_CONTENT = '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
NS_WFW = '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
NS_COMMON = (
    '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
    '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
    '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
)
NS_SLASH = '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
SY = (
    "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
    "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
)


def slug_of(title: str) -> str:
    """The post slug WordPress makes from a Korean title (percent-encoded, lower-case)."""
    words = re.sub(r"[^\w\s-]", "", title.lower()).split()
    slug = "-".join(words)
    while len(quote(slug, safe="-")) > 200:
        slug = slug[:-1]
    return quote(slug, safe="-").lower()


@dataclass(frozen=True)
class Site:
    """Addresses of one WordPress site: public ones and the sandbox's feed URLs."""

    account: SandboxAccount
    feeds: str
    """`{sandbox base}/wordpress/{site}`."""

    @property
    def home(self) -> str:
        return self.account.url

    def wp_id(self, post: SandboxPost) -> int:
        """The post's WordPress ID (`?p=`); IDs skip numbers as revisions take some."""
        return 1180 + post.seq * 7

    def guid(self, post: SandboxPost) -> str:
        return f"{self.home}/?p={self.wp_id(post)}"

    def path(self, post: SandboxPost) -> str:
        """`2026/11/03/{slug}` in the site's time zone."""
        return f"{post.created_at.astimezone(KST):%Y/%m/%d}/{slug_of(post.title)}"

    def permalink(self, post: SandboxPost) -> str:
        return f"{self.home}/{self.path(post)}/"

    def comments_feed(self, post: SandboxPost, atom: bool = False) -> str:
        """The sandbox URL of the post's comment feed (what `wfw:commentRss` names)."""
        return f"{self.feeds}/{self.path(post)}/feed/" + ("atom/" if atom else "")

    def comment_link(self, comment: SandboxComment, post: SandboxPost) -> str:
        return f"{self.permalink(post)}#comment-{comment.number}"

    def comment_guid(self, comment: SandboxComment, post: SandboxPost) -> str:
        return f"{self.guid(post)}#comment-{comment.number}"


class WordPressFeeds:
    """Handlers for the WordPress feeds of every WordPress account in the data set."""

    def __init__(
        self, data: DataSet, now: Callable[[], datetime], per_post_limit: int | None = None
    ) -> None:
        self.data = data
        self.now = now
        self.per_post_limit = per_post_limit

    def register(self, router: Router) -> None:
        """Add the WordPress routes."""
        router.add("GET", SITE + r"/feed/?", self.posts)
        router.add("GET", SITE + r"/feed/atom/?", self.posts_atom)
        router.add("GET", SITE + r"/comments/feed/?", self.site_comments)
        router.add("GET", SITE + r"/comments/feed/atom/?", self.site_comments)
        router.add("GET", DATED + r"/feed/?", self.post_comments)
        router.add("GET", DATED + r"/feed/atom/?", self.post_comments)

    def _site(self, request: SandboxRequest, match: re.Match[str]) -> Site | None:
        account = self.data.account_by_handle("wordpress", match["site"])
        if account is None:
            return None
        return Site(account, f"{request.base_url}/wordpress/{account.handle}")

    def _latest_posts(self, site: Site) -> tuple[datetime, list[SandboxPost], datetime]:
        """(now, the newest `posts_per_rss` posts, when the newest of them changed)."""
        at = self.now()
        posts = self.data.posts(site.account.key, at)[:POSTS_PER_RSS]
        latest = max((p.updated_at(at) for p in posts), default=self.data.start)
        return at, posts, latest

    def posts(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`/feed/`: the latest posts with comment counts and comment-feed links."""
        site = self._site(request, match)
        if site is None:
            return _not_found()
        at, posts, latest = self._latest_posts(site)
        namespaces = NS_CONTENT + NS_WFW + NS_COMMON + NS_SLASH
        head = _rss_channel(site, site.account.name, f"{site.feeds}/feed/", site.home, latest)
        items = "".join(self._post_item(site, p, at) for p in posts)
        text = _rss_open(namespaces) + head + items + "</channel>\n</rss>\n"
        return feed_response(request, text.encode("utf-8"), RSS_TYPE, latest)

    def posts_atom(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`/feed/atom/`: the latest posts in Atom, with edit times and comment counts."""
        site = self._site(request, match)
        if site is None:
            return _not_found()
        at, posts, latest = self._latest_posts(site)
        head = (
            '<?xml version="1.0" encoding="UTF-8"?><feed\n\txmlns="http://www.w3.org/2005/Atom"\n'
            '\txmlns:thr="http://purl.org/syndication/thread/1.0"\n\txml:lang="ko-KR"\n'
            f'\txml:base="{site.home}/wp-atom.php"\n\t>\n'
            f'\t<title type="text">{esc(site.account.name)}</title>\n'
            f'\t<subtitle type="text">{esc(site.account.description)}</subtitle>\n\n'
            f"\t<updated>{iso_z(latest)}</updated>\n\n"
            f'\t<link rel="alternate" type="text/html" href="{site.home}" />\n'
            f"\t<id>{site.home}/feed/atom/</id>\n"
            f'\t<link rel="self" type="application/atom+xml" href="{site.feeds}/feed/atom/" />\n\n'
        )
        text = head + "".join(self._atom_post(site, p, at) for p in posts) + "</feed>\n"
        return feed_response(request, text.encode("utf-8"), ATOM_TYPE, latest)

    def _atom_post(self, site: Site, post: SandboxPost, at: datetime) -> str:
        title, paragraphs = post.version_at(at)
        count = self.data.comment_count(post.id, at)
        link = site.permalink(post)
        categories = "".join(
            f'\t\t<category scheme="{site.home}" term="{esc(c)}" />\n'
            for c in (post.category, *post.tags)
        )
        replies = (
            f'\t\t<link rel="replies" type="text/html" href="{link}#comments" '
            f'thr:count="{count}"/>\n\t\t<link rel="replies" type="application/atom+xml" '
            f'href="{site.comments_feed(post, atom=True)}" thr:count="{count}"/>\n'
            f"\t\t<thr:total>{count}</thr:total>\n"
        )
        return (
            f"\t<entry>\n\t\t<author>\n\t\t\t<name>{esc(post.author_name)}</name>\n"
            f"\t\t\t<uri>{site.home}</uri>\n\t\t</author>\n\n"
            f'\t\t<title type="html">{cdata(title)}</title>\n'
            f'\t\t<link rel="alternate" type="text/html" href="{link}" />\n\n'
            f"\t\t<id>{site.guid(post)}</id>\n"
            f"\t\t<updated>{iso_z(post.updated_at(at))}</updated>\n"
            f"\t\t<published>{iso_z(post.created_at)}</published>\n{categories}\n"
            f'\t\t<summary type="html">{cdata(_excerpt(paragraphs))}</summary>\n\n'
            f'\t\t<content type="html" xml:base="{link}">'
            f"{cdata(html_paragraphs(paragraphs))}</content>\n\n"
            + (replies if post.comments_open or count else "")
            + "\t</entry>\n"
        )

    def _post_item(self, site: Site, post: SandboxPost, at: datetime) -> str:
        title, paragraphs = post.version_at(at)
        count = self.data.comment_count(post.id, at)
        discussed = post.comments_open or count > 0
        categories = "".join(
            f"\t\t<category>{cdata(c)}</category>\n" for c in (post.category, *post.tags)
        )
        link = site.permalink(post)
        return (
            f"\t<item>\n\t\t<title>{esc(title)}</title>\n\t\t<link>{link}</link>\n"
            + (f"\t\t<comments>{link}#comments</comments>\n" if discussed else "")
            + f"\n\t\t<dc:creator>{cdata(post.author_name)}</dc:creator>\n"
            + f"\t\t<pubDate>{rfc822(post.created_at)}</pubDate>\n{categories}"
            + f'\t\t<guid isPermaLink="false">{site.guid(post)}</guid>\n\n'
            + f"\t\t<description>{cdata(_excerpt(paragraphs))}</description>\n"
            + f"\t\t<content:encoded>{cdata(html_paragraphs(paragraphs))}</content:encoded>\n"
            + (
                f"\t\t<wfw:commentRss>{site.comments_feed(post)}</wfw:commentRss>\n"
                f"\t\t<slash:comments>{count}</slash:comments>\n"
                if discussed
                else ""
            )
            + "\t</item>\n"
        )

    def site_comments(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`/comments/feed/` and `/comments/feed/atom/`: the latest comments on any post."""
        site = self._site(request, match)
        if site is None:
            return _not_found()
        at = self.now()
        comments = self.data.latest_comments(site.account.key, at, POSTS_PER_RSS)
        return self._comments(request, site, comments, at, None)

    def post_comments(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`{permalink}/feed/` and `{permalink}/feed/atom/`: one post's comments, newest first."""
        site = self._site(request, match)
        at = self.now()
        wanted = f"{match['y']}/{match['m']}/{match['d']}/{quote(match['slug'], safe='-').lower()}"
        posts = self.data.posts(site.account.key, at) if site else []
        post = next((p for p in posts if site and site.path(p) == wanted), None)
        if site is None or post is None:
            return _not_found()
        comments = self.data.comments(post.id, at)[::-1][: self.per_post_limit]
        return self._comments(request, site, comments, at, post)

    def _comments(
        self,
        request: SandboxRequest,
        site: Site,
        comments: list[SandboxComment],
        at: datetime,
        post: SandboxPost | None,
    ) -> SandboxResponse:
        fallback = post.updated_at(at) if post else self.data.start
        latest = max((c.updated_at(at) for c in comments), default=fallback)
        if request.path.rstrip("/").endswith("/atom"):
            text = self._atom(request, site, comments, at, post, latest)
            return feed_response(request, text.encode("utf-8"), ATOM_TYPE, latest)
        text = self._rss(request, site, comments, at, post, latest)
        return feed_response(request, text.encode("utf-8"), RSS_TYPE, latest)

    def _rss(
        self,
        request: SandboxRequest,
        site: Site,
        comments: list[SandboxComment],
        at: datetime,
        post: SandboxPost | None,
        latest: datetime,
    ) -> str:
        if post is None:
            title, link = f"Comments for {site.account.name}", site.home
        else:
            title, link = f"Comments on: {post.version_at(at)[0]}", site.permalink(post)
        self_url = request.base_url + request.target.split("?", 1)[0]
        head = _rss_channel(site, title, self_url, link, latest)
        items = "".join(self._rss_item(site, c, at, post is None) for c in comments)
        return _rss_open(NS_CONTENT + NS_COMMON) + head + items + "</channel>\n</rss>\n"

    def _rss_item(self, site: Site, comment: SandboxComment, at: datetime, sitewide: bool) -> str:
        post = self.data.post(comment.post_id)
        text = comment.text_at(at)
        title = _entry_title(post, comment, at, sitewide)
        return (
            f"\t<item>\n\t\t<title>{esc(title)}</title>\n"
            f"\t\t<link>{site.comment_link(comment, post)}</link>\n"
            f"\t\t<dc:creator>{cdata(comment.author_name)}</dc:creator>\n"
            f"\t\t<pubDate>{rfc822(comment.created_at)}</pubDate>\n"
            f'\t\t<guid isPermaLink="false">{site.comment_guid(comment, post)}</guid>\n'
            f"\t\t<description>{cdata(esc(text))}</description>\n"
            f"\t\t<content:encoded>{cdata(html_paragraphs([text]))}</content:encoded>\n"
            "\t</item>\n"
        )

    def _atom(
        self,
        request: SandboxRequest,
        site: Site,
        comments: list[SandboxComment],
        at: datetime,
        post: SandboxPost | None,
        latest: datetime,
    ) -> str:
        self_url = request.base_url + request.target.split("?", 1)[0]
        if post is None:
            title, alternate = f"Comments for {site.account.name}", site.home
        else:
            title = f"Comments on {post.version_at(at)[0]}"
            alternate = site.permalink(post) + "#comments"
        head = (
            '<?xml version="1.0" encoding="UTF-8"?><feed\n\txmlns="http://www.w3.org/2005/Atom"\n'
            '\txml:lang="ko-KR"\n\txmlns:thr="http://purl.org/syndication/thread/1.0"\n\t>\n'
            f'\t<title type="text">{esc(title)}</title>\n'
            f'\t<subtitle type="text">{esc(site.account.description)}</subtitle>\n\n'
            f"\t<updated>{iso_z(latest)}</updated>\n\n"
            f'\t<link rel="alternate" type="text/html" href="{esc(alternate)}" />\n'
            f'\t<link rel="self" type="application/atom+xml" href="{esc(self_url)}" />\n'
            f"\t<id>{esc(self_url)}</id>\n"
        )
        entries = "".join(self._atom_entry(site, c, at, post is None) for c in comments)
        return head + entries + "</feed>\n"

    def _atom_entry(self, site: Site, comment: SandboxComment, at: datetime, sitewide: bool) -> str:
        post = self.data.post(comment.post_id)
        link = site.comment_link(comment, post)
        uri = f"<uri>{esc(comment.author_url)}</uri>" if comment.author_url else ""
        if comment.parent_id is None:
            ref, href = site.guid(post), site.permalink(post)
        else:
            parent = self.data.comment(comment.parent_id)
            ref, href = site.comment_guid(parent, post), site.comment_link(parent, post)
        return (
            f"\t<entry>\n\t\t<title>{esc(_entry_title(post, comment, at, sitewide))}</title>\n"
            f'\t\t<link rel="alternate" href="{link}" type="text/html" />\n\n'
            f"\t\t<author>\n\t\t\t<name>{esc(comment.author_name)}</name>\n\t\t\t{uri}\n"
            f"\t\t</author>\n\n\t\t<id>{site.comment_guid(comment, post)}</id>\n"
            f"\t\t<updated>{iso_z(comment.created_at)}</updated>\n"
            f"\t\t<published>{iso_z(comment.created_at)}</published>\n\n"
            f'\t\t<content type="html" xml:base="{link}">'
            f"{cdata(html_paragraphs([comment.text_at(at)]))}</content>\n\n"
            f'\t\t<thr:in-reply-to ref="{ref}" href="{href}" type="text/html" />\n'
            "\t</entry>\n"
        )


def _excerpt(paragraphs: tuple[str, ...]) -> str:
    """`the_excerpt_rss`: the first 55 words as HTML, then ` [&#8230;]` when cut."""
    words = " ".join(paragraphs).split()
    cut = len(words) > EXCERPT_WORDS
    return esc(" ".join(words[:EXCERPT_WORDS])) + (" [&#8230;]" if cut else "")


def _entry_title(post: SandboxPost, comment: SandboxComment, at: datetime, sitewide: bool) -> str:
    if sitewide:
        return f"Comment on {post.version_at(at)[0]} by {comment.author_name}"
    return f"By: {comment.author_name}"


def _rss_open(namespaces: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n{namespaces}\t>\n'


def _rss_channel(site: Site, title: str, self_url: str, link: str, latest: datetime) -> str:
    """The RSS2 channel head up to the first item."""
    return (
        f"\n<channel>\n\t<title>{esc(title)}</title>\n"
        + f'\t<atom:link href="{esc(self_url)}" rel="self" type="application/rss+xml" />\n'
        + f"\t<link>{esc(link)}</link>\n"
        + f"\t<description>{esc(site.account.description)}</description>\n"
        + f"\t<lastBuildDate>{rfc822(latest)}</lastBuildDate>\n"
        + f"\t<language>ko-KR</language>\n{SY}\t<generator>{GENERATOR}</generator>\n"
    )


def _not_found() -> SandboxResponse:
    return text_response(404, "<h1>페이지를 찾을 수 없습니다</h1>", "text/html")
