"""SSRF guard: requests and redirect hops never reach private or local addresses unless allowed.

Test servers listen on loopback; the allow-list decides whether they may be reached
(the suite's default allows 127.0.0.1 only, see tests/conftest.py).
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.config import ConfigError, parse_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpClient, HttpSettings
from aggregator.net_guard import AddressPolicy, ForbiddenAddress
from aggregator.runner import http_settings, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from connectors.twitter.session import XSession
from tests.tls_server import TlsServer

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


class _Ipv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class Server:
    """A loopback server on `host` answering 200 `body`, or 302 to `redirect_to`."""

    def __init__(
        self, host: str = "127.0.0.1", redirect_to: str | None = None, port: int = 0
    ) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                if redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", "5")
                self.end_headers()
                self.wfile.write(b"hello")

            def log_message(self, *args: Any) -> None:
                pass

        server_class = _Ipv6Server if ":" in host else ThreadingHTTPServer
        self.httpd = server_class((host, port), Handler)
        self.httpd.daemon_threads = True
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.httpd.server_address[1]}"
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def inner() -> Iterator[Server]:
    """A server on 127.0.0.2: a private address the suite's default does not allow."""
    server = Server("127.0.0.2")
    yield server
    server.close()


def client(*allowed: str, connect_timeout: float = 2) -> HttpClient:
    networks = tuple(ipaddress.ip_network(n) for n in allowed)
    settings = HttpSettings(
        retries=0, connect_timeout=connect_timeout, allow_private_networks=networks
    )
    return HttpClient(settings=settings)


def test_a_redirect_to_a_private_address_is_refused_naming_it(inner: Server) -> None:
    outer = Server(redirect_to=f"{inner.url}/latest/meta-data")
    try:
        with pytest.raises(ForbiddenAddress, match=rf"{inner.url}/latest/meta-data.*127\.0\.0\.2"):
            client("127.0.0.1/32").get(f"{outer.url}/feed")
    finally:
        outer.close()
    assert outer.paths == ["/feed"]
    assert inner.paths == []


def test_a_redirect_inside_the_allow_list_is_followed(inner: Server) -> None:
    outer = Server(redirect_to=f"{inner.url}/feed")
    try:
        response = client("127.0.0.0/8").get(f"{outer.url}/feed")
    finally:
        outer.close()
    assert (response.status, response.content) == (200, b"hello")


def test_without_an_allow_list_loopback_is_refused(inner: Server) -> None:
    with pytest.raises(ForbiddenAddress, match="private or local"):
        client().get(f"{inner.url}/feed")
    assert inner.paths == []


def test_a_host_name_resolving_to_loopback_is_refused(inner: Server) -> None:
    with pytest.raises(ForbiddenAddress, match="localhost resolves to"):
        client().get(f"http://localhost:{inner.port}/feed")


def test_the_metadata_address_is_refused_without_connecting() -> None:
    with pytest.raises(ForbiddenAddress, match=r"169\.254\.169\.254"):
        client("127.0.0.0/8", connect_timeout=0.001).get("http://169.254.169.254/latest/")


