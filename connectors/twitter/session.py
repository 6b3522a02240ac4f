"""The `requests.Session` tweepy gets from us: our host, limits and clock, no leaked tokens.

Host. `BaseClient.request` builds ``"https://api.twitter.com" + route`` in a local
variable. We replace `client.session` with an `XSession`, a `requests.Session` whose
`request()` swaps that prefix for the configured `api_url` (the sandbox in tests)
*before* the request is prepared. A transport adapter mounted on the session would
rewrite only after preparation, when an OAuth 1.0a signature (user context) has
already been computed over the other host; rewriting first keeps signatures valid and
keeps the choice per client instance (nothing global is patched). Like every session of
`HttpClient`, it is guarded against private and local addresses (`aggregator.net_guard`,
the same allow-list). The same session
sends every request as one `HttpClient.send` (the one path of every adapter: our
connect/read timeouts, which tweepy does not pass, the run deadline, the body-size cap,
`HttpClient.calls`), and remembers X's clock (the `Date` header), which decides the
7-day search window.

Secrets. tweepy logs request headers, the bearer token among them, at DEBUG, and
oauthlib the user-context keys; `XSession.serve` registers the client's credentials with
the one log redaction (`aggregator.redaction`), which cleans every record when it is made.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta
from typing import Any

import requests
import tweepy

from aggregator.connector import Clock
from aggregator.http import HttpClient
from aggregator.http_retry import http_date
from aggregator.net_guard import guard_session

__all__ = ["TWEEPY_HOST", "XSession", "http_date"]

TWEEPY_HOST = "https://api.twitter.com"


class XSession(requests.Session):
    """tweepy's session, pointed at `api_url` and held to the run's HTTP limits."""

    def __init__(self, http: HttpClient, api_url: str) -> None:
        super().__init__()
        self.http = http
        self.base = api_url.rstrip("/")
        self.trust_env, self.proxies = http.session.trust_env, http.session.proxies
        self.verify = http.session.verify
        guard_session(self, http.address_policy)
        self.server_date: datetime | None = None
        self._seen_at = 0.0

    def serve(self, client: tweepy.Client) -> None:
        """Become `client`'s session; tweepy never sleeps; its credentials are redacted.

        tweepy's `wait_on_rate_limit` would `time.sleep` up to 15 minutes on a 429 (and
        retry without end without `x-rate-limit-reset`): it is switched off here, so a
        429 reaches the one policy of `aggregator.http`. tweepy logs the bearer header at
        DEBUG and oauthlib the user-context keys: they join the one log redaction.
        """
        client.session.close()
        client.session = self
        client.wait_on_rate_limit = False
        keys = ("bearer_token", "consumer_key", "consumer_secret", "access_token",
                "access_token_secret")  # fmt: skip
        self.http.protect(str(getattr(client, key, None) or "") for key in keys)

    def rewrite(self, url: str) -> str:
        """tweepy's hard-coded host replaced by ours (other URLs are left alone)."""
        if url.startswith(TWEEPY_HOST + "/"):
            return self.base + url[len(TWEEPY_HOST) :]
        return url

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """One `HttpClient.send` to our host (timeouts, deadline, size cap, call count)."""
        target = self.rewrite(url.decode() if isinstance(url, bytes) else url)
        verb = method.decode() if isinstance(method, bytes) else method
        via = functools.partial(super().request, *args) if args else super().request
        response = self.http.send(verb, target, via=via, **kwargs)
        self._remember_date(response.headers.get("Date"))
        return response

    def _remember_date(self, value: str | None) -> None:
        moment = http_date(value)
        if moment is not None:
            self.server_date, self._seen_at = moment, time.monotonic()

    def server_now(self, fallback: Clock) -> datetime:
        """X's current time from its last `Date` header; `fallback` before any answer."""
        if self.server_date is None:
            return fallback()
        return self.server_date + timedelta(seconds=time.monotonic() - self._seen_at)
