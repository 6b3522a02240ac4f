"""`writer_for`: the platform's writer where a write credential is configured, else None."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import Settings, load_settings
from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from connectors.blog.write import WordPressWriter
from connectors.facebook.write import FacebookWriter
from connectors.twitter.write import XWriter
from connectors.writers import can_write, writer_for


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("facebook-page", FacebookWriter),
        ("x-account", XWriter),
        ("wordpress-news", WordPressWriter),
    ],
)
def test_accounts_with_write_credentials_get_their_platforms_writer(
    settings: Settings, sandbox_client: HttpClient, name: str, kind: type
) -> None:
    assert isinstance(writer_for(settings.account(name), sandbox_client), kind)


@pytest.mark.parametrize("name", ["naver-blog", "tistory-blog", "pinterest"])
def test_platforms_without_a_write_api_have_no_writer(
    settings: Settings, sandbox_client: HttpClient, name: str
) -> None:
    found = next(a for a in settings.accounts if a.name.startswith(name))
    assert writer_for(found, sandbox_client) is None


def test_unset_write_variables_mean_copy_and_confirm(
    sandbox: Sandbox, tmp_path: Path, sandbox_client: HttpClient
) -> None:
    read_only = {k: v for k, v in SANDBOX_ENV.items() if "USER_TOKEN" not in k}
    read_only.pop("HANBIT_WORDPRESS_APP_PASSWORD")
    settings = load_settings(sandbox.write_config(tmp_path / "c.yaml"), environ=read_only)
    assert writer_for(settings.account("x-account"), sandbox_client) is None
    assert writer_for(settings.account("wordpress-news"), sandbox_client) is None
    assert settings.secret_problems() == []


def test_a_facebook_account_without_a_write_token_has_no_writer(
    settings: Settings, sandbox_client: HttpClient
) -> None:
    facebook = settings.account("facebook-page").model_copy(update={"write_access_token": None})
    assert writer_for(facebook, sandbox_client) is None


@pytest.mark.parametrize(
    "name", ["facebook-page", "x-account", "wordpress-news", "naver-blog", "tistory-blog"]
)
def test_can_write_says_what_writer_for_gives_without_building_a_writer(
    settings: Settings, sandbox_client: HttpClient, name: str
) -> None:
    account = settings.account(name)
    assert can_write(account) == (writer_for(account, sandbox_client) is not None)


def test_a_removed_account_cannot_write() -> None:
    assert not can_write(None)
