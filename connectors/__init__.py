"""Platform connectors: one folder per platform (`connectors/<platform>/`), each mapping
that platform's API or feed to `aggregator.records`; `connectors.registry` lists them.

Only the edges (CLI, scheduler) pick a connector, through `factory_for`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from aggregator.connector import ConnectorFactory


def load(target: str) -> Any:
    """The object a `module:attribute` path names (a spec's `factory` or `writer`)."""
    module_name, _, attr = target.partition(":")
    return getattr(import_module(module_name), attr)


def factory_for(platform: str) -> ConnectorFactory:
    """Return the connector class for `platform`; raise `KeyError` naming the known ones."""
    from connectors.registry import PLATFORMS

    try:
        target = PLATFORMS[platform].factory
    except KeyError:
        known = sorted(PLATFORMS)
        raise KeyError(f"no connector for platform {platform!r} (known: {known})") from None
    factory: ConnectorFactory = load(target)
    return factory