def test_ipv6_loopback_is_refused_unless_allowed() -> None:
    try:
        server = Server("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        with pytest.raises(ForbiddenAddress, match="::1"):
            client("127.0.0.0/8").get(f"{server.url}/feed")
        assert client("::1/128").get(f"{server.url}/feed").content == b"hello"
    finally:
        server.close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "0.0.0.0", "100.64.0.1", "224.0.0.1", "::1", "::", "fc00::1", "fd12::1",
        "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
    ],
)  # fmt: skip
def test_private_and_local_addresses_are_forbidden(address: str) -> None:
    assert AddressPolicy().problem(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "203.0.114.1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert AddressPolicy().problem(address) is None


def test_an_ipv4_mapped_address_follows_the_ipv4_allow_list() -> None:
    assert AddressPolicy(LOOPBACK).problem("::ffff:127.0.0.1") is None


def test_the_checked_address_is_the_one_connected_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a later lookup would say 127.0.0.2, but the checked answer is used."""
    checked = Server()
    rebound = Server("127.0.0.2", port=checked.port)
    answers = iter(["127.0.0.1"])
    real = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            host = next(answers, "127.0.0.2")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        response = client("127.0.0.1/32").get(f"http://rebind.test:{checked.port}/feed")
    finally:
        checked.close()
        rebound.close()
    assert response.content == b"hello"
    assert (checked.paths, rebound.paths) == (["/feed"], [])


def test_the_x_session_is_guarded_too(inner: Server) -> None:
    session = XSession(client("127.0.0.1/32"), inner.url)
    with session, pytest.raises(ForbiddenAddress, match=r"127\.0\.0\.2"):
        session.request("GET", "https://api.twitter.com/2/users/me")
    assert inner.paths == []


def test_sdk_sends_follow_redirects_only_to_allowed_addresses(inner: Server) -> None:
    outer = Server(redirect_to=f"{inner.url}/v25.0/me")
    try:
        with pytest.raises(ForbiddenAddress, match=r"127\.0\.0\.2"):
            client("127.0.0.1/32").send("GET", f"{outer.url}/v25.0/me")
    finally:
        outer.close()
    assert inner.paths == []


def test_a_sync_redirected_to_a_private_address_fails_naming_it(
    inner: Server, sqlite_url: str
) -> None:
    outer = Server(redirect_to=f"{inner.url}/latest/meta-data/")
    settings = parse_settings(
        "http: {retries: 0}\n"
        f"accounts: [{{name: blog, platform: blog, feed_url: '{outer.url}/rss'}}]\n",
        environ={},
    )
    store = Store(create_db_engine(sqlite_url))
    try:
        [result] = sync_accounts(store, settings, settings.accounts, "manual")
    finally:
        outer.close()
        store.close()
    assert result.status == "failed"
    assert f"refused to fetch {inner.url}/latest/meta-data/" in str(result.error)
    assert inner.paths == []


def test_the_cli_refuses_a_redirect_to_the_metadata_address(tmp_path: Path) -> None:
    """A real `aggregator sync` (production defaults): loopback allowed, metadata IP refused."""
    outer = Server(redirect_to="http://169.254.169.254/latest/meta-data/iam/")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: {tmp_path / 'd.db'}}}\n"
        "http: {retries: 0, connect_timeout_seconds: 0.001,"
        " allow_private_networks: [127.0.0.1/32]}\n"
        f"accounts: [{{name: blog, platform: blog, feed_url: '{outer.url}/rss'}}]\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "aggregator"]
    try:
        subprocess.run([*command, "db", "upgrade", "--config", str(config)], check=True)
        done = subprocess.run(
            [*command, "sync", "--config", str(config)], capture_output=True, text=True
        )
    finally:
        outer.close()
    assert done.returncode == 1
    said = (
        "blog: refused to fetch http://169.254.169.254/latest/meta-data/iam/: "
        "169.254.169.254 is a private or local address not in http.allow_private_networks"
    )
    assert said in (done.stdout + done.stderr).splitlines(), "one line naming the hop"
    assert outer.paths == ["/rss"]


def test_the_sandbox_config_allows_loopback_and_syncs(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = parse_settings(
        sandbox.write_config(tmp_path / "c.yaml").read_text("utf-8"), environ=SANDBOX_ENV
    )
    allowed = http_settings(settings).allow_private_networks
    assert allowed is not None
    assert ipaddress.ip_address("127.0.0.1") in allowed[0]
    http = HttpClient(settings=http_settings(settings))
    assert http.get(sandbox.url("/naver/hanbit_gu.xml")).status == 200


@pytest.mark.parametrize("value", ["[10.0.0.300/8]", "[127.0.0.1/8]", "'10.0.0.0/8'"])
def test_a_bad_allow_list_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match=r"http\.allow_private_networks"):
        parse_settings(f"http: {{allow_private_networks: {value}}}\n")


def test_config_check_rejects_an_account_url_with_a_forbidden_literal_address(
    tmp_path: Path,
) -> None:
    config = {
        "database": {"url": "t.db"},
        "accounts": [
            {"name": "meta", "platform": "blog", "feed_url": "http://169.254.169.254/latest"}
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert "meta" in result.output
    assert "169.254.169.254" in result.output
    config["http"] = {"allow_private_networks": ["169.254.0.0/16"]}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert CliRunner().invoke(app, ["config", "check", str(path)]).exit_code == 0


def test_tls_keeps_the_host_name_for_sni_and_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to the checked address must not verify the certificate against the IP."""
    server = TlsServer(tmp_path, "feeds.test")
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "feeds.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    http = client("127.0.0.1/32")
    http.session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    http.session.verify = str(server.cert)
    try:
        response = http.get(f"https://feeds.test:{server.port}/feed")
    finally:
        server.close()
    assert response.content == b"hello"
    assert server.sni_names == ["feeds.test"]
