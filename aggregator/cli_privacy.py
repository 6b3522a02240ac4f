"""`aggregator privacy purge` and `aggregator privacy forget` (PIPA destruction).

`purge` destroys residents' data older than `privacy.retention_days` and is recorded
as `--staff NAME` (an active staff account) or `cli:<OS user>`. `forget` needs
`--staff` naming an active admin account and a `--reason`. Both are in the access log.
"""

from __future__ import annotations

import getpass
import json
from contextlib import closing
from typing import Annotated

import typer

from aggregator.cli_common import ConfigOption, fail, settings_or_exit, stdout, store_or_exit
from aggregator.privacy import Actor, PrivacyError, forget, purge
from aggregator.store import Store
from connectors.registry import PLATFORMS

privacy_app = typer.Typer(
    help="Residents' personal data (PIPA): retention purge, forgetting one person.",
    no_args_is_help=True,
)

PurgerOption = Annotated[
    str | None,
    typer.Option("--staff", help="Your staff account, for the access log (default: cli:<login>)."),
]
AdminOption = Annotated[
    str | None, typer.Option("--staff", help="Your staff account: an active admin (required).")
]


def _actor(store: Store, staff: str | None) -> Actor:
    if staff is None:
        return Actor(staff=f"cli:{getpass.getuser()}")
    found = next((u for u in store.staff.users() if u.name == staff and not u.disabled), None)
    if found is None:
        fail(f"no active staff account named {staff!r}")
    return Actor(staff=found.name, role=found.role)


def _print_counts(counts: dict[str, int]) -> None:
    shown = ", ".join(f"{key} {value}" for key, value in counts.items() if value)
    stdout.print(shown or "nothing to destroy", highlight=False)


@privacy_app.command("purge")
def privacy_purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be destroyed.")
    ] = False,
    staff: PurgerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Destroy residents' data older than privacy.retention_days (logged)."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        counts = purge(store, settings, _actor(store, staff), dry_run=dry_run)
    if as_json:
        print(json.dumps({"dry_run": dry_run, **counts}, ensure_ascii=False))
        return
    days = settings.privacy.retention_days
    stdout.print(
        f"{'would destroy' if dry_run else 'destroyed'} (older than {days} days):", end=" "
    )
    _print_counts(counts)


@privacy_app.command("forget")
def privacy_forget(
    platform: Annotated[
        str | None,
        typer.Option("--platform", help=f"The platform: one of {', '.join(PLATFORMS)}."),
    ] = None,
    author_id: Annotated[
        str | None,
        typer.Option("--author-id", "--author", help="The person's id on that platform."),
    ] = None,
    author_name: Annotated[
        str | None,
        typer.Option("--author-name", help="Also their comments stored without an id."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (recorded in the access log; required).")
    ] = None,
    staff: AdminOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete one person's data on request and tombstone them (admins only)."""
    if not (platform or "").strip() or not (author_id or "").strip():
        fail("--platform and --author-id are required")
    if not (reason or "").strip():
        fail("--reason is required: it is recorded in the access log")
    if staff is None:
        fail("--staff naming an active admin account is required")
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            done = forget(
                store, settings, _actor(store, staff), platform or "", author_id or "",
                author_name, reason or "",
            )  # fmt: skip
        except PrivacyError as exc:
            fail(str(exc))
    stdout.print(f"forgotten (tombstone {done.digest[:16]}):", end=" ")
    _print_counts(done.counts)
