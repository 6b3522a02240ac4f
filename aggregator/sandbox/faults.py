"""Fault injection: make chosen paths misbehave the way real servers and networks do.

A `Fault` applies to requests whose path starts with its `path` prefix (and, optionally,
one method). Each fault fires `times` times and then removes itself, or stays until
removed when `times` is None. Admin paths (`/_sandbox/`) are never faulted.

Kinds:
    status        answer with `status`, `headers` and `body` instead of the real response
                  (503, 429 with Retry-After, 410, 404, ...)
    delay         wait `seconds` before answering normally
    hang          accept the request and never answer (until the sandbox stops)
    reset         drop the connection without answering (TCP reset)
    drip          send the body `chunk` bytes every `seconds`
    malformed     corrupt the body: `mode` truncate, garbage or html (a maintenance page)
    oversized     pad the body to `size` bytes (an XML comment after the root element);
                  `declare_length=False` omits Content-Length (read until close)
    content_type  replace the Content-Type with `content_type`, or drop it when None
    cut           announce the whole body (its Content-Length, or chunked encoding when
                  `declare_length=False`), send only its first half, then close the
                  connection (a server or proxy dying mid-answer)

`after_handling=True` (status and reset only) lets the request reach its handler first, so
a write is applied and then answered with the status or a dropped connection: the case
of a platform that published and never said so.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

MIB = 1024 * 1024
MALFORMED_MODES = ("truncate", "garbage", "html")
GARBAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>\xed\x95'
    b" & broken <item><title>\x00\x01\xff</channel>"
)
MAINTENANCE_PAGE = (
    '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>서비스 점검 안내'
    "</title></head><body><h1>서비스 점검 중입니다</h1><p>잠시 후 다시 이용해 주세요.</p>"
    "</body></html>"
).encode()


class FaultKind(StrEnum):
    """What a fault does; see the module docstring."""

    STATUS = "status"
    DELAY = "delay"
    HANG = "hang"
    RESET = "reset"
    DRIP = "drip"
    MALFORMED = "malformed"
    OVERSIZED = "oversized"
    CONTENT_TYPE = "content_type"
    CUT = "cut"


@dataclass(frozen=True)
class Fault:
    """One way to misbehave on requests under `path`; only the fields of its kind matter."""

    kind: FaultKind
    path: str = "/"
    method: str | None = None
    times: int | None = None
    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    seconds: float = 1.0
    chunk: int = 1
    mode: str = "truncate"
    size: int = 6 * MIB
    declare_length: bool = True
    content_type: str | None = None
    after_handling: bool = False
    id: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if not self.path.startswith("/"):
            raise ValueError(f"fault path must start with '/', got {self.path!r}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be >= 1 or None (permanent), got {self.times}")
        if not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status}")
        if self.seconds < 0 or self.chunk < 1 or self.size < 1:
            raise ValueError("seconds must be >= 0, chunk and size >= 1")
        if self.after_handling and self.kind not in (FaultKind.STATUS, FaultKind.RESET):
            raise ValueError("after_handling applies to status and reset faults only")
        if self.mode not in MALFORMED_MODES:
            raise ValueError(f"mode must be one of {MALFORMED_MODES}, got {self.mode!r}")

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to a request."""
        return path.startswith(self.path) and self.method in (None, method.upper())

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON-ready data (body decoded as UTF-8 with replacement)."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["headers"] = dict(self.headers)
        data["body"] = None if self.body is None else self.body.decode("utf-8", "replace")
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from admin JSON; raise `ValueError` on unknown keys or bad values."""
        known = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)} (known: {sorted(known)})")
        if "kind" not in data:
            raise ValueError(f"a fault needs a kind: one of {[k.value for k in FaultKind]}")
        values = dict(data)
        if isinstance(values.get("body"), str):
            values["body"] = values["body"].encode("utf-8")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from None


class FaultSet:
    """The active faults of one sandbox; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[int, Fault] = {}
        self._left: dict[int, int | None] = {}
        self._next_id = 1

    def add(self, kind: FaultKind | str, path: str = "/", **options: Any) -> Fault:
        """Add a fault of `kind` for paths under `path`; `options` are `Fault` fields.

        Example: `faults.add("status", "/wordpress/", status=429, headers={"Retry-After":
        "120"}, times=2)`.
        """
        return self.add_fault(Fault(FaultKind(kind), path, **options))

    def add_fault(self, fault: Fault) -> Fault:
        """Activate `fault` and return it with its id."""
        with self._lock:
            fault = replace(fault, id=self._next_id)
            self._next_id += 1
            self._faults[fault.id] = fault
            self._left[fault.id] = fault.times
        return fault

    def status(self, path: str, status: int, **options: Any) -> Fault:
        """Answer requests under `path` with `status` (see `Fault` for headers, body, times)."""
        return self.add(FaultKind.STATUS, path, status=status, **options)

    def remove(self, fault_id: int) -> bool:
        """Remove one fault; False if it was not active."""
        with self._lock:
            self._left.pop(fault_id, None)
            return self._faults.pop(fault_id, None) is not None

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()
            self._left.clear()

    def active(self) -> list[Fault]:
        """The active faults, oldest first."""
        with self._lock:
            return list(self._faults.values())

    def take(self, method: str, path: str) -> dict[FaultKind, Fault]:
        """The faults that fire for this request (the oldest of each kind), counting them."""
        fired: dict[FaultKind, Fault] = {}
        with self._lock:
            for fault in list(self._faults.values()):
                if fault.kind in fired or not fault.matches(method, path):
                    continue
                fired[fault.kind] = fault
                left = self._left[fault.id]
                if left is not None:
                    self._left[fault.id] = left - 1
                    if left <= 1:
                        del self._faults[fault.id], self._left[fault.id]
        return fired


def status_body(fault: Fault) -> tuple[bytes, str]:
    """The body and Content-Type a status fault answers with."""
    if fault.body is not None:
        return fault.body, fault.headers.get("Content-Type", "text/html; charset=UTF-8")
    page = f"<html><head><title>{fault.status}</title></head><body><h1>{fault.status}</h1>"
    return (page + "</body></html>").encode(), "text/html; charset=UTF-8"


def corrupt(body: bytes, mode: str) -> bytes:
    """The body as a `malformed` fault sends it."""
    if mode == "truncate":
        return body[: max(1, len(body) // 2)]
    if mode == "garbage":
        return GARBAGE
    return MAINTENANCE_PAGE


def cut_point(body: bytes) -> int:
    """How many bytes of `body` a `cut` fault sends before closing (half, at least one)."""
    return max(1, len(body) // 2)


def pad(body: bytes, size: int) -> bytes:
    """The body padded to `size` bytes with an XML comment after the root element."""
    filler = size - len(body) - len(b"\n<!--  -->\n")
    if filler <= 0:
        return body
    return body + b"\n<!-- " + b"x" * filler + b" -->\n"
