"""The platform registry is the one list: config, connectors, writers and the web agree
with it, and a spec that contradicts itself cannot be declared."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from typer.testing import CliRunner

from aggregator import cli, config, manual
from aggregator.config import ConfigError, parse_settings
from aggregator.sandbox import write_errors
from aggregator.sandbox.platform import sandbox_of
from aggregator.settings_base import AccountBase
from aggregator.web.labels import PLATFORM_LABELS
from connectors import factory_for, load
from connectors.registry import PLATFORMS, label, spec
from connectors.spec import PlatformSpec, StreamSpec
from tests.test_sandbox_config_writer import PLATFORM_WORDS
from tests.test_sandbox_mounting import code_without_docstrings

POSTS = StreamSpec("posts", ("platform", "external_id"), "created_at", "desc")


def test_every_consumer_lists_the_registered_platforms_in_order() -> None:
    names = ("blog", "facebook", "twitter", "pinterest", "instagram", "youtube")
    assert tuple(PLATFORMS) == names
    assert names == config.PLATFORMS
    assert names == manual.PLATFORMS
    assert tuple(PLATFORM_LABELS) == names


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_spec_settings_factory_and_writer_name_the_same_platform(name: str) -> None:
    declared = spec(name)
    assert declared.name == name
    assert declared.settings.model_fields["platform"].annotation == Literal[name]
    assert factory_for(name).platform == name  # type: ignore[attr-defined]
    if declared.writer is not None:
        assert callable(load(declared.writer))
    for hook in (declared.usage, declared.health):
        if hook is not None:
            assert callable(load(hook))
    assert label(name) == declared.label


def test_config_accepts_an_account_of_each_registered_platform_and_names_them_otherwise() -> None:
    text = "accounts:\n  - {name: x, platform: myspace}\n"
    with pytest.raises(ConfigError) as caught:
        parse_settings(text)
    expected = "expected one of: blog, facebook, twitter, pinterest, instagram, youtube"
    assert f"unknown platform ({expected})" in str(caught.value)


def test_unknown_platform_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(
        KeyError,
        match="known: \\['blog', 'facebook', 'instagram', 'pinterest', 'twitter', 'youtube'\\]",
    ):
        spec("myspace")
    with pytest.raises(KeyError, match="no connector for platform 'myspace'"):
        factory_for("myspace")
    assert label("myspace") == "myspace"


def _spec(**changes: object) -> PlatformSpec:
    fields: dict[str, object] = {
        "name": "blog", "label": "블로그", "settings": spec("blog").settings,
        "factory": "connectors.blog.connector:BlogConnector", "comments_readable": True,
        "writes": frozenset(), "streams": (POSTS,),
    }  # fmt: skip
    return PlatformSpec(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_spec_must_name_its_writer_exactly_when_it_writes() -> None:
    with pytest.raises(ValueError, match="writer exactly when writes"):
        _spec(writes=frozenset({"reply"}))
    with pytest.raises(ValueError, match="unknown writes"):
        _spec(writes=frozenset({"like"}), writer="connectors.blog.write:WordPressWriter")


def test_a_spec_whose_settings_are_of_another_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="settings model's platform"):
        _spec(name="tumblr")
    with pytest.raises(ValueError, match="settings model's platform"):
        _spec(settings=AccountBase)


def test_a_stream_must_declare_a_known_order_and_a_key() -> None:
    with pytest.raises(ValueError, match="order 'newest'"):
        StreamSpec("posts", ("external_id",), "created_at", "newest")
    with pytest.raises(ValueError, match="primary_key"):
        StreamSpec("posts", (), None, "none")


# -- a platform's own commands ------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, s in PLATFORMS.items() if s.commands is not None])
def test_a_platform_s_declared_commands_are_in_the_cli(name: str) -> None:
    result = CliRunner().invoke(cli.app, [name, "--help"])
    assert result.exit_code == 0, result.output
    commands = load(spec(name).commands or "").registered_commands
    for command in commands:
        assert command.name in result.output


def test_instagram_declares_refresh_token_and_the_cli_module_names_no_platform() -> None:
    assert spec("instagram").commands == "aggregator.cli_instagram:instagram_app"
    assert CliRunner().invoke(cli.app, ["instagram", "refresh-token", "--help"]).exit_code == 0
    source = code_without_docstrings(Path(cli.__file__))
    assert PLATFORM_WORDS.findall(source) == []


# -- a platform's sandbox write errors ------------------------------------------------------


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_a_platform_that_takes_answers_declares_its_write_errors(name: str) -> None:
    declared = sandbox_of(spec(name)).write_errors
    assert (declared is not None) == bool(spec(name).writes)
    if declared is not None:
        errors = load(declared)
        assert errors
        assert len({platform for platform, _case in errors}) == 1
        assert all(case.status >= 400 and case.body for case in errors.values())


def test_the_write_errors_module_names_no_platform() -> None:
    source = code_without_docstrings(Path(write_errors.__file__))
    assert PLATFORM_WORDS.findall(source) == []
    assert {platform for platform, _case in write_errors.cases()} == {
        "facebook", "instagram", "twitter", "wordpress", "youtube"
    }  # fmt: skip
