"""What a platform's sandbox module declares, and how it is found.

Each platform's sandbox module holds one `SANDBOX = SandboxPlatform(...)`: the environment
variables its accounts' `{env: NAME}` secrets name, with the sandbox-only values it
accepts; a function giving its accounts' config entries for a sandbox at a base URL; and
`mount`, which adds its routes to the sandbox's router and returns its world. The module
is the platform's `PlatformSpec.sandbox` (`module:attribute`), by default
`aggregator.sandbox.<platform>:SANDBOX`. `aggregator.sandbox.config_writer` and
`aggregator.sandbox.worlds` walk the registry and ask each, so neither they nor `Sandbox`
name a platform.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aggregator.sandbox.data import DataSet
    from aggregator.sandbox.routing import Router
    from connectors.spec import PlatformSpec

AccountEntries = Callable[[str, int], list[dict[str, Any]]]
"""`(base_url, interval_minutes) -> [account entry, ...]` (base URL without trailing `/`)."""
DEFAULT_MODULE = "aggregator.sandbox.{name}:SANDBOX"


@dataclass(frozen=True)
class SandboxContext:
    """What a platform's routes are mounted with: one sandbox's router, data and clock."""

    router: Router
    data: DataSet
    now: Callable[[], datetime]
    """The sandbox clock (aware UTC)."""
    wordpress_per_post_limit: int | None = 10
    """`Sandbox(wordpress_per_post_limit=...)`: WordPress's per-post comment feed cap."""


Mount = Callable[[SandboxContext], object]
"""Add a platform's routes to `context.router`; return its world (the object tests and
demos drive: data, scripted failures, switches), kept as `sandbox.worlds[name]`."""


@dataclass(frozen=True)
class WriteErrorCase:
    """How a platform refuses one write: the request it answers and the real status,
    error body and headers (`aggregator.sandbox.write_errors.inject`)."""

    path: str
    method: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


WriteErrors = Mapping[tuple[str, str], WriteErrorCase]
"""`(platform, case) -> WriteErrorCase`: a platform's write refusals by name."""


@dataclass(frozen=True)
class SandboxPlatform:
    """A platform's part of the sandbox: its config and its routes.

    Attributes:
        env: variable name -> the sandbox-only value it must hold (opens nothing real).
        accounts: the platform's account entries for a sandbox at a base URL, polled every
            N minutes.
        mount: adds the platform's routes (admin views under `/_sandbox/` included) and
            returns its world; None: the platform serves no routes of its own.
        mount_order: platforms mount in ascending order, in the registry's order within
            one; the router answers with the first route that matches, so a platform
            whose routes catch paths another one serves too (the Graph Page's node
            routes take any numeric id, Instagram's ids included) mounts later.
        write_errors: `module:attribute` of its `WriteErrors` (imported when asked for:
            they live beside its write routes, which import this module); None: it
            takes no answers.
    """

    env: Mapping[str, str]
    accounts: AccountEntries
    mount: Mount | None = None
    mount_order: int = 0
    write_errors: str | None = None


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
