"""What a platform's sandbox module declares for the config writer, and how it is found.

Each platform's sandbox module holds one `SANDBOX = SandboxPlatform(...)`: the environment
variables its accounts' `{env: NAME}` secrets name, with the sandbox-only values it
accepts, and a function giving its accounts' config entries for a sandbox at a base URL.
The module is the platform's `PlatformSpec.sandbox` (`module:attribute`), by default
`aggregator.sandbox.<platform>:SANDBOX`; `aggregator.sandbox.config_writer` walks the
registry and asks each, so it names no platform itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.spec import PlatformSpec

AccountEntries = Callable[[str, int], list[dict[str, Any]]]
"""`(base_url, interval_minutes) -> [account entry, ...]` (base URL without trailing `/`)."""
DEFAULT_MODULE = "aggregator.sandbox.{name}:SANDBOX"


@dataclass(frozen=True)
class SandboxPlatform:
    """A platform's part of the sandbox's config.

    Attributes:
        env: variable name -> the sandbox-only value it must hold (opens nothing real).
        accounts: the platform's account entries for a sandbox at a base URL, polled every
            N minutes.
    """

    env: Mapping[str, str]
    accounts: AccountEntries


def sandbox_of(spec: PlatformSpec) -> SandboxPlatform:
    """The `SandboxPlatform` a registered platform declares; `LookupError` naming the
    platform and where it was looked for when there is none."""
    where = spec.sandbox or DEFAULT_MODULE.format(name=spec.name)
    module_name, _, attribute = where.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise LookupError(
            f"platform {spec.name}: no sandbox module {module_name} (declare "
            f"`{attribute or 'SANDBOX'} = SandboxPlatform(...)` there, or set the spec's sandbox)"
        ) from None
    found = getattr(module, attribute or "SANDBOX", None)
    if not isinstance(found, SandboxPlatform):
        raise LookupError(f"platform {spec.name}: {where} is not a SandboxPlatform")
    return found
