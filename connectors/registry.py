"""Every platform the program knows, in one place: one line per platform.

Adding a platform is its folder `connectors/<platform>/` (with `spec.py`) and one line
below; config validation, the CLI, the web labels, manual entry and the sandbox's config
writer read the list from here.
"""

from __future__ import annotations

from connectors.blog.spec import SPEC as BLOG
from connectors.facebook.spec import SPEC as FACEBOOK
from connectors.instagram.spec import SPEC as INSTAGRAM
from connectors.pinterest.spec import SPEC as PINTEREST
from connectors.spec import PlatformSpec
from connectors.twitter.spec import SPEC as TWITTER
from connectors.youtube.spec import SPEC as YOUTUBE

PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec for spec in (BLOG, FACEBOOK, TWITTER, PINTEREST, INSTAGRAM, YOUTUBE)
}
"""The registered platforms by name, in the order config, CLI and web list them."""

LABELS: dict[str, str] = {name: spec.label for name, spec in PLATFORMS.items()}
"""Platform name -> the Korean word staff read."""


def spec(name: str) -> PlatformSpec:
    """The platform called `name`; raise `KeyError` naming the known ones."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise KeyError(f"no platform {name!r} (known: {sorted(PLATFORMS)})") from None


def label(name: str) -> str:
    """The Korean word for platform `name` (the name itself when it is not registered)."""
    return LABELS.get(name, name)
