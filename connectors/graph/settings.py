"""What the Graph API adapter needs of an account's settings, for every Graph platform.

`GraphSettings` is a protocol, not a base model: each platform's settings model (the
Facebook Page's, an Instagram account's) keeps its own keys and order and only has to
offer these. `graph_owner()` names whose data the token reads, for the messages an
administrator reads when the token or a permission is refused.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import HttpUrl

from aggregator.settings_base import AccountSecret
from connectors.graph.errors import GraphOwner


class GraphSettings(Protocol):
    """The settings `connectors.graph.api.GraphClient` reads with."""

    @property
    def access_token(self) -> AccountSecret:
        """The token every read carries."""
        ...

    @property
    def app_secret(self) -> AccountSecret | None:
        """When set, every call carries `appsecret_proof`."""
        ...

    @property
    def graph_url(self) -> HttpUrl:
        """Where requests go (`https://graph.facebook.com/`, the sandbox in tests)."""
        ...

    @property
    def graph_version(self) -> str:
        """The version prefix of every path (`v25.0`)."""
        ...

    @property
    def page_size(self) -> int:
        """Items per call (`limit`), halved for the run on code 1."""
        ...

    @property
    def max_throttle_wait_seconds(self) -> int:
        """The longest wait for a throttle within a run."""
        ...

    @property
    def slow_down_at_percent(self) -> int:
        """From this usage the run pauses between calls."""
        ...

    def graph_owner(self) -> GraphOwner:
        """Whose data the token reads (for messages)."""
        ...
