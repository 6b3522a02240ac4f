"""`aggregator instagram refresh-token`: refresh an Instagram Login account's User token.

A long-lived Instagram User token lasts 60 days; Meta refreshes it (once it is at least 24
hours old) into a new one valid 60 days (`connectors.instagram.token`). Tokens live in
environment variables and the database never holds one, so the new token goes only where
the operator says: `--write FILE` puts `VARIABLE=token` into that env file (the account's
`access_token` variable; its line replaced, the others kept; atomically; a new file mode
0600, an existing one keeping its mode and owner), `--print` prints it alone on stdout.
It is never logged. The database records only its fingerprint and the day it was issued
(the `token_refreshed` cursor), so the account's age counts from today once a sync uses it.

Exit codes: 0 refreshed (and written or printed); 1 Meta refused or did not answer, or the
new token could not be written or recorded (the message says what happened to it); 2 bad
input (config, account, arguments, unset variable, a file that cannot be written, database
not upgraded), checked before anything is asked of Meta.
"""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from aggregator.cli_common import (
    ConfigOption,
    VerboseOption,
    fail,
    settings_or_exit,
    setup_logging,
    stderr,
    stdout,
    store_or_exit,
)
from aggregator.config import ConfigError, Settings, unset_message
from aggregator.connector import AuthExpired, ConnectorError
from aggregator.envfile import EnvFileError, check_target, put_variable
from aggregator.http import HttpClient
from aggregator.records import Batch
from aggregator.runner import http_settings
from aggregator.store import Store
from connectors.instagram.token import REFRESHED, RefreshedToken, refresh_access_token, refreshed

instagram_app = typer.Typer(
    help="Instagram accounts: refresh an Instagram Login account's token.", no_args_is_help=True
)


@instagram_app.command("refresh-token")
def refresh_token(
    account: Annotated[
        str | None, typer.Option("--account", "-a", help="The api: instagram_login account.")
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            help="Put VARIABLE=token (the account's access_token variable) into this env file.",
        ),
    ] = None,
    show: Annotated[
        bool, typer.Option("--print", help="Print the new token on stdout (and nothing else).")
    ] = False,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Refresh the account's Instagram User token (60 more days) and write it to --write
    FILE and/or print it (--print); record its fingerprint and day for `status`."""
    setup_logging(verbose)
    name = _required_account(account, write, show)
    settings = settings_or_exit(config)
    chosen = _login_account(settings, name)
    variable = chosen.access_token.env
    _check_write_target(write)
    with closing(store_or_exit(settings)) as store:
        new = _refresh(settings, chosen)
        where = _keep(new, variable, write, show)
        _record(store, chosen, new, where)
        until = store.clock() + timedelta(seconds=new.expires_in)
    report = stderr if show else stdout
    report.print(
        f"refreshed the Instagram User token of {chosen.name} (valid until "
        f"{until:%Y-%m-%d}): {where}. Syncs use it once it is in ${variable} where they "
        "read it (restart aggregator-scheduler; cron runs read it at their next start); "
        "its age then counts from today.",
        highlight=False,
        soft_wrap=True,
    )


def _required_account(account: str | None, write: Path | None, show: bool) -> str:
    """The account's name, once the options say where the new token goes."""
    if not account:
        fail("--account is required (an instagram account with api: instagram_login)")
    if write is None and not show:
        fail("give --write FILE or --print: the new token is kept nowhere else")
    return account


def _check_write_target(write: Path | None) -> None:
    """Fail (exit 2) before Meta is asked when --write's file cannot be written."""
    if write is not None:
        try:
            check_target(write)
        except EnvFileError as exc:
            fail(f"--write {write}: {exc}")


def _login_account(settings: Settings, name: str) -> Any:
    """The named account, if it is an Instagram Login account whose token variable is set."""
    try:
        found: Any = settings.account(name)
    except ConfigError as exc:
        fail(str(exc))
    if found.platform != "instagram":
        fail(
            f"account {name} is a {found.platform} account: only instagram accounts with "
            "api: instagram_login have a token refreshed here"
        )
    if found.api != "instagram_login":
        fail(
            f"account {name} reads through Facebook Login (api: facebook_login): its Page "
            "token does not expire after 60 days and is not refreshed here (README, "
            "'Facebook Page', Token)"
        )
    if not found.access_token.is_set:
        fail(f"{unset_message(found.access_token.env)}: set it to the account's current token")
    return found


def _refresh(settings: Settings, account: Any) -> RefreshedToken:
    """One refresh call; Meta's refusal or no answer ends the command (exit 1)."""
    http = HttpClient(settings=http_settings(settings))
    try:
        return refresh_access_token(http, account)
    except AuthExpired as exc:
        fail(
            f"Instagram refused to refresh the token of {account.name}: {exc} An expired "
            "or revoked token cannot be refreshed: log in again.",
            code=1,
        )
    except ConnectorError as exc:
        fail(f"refreshing the token of {account.name} failed: {exc}", code=1)


def _keep(new: RefreshedToken, variable: str, write: Path | None, show: bool) -> str:
    """Write the token to the env file first (the one place it can be lost), then print it."""
    where = []
    if write is not None:
        try:
            done = put_variable(write, variable, new.access_token)
        except (EnvFileError, OSError) as exc:
            shown = "printed on stdout" if show else "lost: refresh again"
            if show:
                print(new.access_token, flush=True)
            fail(f"--write {write}: {exc} (the new token was {shown})", code=1)
        where.append(f"{variable}=… {done} in {write}")
    if show:
        print(new.access_token, flush=True)
        where.append("printed on stdout")
    return " and ".join(where)


def _record(store: Store, account: Any, new: RefreshedToken, where: str) -> None:
    """The new token's fingerprint and day in the `token_refreshed` cursor (no token)."""
    try:
        account_id = store.sync.ensure_account(account.name, "instagram", account.display_name)
        value = refreshed(new.access_token, store.clock()).dump()
        store.sync.apply_batch(account_id, Batch(REFRESHED, cursor_updates={REFRESHED: value}))
    except Exception as exc:  # the token is safe where it went; say what is missing
        fail(
            f"the new token was {where}, but the database could not record its day "
            f"({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "syncs count its age from the day they first use it",
            code=1,
        )
