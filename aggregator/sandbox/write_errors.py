"""The platforms' write errors by name, as faults the sandbox answers a write with
(PLATFORMS-WRITE.md §1.5, §2.5, §3.2, §5.5, §6.6, §6.8): the real status, headers and
error body. Each platform declares its own beside its write routes
(`SandboxPlatform.write_errors`); `cases()` gathers those of every registered platform.

Some refusals also happen by themselves where the sandbox's world says so (a deleted
post, X replies restricted by the author, WordPress comments closed, duplicate text);
these faults make every case available on demand, for tests and for demos:

    inject(sandbox.faults, "facebook", "spam")      # the next Graph write: error 368
"""

from __future__ import annotations

import json
from functools import cache

from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.platform import WriteErrorCase, sandbox_of
from connectors import load
from connectors.registry import PLATFORMS

JSON = {"Content-Type": "application/json; charset=UTF-8"}


@cache
def cases() -> dict[tuple[str, str], WriteErrorCase]:
    """Every write error the answers worker must tell apart: `(platform, case)` of every
    registered platform's declared `write_errors`."""
    found: dict[tuple[str, str], WriteErrorCase] = {}
    for spec in PLATFORMS.values():
        declared = sandbox_of(spec).write_errors
        if declared is not None:
            found.update(load(declared))
    return found


def inject(faults: FaultSet, platform: str, case: str, times: int | None = 1) -> Fault:
    """Make the platform's next `times` writes fail as `case` (see `cases`)."""
    known = cases()
    found = known.get((platform, case))
    if found is None:
        names = ", ".join(sorted(f"{p}:{c}" for p, c in known))
        raise KeyError(f"no write error {platform}:{case} (known: {names})")
    body = json.dumps(found.body, ensure_ascii=False).encode()
    return faults.add(
        "status", found.path, method=found.method, times=times, status=found.status,
        headers={**JSON, **found.headers}, body=body,
    )  # fmt: skip
