"""`aggregator comments add|import` and `aggregator checks list|dismiss`.

For platforms that give no comment text (Naver Blog, Pinterest): staff enter what
they read on the platform, and "check this post" items tell them where to look.
"""

from __future__ import annotations

import getpass
import json
from contextlib import closing
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from aggregator.cli_common import (
    ConfigOption,
    JsonOption,
    fail,
    settings_or_exit,
    stdout,
    store_or_exit,
)
from aggregator.manual import (
    PLATFORMS,
    ManualInputError,
    entered_by_problem,
    file_size_problem,
    one_comment,
    read_csv,
)
from aggregator.store.checks import ForgottenAuthor
from aggregator.text_input import clean

comments_app = typer.Typer(help="Enter comments the platforms do not give.", no_args_is_help=True)
checks_app = typer.Typer(help='"Check this post" items.', no_args_is_help=True)

MAX_NOTE = 500
EnteredBy = Annotated[
    str | None,
    typer.Option("--entered-by", help="Who entered the comments (default: your login name)."),
]
DismissedBy = Annotated[
    str | None,
    typer.Option("--entered-by", help="Who dismisses the item (default: your login name)."),
]


def _entered_by(value: str | None) -> str:
    name = (value or getpass.getuser()).strip()
    problem = entered_by_problem(name)
    if problem is not None:
        fail(f"--entered-by {problem}")
    return name


@comments_app.command("add")
def comments_add(
    platform: Annotated[str, typer.Option(help=f"One of: {', '.join(PLATFORMS)}.")],
    post: Annotated[str, typer.Option(help="The post's URL or external id.")],
    author: Annotated[str, typer.Option(help="The author's name as shown on the platform.")],
    text: Annotated[str, typer.Option(help="The comment text.")],
    time: Annotated[
        str, typer.Option("--time", help="When it was written, e.g. '2026-11-20 14:30' (KST).")
    ],
    handle: Annotated[str | None, typer.Option(help="The author's handle, if shown.")] = None,
    entered_by: EnteredBy = None,
    config: ConfigOption = None,
) -> None:
    """Add one comment by hand (it joins the same review as synced comments)."""
    settings = settings_or_exit(config)
    who = _entered_by(entered_by)
    with closing(store_or_exit(settings)) as store:
        values = {"platform": platform, "post": post, "author": author, "text": text,
                  "created_at": time, "author_handle": handle}  # fmt: skip
        try:
            comment = one_comment(values, store.inbox.find_post, settings.timezone, store.clock())
        except ManualInputError as exc:
            fail("; ".join(exc.problems))
        try:
            added, _present = store.inbox.add_manual_comments([comment], who)
        except ForgottenAuthor:
            fail("not added: this author asked to be forgotten (PIPA, `privacy forget`)")
    stdout.print("comment added" if added else "this comment was already entered (not added again)")


@comments_app.command("import")
def comments_import(
    path: Annotated[Path, typer.Argument(help="CSV: platform,post,author,text,created_at")],
    entered_by: EnteredBy = None,
    config: ConfigOption = None,
) -> None:
    """Import comments from a CSV file (UTF-8 or CP949); nothing is stored if any row is bad."""
    settings = settings_or_exit(config)
    who = _entered_by(entered_by)
    try:
        problem = file_size_problem(path.stat().st_size)
        data = b"" if problem else path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    if problem:
        fail(f"{path}: nothing imported, {problem}")
    with closing(store_or_exit(settings)) as store:
        try:
            comments = read_csv(data, store.inbox.find_post, settings.timezone, store.clock())
        except ManualInputError as exc:
            listing = "\n  ".join(exc.problems)
            fail(f"{path}: nothing imported, {len(exc.problems)} problem(s):\n  {listing}")
        try:
            added, present = store.inbox.add_manual_comments(comments, who)
        except ForgottenAuthor as exc:
            fail(f"{path}: nothing imported, {exc}")
    noun = "comment" if added == 1 else "comments"
    stdout.print(f"imported {added} {noun} from {path} ({present} were already there)")


@checks_app.command("list")
def checks_list(
    include_closed: Annotated[bool, typer.Option("--all", help="Also closed items.")] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Posts whose comments must be read on the platform itself."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        items = store.inbox.check_items(include_closed)
    if as_json:
        print(json.dumps(items, ensure_ascii=False, indent=2, default=str))
        return
    if not items:
        stdout.print("no open check items")
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(title="check these posts on the platform", title_justify="left")
    for column in ("id", "status", "platform", "new", "entered", "opened", "post"):
        table.add_column(column)
    for item in items:
        new = item["comments_now"] - item["comments_before"]
        table.add_row(
            str(item["id"]), item["status"], item["platform"], str(new), str(item["entered"]),
            item["opened_at"].astimezone(zone).strftime("%m-%d %H:%M"),
            f"{item['title'] or item['post_external_id']}\n{item['url'] or ''}",
        )  # fmt: skip
    stdout.print(table)


@checks_app.command("dismiss")
def checks_dismiss(
    item_id: Annotated[int, typer.Argument(help="The item's id (see `aggregator checks list`).")],
    note: Annotated[str | None, typer.Option(help="Why (e.g. 'spam only').")] = None,
    entered_by: DismissedBy = None,
    config: ConfigOption = None,
) -> None:
    """Close an item without entering comments."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        who, why = _entered_by(entered_by), clean(note or "", MAX_NOTE, multiline=True) or None
        if not store.inbox.dismiss_check_item(item_id, who, why):
            fail(f"no open check item with id {item_id}")
    stdout.print(f"check item {item_id} dismissed")
