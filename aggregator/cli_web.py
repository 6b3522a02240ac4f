"""`aggregator serve` and `aggregator users add|list|disable|enable|set-password`."""

from __future__ import annotations

import logging
import sys
from contextlib import closing
from typing import Annotated

import typer
from argon2 import PasswordHasher
from rich.table import Table

from aggregator.cli_common import (
    ConfigOption,
    fail,
    settings_or_exit,
    setup_logging,
    stdout,
    store_or_exit,
)
from aggregator.stopping import serve_web
from aggregator.users import UserError, check_new_user, check_password, hash_password
from aggregator.workflow import ROLE_LABELS

log = logging.getLogger(__name__)
users_app = typer.Typer(help="Staff accounts of the review inbox.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password)
    except UserError as exc:
        fail(str(exc))
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, communications, department or viewer.")],
    department: Annotated[
        str | None, typer.Option(help="The department (required for department officers).")
    ] = None,
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
) -> None:
    """Create a staff account (the password is prompted for, or read with --password-stdin)."""
    settings = settings_or_exit(config)
    try:
        parsed = check_new_user(name, role, department, settings.departments)
    except UserError as exc:
        fail(str(exc))
    password = _read_password(password_stdin)
    with closing(store_or_exit(settings)) as store:
        try:
            store.staff.create_user(
                name, parsed, department, hash_password(PasswordHasher(), password)
            )
        except UserError as exc:
            fail(str(exc))
    stdout.print(f"account {name} created ({ROLE_LABELS[parsed]})")


@users_app.command("list")
def users_list(config: ConfigOption = None) -> None:
    """Every staff account with role, department and state."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        users = store.staff.users()
    table = Table(title="staff accounts", title_justify="left")
    for column in ("name", "role", "department", "state", "last login"):
        table.add_column(column)
    for user in users:
        state = "disabled" if user.disabled else ("locked" if user.locked_until else "active")
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "-"
        table.add_row(user.name, user.role.value, user.department or "", state, last)
    stdout.print(table)


def _set_disabled(name: str, disabled: bool, config: ConfigOption) -> None:
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            found = store.staff.set_user_disabled(name, disabled)
        except UserError as exc:  # the last active admin
            fail(str(exc))
        if not found:
            fail(f"no account named {name!r}")
    stdout.print(f"account {name} {'disabled (its sessions ended)' if disabled else 'enabled'}")


@users_app.command("disable")
def users_disable(name: str, config: ConfigOption = None) -> None:
    """Disable an account and end its sessions."""
    _set_disabled(name, True, config)


@users_app.command("enable")
def users_enable(name: str, config: ConfigOption = None) -> None:
    """Enable a disabled account."""
    _set_disabled(name, False, config)


@users_app.command("set-password")
def users_set_password(
    name: str, password_stdin: PasswordStdin = False, config: ConfigOption = None
) -> None:
    """Set a new password (ends the account's sessions and lifts a lockout)."""
    settings = settings_or_exit(config)
    password = _read_password(password_stdin)
    with closing(store_or_exit(settings)) as store:
        if not store.staff.set_user_password(name, hash_password(PasswordHasher(), password)):
            fail(f"no account named {name!r}")
    stdout.print(f"password of {name} changed")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log requests.")] = False,
) -> None:
    """Serve the review inbox (put it behind your https reverse proxy)."""
    from aggregator.web import create_app

    setup_logging(verbose)
    settings = settings_or_exit(config)
    store = store_or_exit(settings)
    if not store.staff.users():
        log.warning(
            "no staff accounts yet: create one with `aggregator users add NAME --role admin`"
        )
    stdout.print(f"inbox on http://{host}:{port}/ (Ctrl-C or SIGTERM stops it)")
    try:
        serve_web(create_app(settings, store), host, port, "info" if verbose else "warning")
    finally:
        store.close()
