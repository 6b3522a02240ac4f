"""Where a login lands: the dashboard, or the on-site page the visitor asked for
(`next`), never another site."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from aggregator.web.landing import landing, safe_next
from tests.fixtures_web import PASSWORD, Web, login


def _login_from(web: Web, start: str, password: str = PASSWORD) -> tuple[object, str]:
    """Visit `start` anonymously, follow to the login form, log in: (response, form)."""
    client = web.client()
    sent = client.get(start, follow_redirects=False)
    assert sent.status_code == 303
    form = client.get(sent.headers["location"]).text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    carried = re.search(r'name="next" value="([^"]+)"', form)
    assert token
    data = {"username": "comm1", "password": password, "login_token": token.group(1)}
    if carried:
        data["next"] = carried.group(1).replace("&amp;", "&")
    return client.post("/login", data=data, follow_redirects=False), form


def test_login_lands_on_the_dashboard(sqlite_web: Web) -> None:
    response, form = _login_from(sqlite_web, "/")
    assert 'name="next"' not in form
    assert (response.status_code, response.headers["location"]) == (303, "/")


def test_the_login_page_itself_lands_on_the_dashboard(sqlite_web: Web) -> None:
    assert login(sqlite_web.client(), "dept1").headers["location"] == "/"


def test_a_deep_link_survives_the_login(sqlite_web: Web) -> None:
    wanted = f"/comments/{sqlite_web.ids['c2']}"
    anonymous = sqlite_web.client()
    sent = anonymous.get(wanted, follow_redirects=False).headers["location"]
    assert parse_qs(urlsplit(sent).query) == {"next": [wanted]}
    response, _form = _login_from(sqlite_web, wanted)
    assert response.headers["location"] == wanted


def test_a_filtered_list_link_keeps_its_filters_through_the_login(sqlite_web: Web) -> None:
    response, _form = _login_from(sqlite_web, "/inbox?status=신규&q=주차")
    assert urlsplit(response.headers["location"]).path == "/inbox"
    assert parse_qs(urlsplit(response.headers["location"]).query) == {
        "status": ["신규"],
        "q": ["주차"],
    }


def test_a_failed_login_keeps_the_deep_link_for_the_next_try(sqlite_web: Web) -> None:
    wanted = f"/comments/{sqlite_web.ids['c2']}"
    response, _form = _login_from(sqlite_web, wanted, password="wrong-password")
    assert response.status_code == 401
    assert f'name="next" value="{wanted}"' in response.text


@pytest.mark.parametrize(
    "forged",
    [
        "https://evil.example/",
        "//evil.example/inbox",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/login",
        "/logout",
        "/inbox\r\nSet-Cookie: x=1",
        "inbox",
        "/" + "a" * 3000,
    ],
)
def test_an_off_site_or_odd_next_lands_on_the_dashboard(sqlite_web: Web, forged: str) -> None:
    client = sqlite_web.client()
    page = client.get("/login", params={"next": forged})
    assert 'name="next"' not in page.text
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    data = {"username": "comm1", "password": PASSWORD, "login_token": token.group(1)}
    response = client.post("/login", data={**data, "next": forged}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/")


def test_safe_next_accepts_site_paths_only() -> None:
    assert safe_next("/comments/5?list=status%3D%EC%8B%A0%EA%B7%9C") is not None
    assert landing("/inbox?page=2") == "/inbox?page=2"
    assert landing(None) == "/"
    assert landing("") == "/"
    assert landing("//evil.example") == "/"
