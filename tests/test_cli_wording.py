"""What the `aggregator` command says: upgrade outcomes, an empty database, a month
out of range, option help written for its own command, every command in the README."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.db import upgrade
from aggregator.output import print_results
from aggregator.sync import RunResult

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text("database: {url: t.db}\n", encoding="utf-8")
    return path


def test_db_upgrade_says_created_then_already_up_to_date(config: Path) -> None:
    first = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("database created (schema ")
    again = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert again.output.startswith("database already up to date (schema ")


def test_db_upgrade_names_the_schemas_it_moved_between(config: Path) -> None:
    upgrade(f"sqlite:///{config.parent / 't.db'}", "0004")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert re.match(r"database upgraded from schema 0004 to \d{4}", result.output), result.output


def test_a_command_on_an_empty_database_says_it_is_empty(config: Path) -> None:
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 2
    assert "database is empty (no schema yet)" in result.output
    assert "an empty database" not in result.output


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2026-13", "month '2026-13' is out of range: the month must be 01 to 12"),
        ("2026-00", "month '2026-00' is out of range: the month must be 01 to 12"),
        ("2026/11", "month must look like 2026-11, not '2026/11'"),
    ],
)
def test_a_report_month_out_of_range_is_named_as_such(
    config: Path, month: str, expected: str
) -> None:
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    args = ["report", "--month", month, "--reason", "점검", "--config", str(config)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())


def test_the_demo_summary_lists_every_warning_and_points_at_no_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aggregator import demo

    shown: list[str] = []

    def capture(console: Console, results: list[RunResult], **kw: str) -> None:
        recorder = Console(file=io.StringIO(), width=200)
        print_results(recorder, results, **kw)
        shown.append(recorder.file.getvalue())  # type: ignore[attr-defined]

    monkeypatch.setattr(demo, "print_results", capture)
    monkeypatch.setattr(demo, "_replay", lambda *a: [_warned()])
    monkeypatch.setattr(demo, "demo_users", lambda store: [])
    assert demo.run_demo(Console(file=io.StringIO()), tmp_path, 7, 10, 1, 24) == 0
    assert "--json" not in shown[0]
    assert "[/x] first" in shown[0]
    assert "second" in shown[0]


def _warned() -> RunResult:
    return RunResult(account="blog", status="ok_with_warnings", warnings=["[/x] first", "second"])


def test_demo_command_has_no_json_option_to_point_at() -> None:
    assert "--json" not in _options(_command(["demo"]))


def _command(path: list[str]) -> Any:
    """The (typer-vendored) click command at `path`."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def _options(command: Any) -> dict[str, str]:
    return {
        name: param.help or ""
        for param in command.params
        if param.param_type_name == "option"
        for name in param.opts
    }


def _option_spellings(command: Any) -> list[tuple[str, ...]]:
    """Each option's long names (`--serve`, `--no-serve`), help and config left out."""
    spellings = []
    for param in command.params:
        if param.param_type_name != "option":
            continue
        names = tuple(n for n in (*param.opts, *param.secondary_opts) if n.startswith("--"))
        if names and not {"--help", "--config", "--verbose"} & set(names):
            spellings.append(names)
    return spellings


def _leaf_commands() -> list[tuple[str, Any]]:
    """Every runnable command path (a group that runs without a subcommand counts)."""
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        if hasattr(command, "commands"):
            if prefix and command.invoke_without_command:
                found.append((prefix, command))
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", typer.main.get_command(app))
    return found


def test_option_help_is_written_for_its_own_command() -> None:
    dismiss = _options(_command(["checks", "dismiss"]))
    assert "entered the comments" not in dismiss["--entered-by"]
    assert "dismisses" in dismiss["--entered-by"]
    purge = _options(_command(["privacy", "purge"]))
    assert "forget" not in purge["--staff"]
    close = _options(_command(["report", "close"]))
    assert "admin" not in close["--staff"]
    forget = _options(_command(["privacy", "forget"]))
    assert "admin" in forget["--staff"]


def test_every_command_and_its_options_are_in_the_readme_command_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `aggregator ")]
    missing = []
    for path, command in _leaf_commands():
        rows = [row for row in table if re.search(rf"`aggregator {path}( |`)", row)]
        if not rows:
            missing.append(path)
            continue
        for names in _option_spellings(command):
            if not any(re.search(rf"{re.escape(n)}\b", row) for n in names for row in rows):
                missing.append(f"{path} {names[0]}")
    assert missing == []


def test_report_usage_shows_the_subcommands_are_optional() -> None:
    result = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert "report [OPTIONS] [close | reopen | init-key]" in result.output
    assert "COMMAND [ARGS]" not in result.output


def test_a_database_newer_than_this_version_does_not_ask_for_db_upgrade(config: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    with sqlite3.connect(config.parent / "t.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 2
    assert "schema 9999, newer than this version knows" in " ".join(result.output.split())
    assert "db upgrade" not in result.output
