"""How fast the sandbox serves a full walk of Instagram and YouTube, run by hand.

    .venv/bin/python bench/sandbox_social_bench.py --comments 20000
    .venv/bin/python bench/sandbox_social_bench.py --comments 200000 --no-record

Starts a frozen sandbox of `--comments` (Instagram gets a quarter as many, YouTube a
fifth), then walks over HTTP, as a backfilling connector would, every comment of:
the Facebook Page (posts, then each post's comments, `filter=stream`, 100 a page: the
baseline, measured in the same run), Instagram (media, then each media's top-level
comments with nested `replies{...}`, 50 a page) and YouTube (uploads playlist, then
each video's threads with `part=snippet,replies`, 100 a page, and `comments.list` for
threads with more than five replies). Prints calls, comments, seconds, comments per
second and its ratio to the Page's, and YouTube's quota units, and appends them to
`bench/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import requests

from aggregator.sandbox import Sandbox
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram_world import IG_USER_ID
from aggregator.sandbox.youtube import API_KEY
from aggregator.sandbox.youtube_world import UPLOADS_ID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import record, table

PAGE = "104392018734562"
Walk = Callable[[Sandbox, requests.Session], tuple[int, int]]


class Counter:
    """Counts the GET calls of one walk."""

    def __init__(self, http: requests.Session) -> None:
        self.http = http
        self.calls = 0

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        self.calls += 1
        response = self.http.get(url, params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def graph_edge(self, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        query: dict[str, Any] | None = params
        while next_url:
            body = self.get(next_url, query)
            items += body["data"]
            next_url, query = body.get("paging", {}).get("next"), None
        return items

    def google_list(self, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            body = self.get(url, {**params, **({"pageToken": token} if token else {})})
            items += body["items"]
            token = body.get("nextPageToken")
            if not token:
                return items


def walk_facebook(sandbox: Sandbox, http: requests.Session) -> tuple[int, int]:
    c = Counter(http)
    base = sandbox.url("/v19.0/")
    posts = c.graph_edge(base + f"{PAGE}/published_posts", {"access_token": PAGE_TOKEN,
                                                             "limit": 100})  # fmt: skip
    total = 0
    for post in posts:
        params = {"access_token": PAGE_TOKEN, "limit": 100, "filter": "stream",
                  "fields": "id,message,created_time,from,parent"}  # fmt: skip
        total += len(c.graph_edge(base + f"{post['id']}/comments", params))
    return c.calls, total


def walk_instagram(sandbox: Sandbox, http: requests.Session) -> tuple[int, int]:
    c = Counter(http)
    base = sandbox.url("/v19.0/")
    media = c.graph_edge(base + f"{IG_USER_ID}/media", {"access_token": PAGE_TOKEN,
                                                         "limit": 100})  # fmt: skip
    fields = ("id,text,timestamp,username,from,like_count,hidden,"
              "replies{id,text,timestamp,username,from,hidden,parent_id}")  # fmt: skip
    total = 0
    for item in media:
        params = {"access_token": PAGE_TOKEN, "limit": 50, "fields": fields}
        for comment in c.graph_edge(base + f"{item['id']}/comments", params):
            total += 1 + len(comment.get("replies", {}).get("data", []))
    return c.calls, total


def walk_youtube(sandbox: Sandbox, http: requests.Session) -> tuple[int, int]:
    c = Counter(http)
    base = sandbox.url("/youtube/v3/")
    uploads = c.google_list(base + "playlistItems", {"key": API_KEY, "part": "contentDetails",
                            "playlistId": UPLOADS_ID, "maxResults": 50})  # fmt: skip
    ids = [u["contentDetails"]["videoId"] for u in uploads]
    stats = c.get(base + "videos", {"key": API_KEY, "part": "statistics", "id": ",".join(ids)})
    total = 0
    for video in stats["items"]:
        if "commentCount" not in video["statistics"]:
            continue  # comments disabled
        params = {"key": API_KEY, "part": "snippet,replies", "videoId": video["id"],
                  "maxResults": 100, "textFormat": "plainText", "prettyPrint": "false"}  # fmt: skip
        for thread in c.google_list(base + "commentThreads", params):
            replies = thread["snippet"]["totalReplyCount"]
            if replies > len(thread.get("replies", {}).get("comments", [])):
                more = {"key": API_KEY, "part": "snippet", "parentId": thread["id"],
                        "maxResults": 100}  # fmt: skip
                replies = len(c.google_list(base + "comments", more))
            total += 1 + replies
    return c.calls, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()
    started = time.perf_counter()
    sandbox = Sandbox(seed=7, comments=args.comments, speed=0).start()
    startup = time.perf_counter() - started
    rows, baseline = [], 0.0
    try:
        with requests.Session() as http:
            http.trust_env = False
            for name, walk in (("facebook", walk_facebook), ("instagram", walk_instagram),
                               ("youtube", walk_youtube)):  # fmt: skip
                begin = time.perf_counter()
                calls, comments = walk(sandbox, http)
                seconds = time.perf_counter() - begin
                rate = comments / seconds if seconds else 0.0
                baseline = baseline or rate
                rows.append([name, calls, f"{comments:,}", f"{seconds:.2f}", f"{rate:,.0f}",
                             f"{rate / baseline:.2f}"])  # fmt: skip
            units = sandbox.youtube.quota.used()
    finally:
        sandbox.stop()
    header = ["walk", "calls", "comments", "seconds", "comments/s", "× Page"]
    body = (f"Sandbox of {args.comments:,} comments started in {startup:.2f} s; YouTube "
            f"walk spent {units} quota units.\n\n" + table(header, rows))  # fmt: skip
    if args.no_record:
        print(body)
    else:
        record("Sandbox: Instagram and YouTube full walk", body,
               command=" ".join(["bench/sandbox_social_bench.py", *sys.argv[1:]]))  # fmt: skip


if __name__ == "__main__":
    main()
