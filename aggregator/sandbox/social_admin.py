"""Admin views of the Instagram and YouTube worlds (never faulted), for tests and demos.

GET /_sandbox/instagram   media and comments visible now (hidden ones, the account's own)
GET /_sandbox/youtube     videos (comments disabled), comments by moderation status,
                          today's quota use (details at /_sandbox/youtube/quota)
"""

from __future__ import annotations

import re
from collections import Counter

from aggregator.sandbox.admin import json_response
from aggregator.sandbox.instagram import InstagramApi
from aggregator.sandbox.server import ADMIN_PREFIX, Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.youtube import YouTubeApi


def register(router: Router, instagram: InstagramApi, youtube: YouTubeApi) -> None:
    """Add the two admin views."""

    def instagram_state(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        now = instagram.now()
        media = instagram.ig.media(now)
        comments = [c for m in media for c in instagram.ig.comments(m, now)]
        return json_response(200, {
            "now": now.isoformat(),
            "media": len(media),
            "comments_closed": sum(not m.comments_enabled for m in media),
            "comments": len(comments),
            "replies": sum(c.parent_id is not None for c in comments),
            "hidden": sum(c.hidden for c in comments),
            "by_account": sum(c.by_account for c in comments),
        })  # fmt: skip

    def youtube_state(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        now, world = youtube.now(), youtube.world
        videos = world.videos(now)
        comments = [c for v in videos for c in world.comments(v, now)]
        return json_response(200, {
            "now": now.isoformat(),
            "videos": len(videos),
            "comments_disabled": sum(v.comments_disabled for v in videos),
            "comments": len(comments),
            "by_status": dict(Counter(c.status for c in comments)),
            "quota_used_today": youtube.quota.used(),
        })  # fmt: skip

    router.add("GET", ADMIN_PREFIX + "instagram", instagram_state)
    router.add("GET", ADMIN_PREFIX + "youtube", youtube_state)
