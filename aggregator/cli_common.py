"""What every `aggregator` subcommand shares: consoles, options, config and store loading."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from aggregator.config import ConfigError, Settings, load_settings
from aggregator.db import DatabaseError
from aggregator.privacy import privacy_key
from aggregator.routing import Router
from aggregator.runner import open_engine
from aggregator.store import Store

stdout = Console()
stderr = Console(stderr=True)

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
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def setup_logging(verbose: bool) -> None:
    """Logs go to stderr; INFO with -v, else WARNING. Tokens never reach DEBUG here."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def settings_or_exit(path: Path | None) -> Settings:
    """Load the config, or exit 2 with its problems listed."""
    try:
        return load_settings(path)
    except ConfigError as exc:
        fail(str(exc))


def store_or_exit(settings: Settings) -> Store:
    """Open the store at the current schema, or exit 2 saying how to fix it."""
    try:
        return Store(
            open_engine(settings),
            router=Router(settings.routing_rules),
            privacy_key=privacy_key(settings),
        )
    except DatabaseError as exc:
        fail(str(exc))
    except Exception as exc:  # driver errors: unreachable server, bad URL, ...
        fail(f"cannot open database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
