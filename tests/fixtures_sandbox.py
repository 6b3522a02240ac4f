"""Pytest fixtures for the offline platform sandbox (registered through `pytest_plugins`).

    sandbox        a running sandbox: seed 7, 480 comments (120 on the blog), frozen time, port 0
    make_sandbox   a factory for sandboxes with other seeds, volumes or options
    sandbox_http   a `requests.Session` that is closed after the test
    sandbox_client an `HttpClient` (no retries, short timeouts) for connectors under test;
                   `LOOPBACK_HTTP` holds its settings for `SyncOptions(http=...)`

Every sandbox is stopped after the test, also when the test hung a connection on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import Sandbox

SandboxFactory = Callable[..., Sandbox]
SMALL: dict[str, Any] = {"seed": 7, "comments": 480, "speed": 0.0, "port": 0}
LOOPBACK_HTTP = HttpSettings(retries=0, connect_timeout=2, read_timeout=5)
"""HTTP limits for connectors talking to a loopback sandbox in tests."""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A small sandbox with frozen time; move it with `sandbox.advance(minutes)`."""
    with Sandbox(**SMALL) as running:
        yield running


@pytest.fixture
def make_sandbox() -> Iterator[SandboxFactory]:
    """Start sandboxes with custom options (defaults: small, frozen); all stop at teardown."""
    started: list[Sandbox] = []

    def factory(**options: Any) -> Sandbox:
        running = Sandbox(**{**SMALL, **options}).start()
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


@pytest.fixture
def sandbox_http() -> Iterator[requests.Session]:
    """An HTTP session for talking to the sandbox; closed (with its sockets) afterwards."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def sandbox_client() -> Iterator[HttpClient]:
    """An `HttpClient` with `LOOPBACK_HTTP` settings, never routed through a proxy."""
    with requests.Session() as session:
        session.trust_env = False
        yield HttpClient(settings=LOOPBACK_HTTP, session=session)
