"""Pinterest as the rest of the program knows it: posts only, no comments to read or answer."""

from __future__ import annotations

from connectors.pinterest.settings import PinterestAccount
from connectors.spec import PlatformSpec, StreamSpec

SPEC = PlatformSpec(
    name="pinterest",
    label="핀터레스트",
    settings=PinterestAccount,
    factory="connectors.pinterest.connector:PinterestConnector",
    comments_readable=False,
    writes=frozenset(),
    streams=(StreamSpec("posts", ("platform", "external_id"), "created_at", "desc"),),
    writer=None,
)
