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
applies our connect/read timeouts (tweepy passes none), the run deadline and body-size
cap of `HttpClient`, counts every HTTP attempt in `HttpClient.calls`, and remembers X's
clock (the `Date` header), which decides rate-limit waits and the 7-day search window.

Secrets. tweepy logs request headers, the bearer token among them, at DEBUG, and
oauthlib the user-context keys; `XApi` installs `aggregator.logging_setup`'s
redaction, which cleans every record when it is made.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from aggregator.connector import Clock
from aggregator.http import HttpClient
from aggregator.net_guard import guard_session

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

    def rewrite(self, url: str) -> str:
        """tweepy's hard-coded host replaced by ours (other URLs are left alone)."""
        if url.startswith(TWEEPY_HOST + "/"):
            return self.base + url[len(TWEEPY_HOST) :]
        return url

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send with our host, timeouts, deadline and size cap; the body is read in full."""
        target = self.rewrite(url.decode() if isinstance(url, bytes) else url)
        shown = target.split("?", 1)[0]
        self.http.check_deadline(shown)
        self.http.calls += 1
        kwargs.update(timeout=self.http.timeouts(), stream=True)
        response = super().request(method, target, *args, **kwargs)
        try:
            response._content = self.http.read_body(response, shown)
        finally:
            response.close()
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


def http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as aware UTC; None when absent or malformed."""
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo else None
