"""SSRF guard: no request, and no redirect hop, reaches a private or local address.

Every connection our sessions open resolves its host once, checks every resolved
address against the forbidden networks (loopback, private, link-local with the
169.254.169.254 metadata address, CGNAT, multicast, unspecified, their IPv6
equivalents and IPv4-mapped forms) minus the configured allow-list
(`http.allow_private_networks`), and then connects to the checked address itself, so
a second DNS answer (rebinding) cannot swap it. The `Host` header, TLS SNI and the
certificate check keep the original host name. The check sits in the connection, under
`requests`' redirect handling, so each hop of a redirect chain is checked before any
byte is sent to it.

Through a proxy the proxy resolves names; there the target host is resolved and
checked here as well (best effort: the proxy may resolve it again).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from aggregator.errors import FetchError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

FORBIDDEN_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",  # unspecified
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)


class ForbiddenAddress(FetchError):
    """A request (or redirect hop) would reach a private or local address."""


def is_ip_literal(host: str) -> bool:
    """Whether a URL's host is an IP address written out (`[...]` around IPv6 allowed)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings as networks; `ValueError` names the first one that is not a network."""
    return tuple(_network(value) for value in values)


def _network(value: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(value.strip())
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not a CIDR network like 10.0.0.0/8") from None
    raise ValueError(f"{value!r} has host bits set; write {loose}")


def _unmapped(address: IPAddress) -> IPAddress:
    """`::ffff:127.0.0.1` and friends as the IPv4 address they reach."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in ipaddress.ip_network("64:ff9b::/96"):  # well-known NAT64 prefix
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses requests may reach: all public ones, plus `allowed` networks."""

    allowed: tuple[IPNetwork, ...] = ()

    def problem(self, address: str) -> str | None:
        """What `address` (a literal IP) is when it may not be reached, or None when it may."""
        raw = ipaddress.ip_address(address.split("%", 1)[0])
        checked = _unmapped(raw)
        if any(raw in net or checked in net for net in self.allowed):
            return None
        if any(checked in net for net in FORBIDDEN_NETWORKS):
            return "a private or local address not in http.allow_private_networks"
        return None

    def resolve(self, host: str, port: int) -> list[tuple[Any, ...]]:
        """`getaddrinfo` results for `host`, each checked; `ForbiddenAddress` if any is not allowed.

        Raises:
            socket.gaierror: the name does not resolve.
            ForbiddenAddress: an address of `host` is private or local and not allowed.
        """
        name = host.strip("[]")
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        for *_, sockaddr in infos:
            address = str(sockaddr[0])
            reason = self.problem(address)
            if reason is not None:
                if _same_address(name, address):
                    raise ForbiddenAddress(f"{name} is {reason}")
                raise ForbiddenAddress(f"{name} resolves to {address}, {reason}")
        return infos


def _same_address(host: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(host) == ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False


class _GuardedConnectionMixin:
    """`_new_conn` that connects only to addresses `AddressPolicy.resolve` checked."""

    address_policy: AddressPolicy
    host: str
    _dns_host: str
    port: int
    timeout: float | None
    source_address: tuple[str, int] | None
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            infos = self.address_policy.resolve(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        error: OSError | None = None
        for *_, sockaddr in infos:
            try:
                return connection.create_connection(
                    (str(sockaddr[0]), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                error = exc
        message = f"Failed to establish a new connection: {error}"
        raise NewConnectionError(self, message) from error  # type: ignore[arg-type]


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    """A plain HTTP connection held to an `AddressPolicy`."""

    def __init__(self, *args: Any, address_policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_policy = address_policy


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    """A TLS connection held to an `AddressPolicy` (SNI and certificate use the host name)."""

    def __init__(self, *args: Any, address_policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_policy = address_policy


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class _GuardedPoolManager(PoolManager):
    """A pool manager whose pools make connections held to `policy`."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.conn_kw["address_policy"] = self.policy
        return pool


class GuardedAdapter(HTTPAdapter):
    """A `requests` adapter whose every connection (and redirect hop) is address-checked."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """As `HTTPAdapter.init_poolmanager`, with a pool manager of guarded connections."""
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _GuardedPoolManager(
            self.policy, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send `request`; a forbidden address ends it with the URL of this hop named."""
        url = request.url or ""
        try:
            if self._proxied(url, kwargs.get("proxies")):
                self._check_proxied_target(url)
            return super().send(request, *args, **kwargs)
        except ForbiddenAddress as exc:
            raise ForbiddenAddress(f"refused to fetch {url.split('?', 1)[0]}: {exc}") from None

    def _check_proxied_target(self, url: str) -> None:
        parts = urlsplit(url)
        with contextlib.suppress(socket.gaierror):  # the proxy may know names we do not
            self.policy.resolve(parts.hostname or "", parts.port or 443)

    @staticmethod
    def _proxied(url: str, proxies: Mapping[str, str] | None) -> bool:
        return bool(proxies) and requests.utils.select_proxy(url, dict(proxies or {})) is not None


def guard_session(session: requests.Session, policy: AddressPolicy) -> None:
    """Mount a `GuardedAdapter` for http:// and https:// on `session`."""
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
