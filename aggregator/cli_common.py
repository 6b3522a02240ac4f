"""What every `aggregator` subcommand shares: consoles, options, config and store loading."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.markup import escape

from aggregator import output
from aggregator.config import ConfigError, Settings, load_settings
from aggregator.db import DatabaseError
from aggregator.logging_setup import configure_logging, protect_secrets
from aggregator.store import Store
from aggregator.store.opening import open_store

stdout = output.console()
stderr = output.console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Config file (default: $AGGREGATOR_CONFIG or ./config.yaml)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log more to stderr.")]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear error line to stderr (`message` shown literally) and exit."""
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def setup_logging(verbose: bool) -> None:
    """Logs go to stderr; INFO with -v, else WARNING; credentials redacted from every record."""
    configure_logging(verbose)


def settings_or_exit(path: Path | None) -> Settings:
    """Load the config, or exit 2 with its problems listed."""
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        fail(str(exc))
    protect_secrets(settings)
    return settings


def store_or_exit(settings: Settings) -> Store:
    """Open the store at the current schema, or exit 2 saying how to fix it."""
    try:
        return open_store(settings)
    except DatabaseError as exc:
        fail(str(exc))
    except Exception as exc:  # driver errors: unreachable server, bad URL, ...
        fail(f"cannot open database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
