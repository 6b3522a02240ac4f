"""YouTube Data API parameters as the sandbox checks them, with the API's 400s and 404s.

A missing `part` or required parameter, an unknown part, no filter or a second one, a
value not among the allowed ones and a number out of range are 400s naming the
parameter, as the API answers them.
"""

from __future__ import annotations

from aggregator.sandbox.routing import SandboxRequest
from aggregator.sandbox.youtube_render import GoogleError, bad_parameter


def requested_parts(request: SandboxRequest, known: set[str]) -> set[str]:
    """The `part` values asked for; 400 when missing or naming one not in `known`."""
    raw = required(request, "part")
    parts = {p.strip() for p in raw.split(",") if p.strip()}
    unknown = parts - known
    if unknown:
        raise bad_parameter("part", f"'{sorted(unknown)[0]}'", "unknownPart")
    return parts


def required(request: SandboxRequest, name: str) -> str:
    """A parameter that must be given (400 `required` otherwise)."""
    value = request.param(name)
    if not value:
        raise GoogleError(
            400, "required", f"Required parameter: {name}", "global", name, "parameter"
        )
    return value


def one_filter(filters: dict[str, str], names: str) -> None:
    """Exactly one of the filters `names` lists must be given (400 otherwise)."""
    if len(filters) != 1:
        reason = "missingRequiredParameter" if not filters else "incompatibleParameters"
        raise GoogleError(
            400,
            reason,
            f"Exactly one of these filters must be given: {names}.",
            "youtube.parameter",
        )


def choice(request: SandboxRequest, name: str, allowed: tuple[str, ...], default: str) -> str:
    """One of `allowed` (`default` when not given; 400 for anything else)."""
    value = request.param(name) or default
    if value not in allowed:
        raise bad_parameter(
            name,
            f"Invalid value '{value}'. Values must be one of: {', '.join(allowed)}.",
            "invalidParameter",
        )
    return value


def bounded_int(request: SandboxRequest, name: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high` (`default` when not given; 400 otherwise)."""
    raw = request.param(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_parameter(
            name,
            f"Invalid value '{raw}'. Values must be within the range: [{low}, {high}]",
            "invalidParameter",
        )
    return int(raw)


def comment_not_found(name: str) -> GoogleError:
    """The 404 for a comment the parameter `name` names but that does not exist."""
    return GoogleError(
        404,
        "commentNotFound",
        "One or more of the requested comments could not be found.",
        "youtube.comment",
        name,
        "parameter",
    )
