"""Platform connectors: each maps one platform's API or feed to `aggregator.records`.

Only the edges (CLI, scheduler) pick a connector, through `factory_for`.
"""

from __future__ import annotations

from importlib import import_module

from aggregator.connector import ConnectorFactory

_FACTORIES = {
    "blog": "connectors.blog.connector:BlogConnector",
    "facebook": "connectors.facebook.connector:FacebookConnector",
    "twitter": "connectors.twitter.connector:TwitterConnector",
    "pinterest": "connectors.pinterest.connector:PinterestConnector",
}


def factory_for(platform: str) -> ConnectorFactory:
    """Return the connector class for `platform`; raise `KeyError` naming the known ones."""
    try:
        target = _FACTORIES[platform]
    except KeyError:
        known = sorted(_FACTORIES)
        raise KeyError(f"no connector for platform {platform!r} (known: {known})") from None
    module_name, _, attr = target.partition(":")
    factory: ConnectorFactory = getattr(import_module(module_name), attr)
    return factory
