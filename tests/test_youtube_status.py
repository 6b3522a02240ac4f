"""`aggregator status` shows the YouTube account's quota spend (the spec's usage line)."""

from __future__ import annotations

from aggregator.output import StatusRow, status_json, usage_note
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.store import AccountStatus
from connectors.youtube.settings import YouTubeAccount


def youtube_row(cursors: dict[str, object]) -> StatusRow:
    entry = next(
        a for a in build_config("http://127.0.0.1:1")["accounts"] if a["platform"] == "youtube"
    )
    account = YouTubeAccount.model_validate(
        {**entry, "daily_quota": 500}, context={"environ": SANDBOX_ENV}
    )
    stored = AccountStatus("youtube", "youtube", 3, 10, "ok", None, None, None, None, cursors)  # type: ignore[arg-type]
    return StatusRow(account, stored)


def test_status_shows_the_days_quota_units_spent_and_left() -> None:
    row = youtube_row({"quota": {"day": "2026-12-04", "units": 37, "limit": 500}})
    assert usage_note(row) == "quota 2026-12-04 (Pacific): 37 of 500 units (463 left)"
    assert status_json([row], [])[0]["usage_note"] == usage_note(row)


def test_status_shows_no_quota_line_before_the_first_run() -> None:
    assert usage_note(youtube_row({})) is None
