"""The one HTTP client: timeouts, run deadline, size cap, bounded retries (against the sandbox)."""

from __future__ import annotations

import functools
import gzip
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.adapters

from aggregator.connector import DeadlineExceeded, FetchError
from aggregator.http import HttpClient, HttpSettings, IncompleteBody
from aggregator.sandbox import Sandbox

FEED = "/naver/hanbit_gu.xml"


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(
        settings=HttpSettings(read_timeout=1, retries=2, backoff_seconds=0.01, max_body_bytes=2**20)
    )
    yield http
    http.session.close()


def test_server_errors_are_retried_then_succeed(sandbox: Sandbox, client: HttpClient) -> None:
    sandbox.faults.add("status", FEED, status=503, times=2)
    response = client.get(sandbox.url(FEED))
    assert response.status == 200
    assert client.calls == 3


def test_retries_are_bounded(sandbox: Sandbox, client: HttpClient) -> None:
    sandbox.faults.add("status", FEED, status=502)
    with pytest.raises(FetchError, match="HTTP 502"):
        client.get(sandbox.url(FEED))
    assert client.calls == 3


def test_client_errors_are_returned_not_retried(sandbox: Sandbox, client: HttpClient) -> None:
    sandbox.faults.add("status", FEED, status=404)
    assert client.get(sandbox.url(FEED)).status == 404
    assert client.calls == 1


def test_a_hung_server_times_out(sandbox: Sandbox, client: HttpClient) -> None:
    sandbox.faults.add("hang", FEED)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        client.get(sandbox.url(FEED))
    assert time.monotonic() - started < 5


def test_a_dripping_server_hits_the_run_deadline(sandbox: Sandbox, client: HttpClient) -> None:
    sandbox.faults.add("drip", FEED, seconds=0.2, chunk=1)
    client.deadline = time.monotonic() + 1.5
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        client.get(sandbox.url(FEED))
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("declare_length", [True, False])
def test_oversized_bodies_are_refused(
    sandbox: Sandbox, client: HttpClient, declare_length: bool
) -> None:
    sandbox.faults.add("oversized", FEED, size=3 * 2**20, declare_length=declare_length)
    with pytest.raises(FetchError, match="exceeds cap"):
        client.get(sandbox.url(FEED))


def test_refused_connection_is_a_fetch_error(client: HttpClient) -> None:
    with pytest.raises(FetchError, match=r"connection refused by 127\.0\.0\.1:9"):
        client.get("http://127.0.0.1:9/feed")


def test_gzip_bodies_are_decoded(sandbox: Sandbox, client: HttpClient) -> None:
    body = gzip.compress("한빛구청".encode() * 100)
    sandbox.faults.add(
        "status", FEED, status=200, body=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"},
    )  # fmt: skip
    assert client.get(sandbox.url(FEED)).content == "한빛구청".encode() * 100


def test_the_query_string_never_reaches_error_messages(client: HttpClient) -> None:
    with pytest.raises(FetchError) as info:
        client.get("http://127.0.0.1:9/feed?access_token=SECRET")
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_cut_off_mid_way_is_an_incomplete_body_parse_error(
    sandbox: Sandbox, client: HttpClient, chunked: bool
) -> None:
    sandbox.faults.add("cut", FEED, declare_length=not chunked)
    with pytest.raises(IncompleteBody, match="incomplete body") as caught:
        client.get(sandbox.url(FEED))
    assert caught.value.status == "parse_error"


class _LaxAdapter(requests.adapters.HTTPAdapter):
    """urllib3 as 1.x behaves: a short body after Content-Length raises nothing itself."""

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> Any:
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        pool.urlopen = functools.partial(pool.urlopen, enforce_content_length=False)
        return pool


def test_fewer_bytes_than_content_length_is_caught_without_urllib3_s_check(
    sandbox: Sandbox, client: HttpClient
) -> None:
    client.session.mount("http://", _LaxAdapter())
    sandbox.faults.add("cut", FEED)
    with pytest.raises(IncompleteBody, match=r"incomplete body.*\(\d+ of \d+ bytes\)"):
        client.get(sandbox.url(FEED))
