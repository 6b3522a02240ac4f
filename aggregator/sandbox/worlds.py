"""Every registered platform's sandbox routes, mounted once, and their worlds by name.

`mount_registered` walks `connectors.registry` and mounts each platform's declared
routes (`aggregator.sandbox.platform.SandboxPlatform.mount`) on one router, in their
`mount_order` (the registry's order within one); platforms sharing a declaration mount
once and share its world. `MountedWorlds` gives a `Sandbox` its worlds: `worlds[name]`,
`world(name, kind)` (typed), and, for the platforms registered when routes became
declarations, the attributes tests have always used (`sandbox.graph`, `.x`,
`.pinterest`, `.instagram`, `.youtube`, `.wordpress_rest`). A new platform needs none:
its tests use `sandbox.world("name", ItsApi)`.
"""

from __future__ import annotations

from typing import TypeVar

from aggregator.sandbox.graph import GraphApi
from aggregator.sandbox.instagram import InstagramApi
from aggregator.sandbox.pinterest import PinterestSandbox
from aggregator.sandbox.platform import SandboxContext, sandbox_of
from aggregator.sandbox.twitter import XApiSandbox
from aggregator.sandbox.wordpress_rest import WordPressRest
from aggregator.sandbox.youtube import YouTubeApi
from connectors.registry import PLATFORMS

W = TypeVar("W")


def mount_registered(context: SandboxContext) -> dict[str, object]:
    """Mount every registered platform's routes on `context.router`; return each
    platform's world by name (in the registry's order; none for a platform without
    routes)."""
    declared = [(name, sandbox_of(spec)) for name, spec in PLATFORMS.items()]
    mounted: dict[int, object] = {}
    for _name, platform in sorted(declared, key=lambda item: item[1].mount_order):
        if platform.mount is not None and id(platform) not in mounted:
            mounted[id(platform)] = platform.mount(context)
    return {name: mounted[id(p)] for name, p in declared if id(p) in mounted}


class MountedWorlds:
    """The worlds a sandbox mounted, by platform name, and typed shortcuts to them."""

    worlds: dict[str, object]
    """Platform name -> the world its `mount` returned."""

    def world(self, name: str, kind: type[W]) -> W:
        """Platform `name`'s world as a `kind`; `KeyError` naming the mounted platforms,
        `TypeError` when it is something else."""
        try:
            found = self.worlds[name]
        except KeyError:
            raise KeyError(f"no sandbox world {name!r} (mounted: {sorted(self.worlds)})") from None
        if not isinstance(found, kind):
            raise TypeError(f"sandbox world {name!r} is a {type(found).__name__}, not {kind}")
        return found

    @property
    def wordpress_rest(self) -> WordPressRest:
        """The blogs' WordPress REST switch: `enabled = False` for a site with REST off."""
        return self.world("blog", WordPressRest)

    @property
    def graph(self) -> GraphApi:
        """The Facebook Page's Graph API."""
        return self.world("facebook", GraphApi)

    @property
    def x(self) -> XApiSandbox:
        """X's API v2."""
        return self.world("twitter", XApiSandbox)

    @property
    def pinterest(self) -> PinterestSandbox:
        """Pinterest's API v5 and RSS."""
        return self.world("pinterest", PinterestSandbox)

    @property
    def instagram(self) -> InstagramApi:
        """Instagram on the Graph paths (its Instagram-Login variant: `.instagram_login`)."""
        return self.world("instagram", InstagramApi)

    @property
    def youtube(self) -> YouTubeApi:
        """YouTube's Data API v3, its quota ledger and token endpoint."""
        return self.world("youtube", YouTubeApi)
