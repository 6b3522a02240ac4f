"""Write credentials on the accounts: kept like read tokens, validated with the key named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.config import ConfigError, parse_settings
from aggregator.config_inspect import redacted_dump
from connectors.blog.settings import BlogAccount
from connectors.facebook.settings import FacebookAccount
from connectors.twitter.settings import TwitterAccount

FACEBOOK = "{name: fb, platform: facebook, page_id: '1', access_token: {env: FB_READ}%s}"
X_BEARER = "{name: x, platform: twitter, username: guchung, bearer_token: {env: X_BEARER}%s}"
X_OAUTH1 = (
    "{name: x, platform: twitter, username: guchung, consumer_key: {env: CK}, "
    "consumer_secret: {env: CS}, access_token: {env: AT}, access_token_secret: {env: ATS}%s}"
)
WORDPRESS = "{name: wp, platform: blog, flavor: %s, feed_url: 'http://127.0.0.1/feed/'%s}"
ENV = {"FB_READ": "r" * 20, "FB_WRITE": "w" * 20, "X_BEARER": "b" * 20, "X_USER": "u" * 20}
ENV |= {"CK": "ck", "CS": "cs", "AT": "at", "ATS": "ats", "WP_PASS": "abcd efgh ijkl mnop"}


def account(text: str, environ: dict[str, str] | None = None) -> object:
    settings = parse_settings(f"accounts: [{text}]", environ=ENV if environ is None else environ)
    return settings.accounts[0]


def problems(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_settings(f"accounts: [{text}]", environ=ENV)
    return str(info.value)


def test_facebook_write_token_is_read_from_its_variable() -> None:
    fb = account(FACEBOOK % ", write_access_token: {env: FB_WRITE}")
    assert isinstance(fb, FacebookAccount)
    assert fb.write_access_token is not None
    assert fb.write_access_token.value == "w" * 20


def test_facebook_write_token_may_be_the_read_token_variable() -> None:
    fb = account(FACEBOOK % ", write_access_token: {env: FB_READ}")
    assert isinstance(fb, FacebookAccount)
    assert fb.write_access_token is not None
    assert fb.write_access_token.value == fb.access_token.value


def test_unset_facebook_write_token_means_no_writer_and_no_problem() -> None:
    settings = parse_settings(
        f"accounts: [{FACEBOOK % ', write_access_token: {env: FB_NOPE}'}]", environ=ENV
    )
    fb = settings.accounts[0]
    assert isinstance(fb, FacebookAccount)
    assert fb.write_access_token is None
    assert settings.secret_problems() == []


def test_write_tokens_are_never_written_into_the_config() -> None:
    message = problems(FACEBOOK % ", write_access_token: EAAB123")
    assert "accounts[0] (fb).write_access_token" in message
    assert "use {env: VARIABLE_NAME}" in message


def test_write_token_is_redacted_when_shown() -> None:
    settings = parse_settings(
        f"accounts: [{FACEBOOK % ', write_access_token: {env: FB_WRITE}'}]", environ=ENV
    )
    shown = str(redacted_dump(settings))
    assert "w" * 20 not in shown
    assert "$FB_WRITE (set, hidden)" in shown


def test_x_oauth2_user_token_for_writes() -> None:
    x = account(X_BEARER % ", write_with: oauth2_user, write_user_token: {env: X_USER}")
    assert isinstance(x, TwitterAccount)
    assert x.write_user_token is not None
    assert x.write_with == "oauth2_user"


def test_x_oauth1_user_context_for_writes() -> None:
    x = account(X_OAUTH1 % ", write_with: oauth1_user")
    assert isinstance(x, TwitterAccount)
    assert x.write_with == "oauth1_user"


def test_x_bearer_only_cannot_write_with_oauth1() -> None:
    message = problems(X_BEARER % ", write_with: oauth1_user")
    assert "accounts[0] (x)" in message
    assert "write_with: oauth1_user needs consumer_key" in message
    assert "bearer_token can never post" in message


def test_x_bearer_only_cannot_write_without_a_user_token() -> None:
    message = problems(X_BEARER % ", write_with: oauth2_user")
    assert "write_with: oauth2_user needs write_user_token" in message
    assert "bearer_token can never post" in message


def test_x_user_token_without_write_with_is_named() -> None:
    message = problems(X_BEARER % ", write_user_token: {env: X_USER}")
    assert "write_user_token: set write_with: oauth2_user" in message


def test_x_reply_price_defaults_to_the_plain_reply_and_can_be_set() -> None:
    x = account(X_BEARER % "")
    assert isinstance(x, TwitterAccount)
    assert x.prices.reply == 0.015
    x = account(X_BEARER % ", prices: {reply: 0.01}")
    assert isinstance(x, TwitterAccount)
    assert x.prices.reply == 0.01


def test_wordpress_application_password() -> None:
    wp = account(
        WORDPRESS % ("wordpress", ", write_username: editor, write_app_password: {env: WP_PASS}")
    )
    assert isinstance(wp, BlogAccount)
    assert wp.write_app_password is not None
    assert wp.write_username == "editor"


@pytest.mark.parametrize("flavor", ["naver", "tistory", "rss"])
def test_write_credentials_only_for_wordpress(flavor: str) -> None:
    message = problems(
        WORDPRESS % (flavor, ", write_username: editor, write_app_password: {env: WP_PASS}")
    )
    assert f"write_username: only WordPress blogs take answers by API (this one is {flavor})" in (
        message
    )


def test_wordpress_password_needs_its_username() -> None:
    message = problems(WORDPRESS % ("wordpress", ", write_app_password: {env: WP_PASS}"))
    assert "write_username and write_app_password go together" in message


def test_config_check_says_the_bearer_token_cannot_post(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"accounts: [{X_BEARER % ', write_with: oauth1_user'}]\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "aggregator", "config", "check", str(config)],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        check=False,
    )
    assert result.returncode == 2
    assert "the app-only bearer_token can never post" in result.stderr + result.stdout


def test_answer_phone_is_the_department_s_or_the_office_s() -> None:
    settings = parse_settings(
        "departments: [주차관리과, 복지정책과]\n"
        "answers: {office_phone: 02-1234-5678, phones: {주차관리과: 02-1234-6000}}",
        environ=ENV,
    )
    assert settings.answers.phone_for("주차관리과") == "02-1234-6000"
    assert settings.answers.phone_for("복지정책과") == "02-1234-5678"
    assert settings.answers.phone_for(None) == "02-1234-5678"


def test_answer_phone_of_an_unknown_department_is_refused_by_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(
            "departments: [주차관리과]\nanswers: {phones: {주차과: 02-1234-6000}}", environ=ENV
        )
    assert "주차과" in str(info.value)
