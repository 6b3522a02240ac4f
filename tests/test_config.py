"""Config validation: clear messages naming the key, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import ConfigError, load_settings, parse_settings
from aggregator.config_inspect import redacted_dump

BLOG = "{name: blog-a, platform: blog, feed_url: 'http://127.0.0.1:8800/naver/x.xml'}"


def problems(text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, environ=environ or {})
    return str(info.value)


def test_minimal_config_gets_defaults() -> None:
    settings = parse_settings(f"accounts: [{BLOG}]", environ={})
    assert settings.timezone == "Asia/Seoul"
    assert settings.accounts[0].schedule.interval_minutes == 30
    assert settings.http.connect_timeout_seconds == 10


def test_unknown_key_is_named() -> None:
    message = problems(f"accounts: [{BLOG}]\nsnyc: {{}}")
    assert "snyc: unknown key" in message


def test_unknown_key_in_an_account_names_the_account() -> None:
    text = "accounts: [{name: blog-a, platform: blog, feed_url: 'http://x.example/', feedurl: 1}]"
    assert "accounts[0] (blog-a).feedurl: unknown key" in problems(text)


def test_wrong_type_is_named() -> None:
    assert "http.read_timeout_seconds" in problems("http: {read_timeout_seconds: soon}")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "ftp://x.example/feed"])
def test_feed_urls_must_be_http(url: str) -> None:
    message = problems(f"accounts: [{{name: b, platform: blog, feed_url: '{url}'}}]")
    assert "accounts[0] (b).feed_url" in message


def test_duplicate_account_names_are_rejected() -> None:
    assert "duplicate account name 'blog-a'" in problems(f"accounts: [{BLOG}, {BLOG}]")


def test_unknown_platform_is_named() -> None:
    message = problems("accounts: [{name: x, platform: myspace}]")
    assert "accounts[0] (x): unknown platform" in message


def test_schedule_needs_exactly_one_of_interval_or_cron() -> None:
    text = "accounts: [{name: b, platform: blog, feed_url: 'http://x.example/', schedule: {}}]"
    assert "exactly one of interval_minutes or cron" in problems(text)


def test_bad_yaml_is_reported() -> None:
    assert "not valid YAML" in problems("accounts: [")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("database: {url: data/x.db}\n", encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.database_url(environ={}) == f"sqlite:///{tmp_path / 'data' / 'x.db'}"


def test_environment_overrides_the_database() -> None:
    settings = parse_settings("database: {url: data/x.db}", environ={})
    url = settings.database_url(environ={"AGGREGATOR_DATABASE_URL": "postgresql://u@h/db"})
    assert url == "postgresql+psycopg://u@h/db"


def test_shipped_config_yaml_is_valid() -> None:
    settings = load_settings(Path(__file__).resolve().parents[1] / "config.yaml", environ={})
    assert len(settings.departments) == 54
    assert settings.accounts


def test_redacted_dump_never_contains_secret_values() -> None:
    from aggregator.config import Secret

    secret = Secret.model_validate(
        {"env": "TOKEN"}, context={"environ": {"TOKEN": "s3cr3t-value-1234"}}
    )
    assert secret.value == "s3cr3t-value-1234"
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in str(secret)
    settings = parse_settings(f"accounts: [{BLOG}]", environ={})
    assert "s3cr3t" not in str(redacted_dump(settings))


def test_secret_written_inline_is_rejected() -> None:
    from pydantic import ValidationError

    from aggregator.config import Secret

    with pytest.raises(ValidationError, match="use \\{env: VARIABLE_NAME\\}"):
        Secret.model_validate("EAAB-inline-token")


def test_missing_secret_variable_is_named() -> None:
    from pydantic import ValidationError

    from aggregator.config import Secret

    with pytest.raises(ValidationError, match="environment variable FB_TOKEN is not set"):
        Secret.model_validate({"env": "FB_TOKEN"}, context={"environ": {}})


def test_an_x_account_with_the_whole_user_context_needs_no_bearer_token() -> None:
    keys = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    fields = ", ".join(f"{key}: {{env: X_{key.upper()}}}" for key in keys)
    text = (
        "accounts:\n  - {name: x, platform: twitter, username: hanbit, "
        f"bearer_token: {{env: X_BEARER}}, {fields}}}\n"
    )
    user_context = {f"X_{key.upper()}": "value" for key in keys}
    assert parse_settings(text, environ=user_context).account("x").missing_secrets() == {}
    half = dict(list(user_context.items())[:2])
    missing = parse_settings(text, environ=half).account("x").missing_secrets()
    assert missing == {
        "bearer_token": "X_BEARER",
        "access_token": "X_ACCESS_TOKEN",
        "access_token_secret": "X_ACCESS_TOKEN_SECRET",
    }


def test_config_show_says_which_token_variables_are_unset() -> None:
    text = "accounts:\n  - {name: fb, platform: facebook, page_id: '1', access_token: {env: T}}\n"
    dumped = redacted_dump(parse_settings(text, environ={}))
    assert dumped["accounts"][0]["access_token"] == "$T (not set)"


def test_unset_tokens_of_disabled_accounts_are_no_problem() -> None:
    text = (
        "accounts:\n  - {name: fb, platform: facebook, page_id: '1', enabled: false, "
        "access_token: {env: T}}\n"
    )
    assert parse_settings(text, environ={}).secret_problems() == []
