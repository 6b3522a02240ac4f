"""An unreachable host is reported with its cause in one line: refused, DNS, timeout, TLS, proxy.

Every cause is produced for real on loopback; the same wording comes from `HttpClient`
(blogs, Pinterest) and from the SDK adapters (Graph API, X).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import HttpUrl
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.config import load_settings
from aggregator.connector import FetchError
from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from connectors.facebook.settings import FacebookAccount
from connectors.graph.api import GraphClient
from connectors.twitter.api import XApi, XCredentials
from tests.tls_server import TlsServer

NOW = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def client(**settings: float) -> HttpClient:
    return HttpClient(settings=HttpSettings(retries=0, **settings))  # type: ignore[arg-type]


def failure(url: str, http: HttpClient | None = None) -> str:
    with pytest.raises(FetchError) as caught:
        (http or client()).get(url)
    return str(caught.value)


def test_a_closed_port_says_connection_refused(closed_port: int) -> None:
    said = failure(f"http://127.0.0.1:{closed_port}/feed")
    assert (
        said
        == f"http://127.0.0.1:{closed_port}/feed: connection refused by 127.0.0.1:{closed_port}"
    )


def test_an_unknown_name_says_dns_lookup_failed() -> None:
    said = failure("http://blog.hanbit.invalid/feed")
    assert said.startswith(
        "http://blog.hanbit.invalid/feed: DNS lookup failed: blog.hanbit.invalid"
    )


def test_a_silent_server_says_timed_out_waiting(silent_port: int) -> None:
    said = failure(f"http://127.0.0.1:{silent_port}/feed", client(read_timeout=0.2))
    assert said.endswith("timed out waiting for an answer (read timeout 0.2s)")


def test_plain_http_on_an_https_url_says_tls_handshake_failed(sandbox: Sandbox) -> None:
    url = sandbox.url("/naver/hanbit_gu.xml").replace("http://", "https://")
    assert "TLS handshake failed: wrong version number" in failure(url)


def test_an_untrusted_certificate_says_certificate_rejected(tmp_path: Path) -> None:
    server = TlsServer(tmp_path, "localhost")
    try:
        said = failure(f"https://127.0.0.1:{server.port}/feed")
    finally:
        server.close()
    assert said.endswith("TLS certificate rejected: self-signed certificate")


def test_an_unreachable_proxy_says_proxy_failed(sandbox: Sandbox, closed_port: int) -> None:
    http = client()
    http.session.proxies = {"http": f"http://127.0.0.1:{closed_port}"}
    said = failure(sandbox.url("/naver/hanbit_gu.xml"), http)
    assert said.endswith(f"proxy failed: connection refused by 127.0.0.1:{closed_port}")


def test_the_graph_adapter_names_the_cause(
    sandbox: Sandbox, tmp_path: Path, closed_port: int
) -> None:
    settings = load_settings(sandbox.write_config(tmp_path / "c.yaml"), environ=SANDBOX_ENV)
    account = settings.account("facebook-page")
    assert isinstance(account, FacebookAccount)
    closed = account.model_copy(update={"graph_url": HttpUrl(f"http://127.0.0.1:{closed_port}")})
    graph = GraphClient(closed, client(), sleep=lambda _: None)
    with pytest.raises(FetchError, match=f"connection refused by 127.0.0.1:{closed_port}"):
        graph.get("me")


def test_the_x_adapter_names_the_cause(closed_port: int) -> None:
    credentials = XCredentials(bearer_token="BEARER")
    api = XApi(credentials, f"http://127.0.0.1:{closed_port}", client(), clock=lambda: NOW)
    with pytest.raises(FetchError, match=f"connection refused by 127.0.0.1:{closed_port}"):
        api.user_by_username("hanbit_gu")


def test_sync_prints_the_cause_in_one_line(tmp_path: Path, closed_port: int) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: {url: t.db}\nhttp: {retries: 0}\naccounts:\n"
        f"  - {{name: blog-a, platform: blog, feed_url: 'http://127.0.0.1:{closed_port}/f'}}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    result = runner.invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 1
    assert f"connection refused by 127.0.0.1:{closed_port}" in result.output
