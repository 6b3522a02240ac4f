"""The long-running scheduler (APScheduler) for systemd — not built yet.

Until it is, run `aggregator sync --trigger cron` from cron (see README.md). This
file refuses to start rather than pretend to schedule anything.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Explain that the scheduler is not available yet; exit non-zero."""
    print(
        "scheduler.py is not implemented yet: run `aggregator sync --trigger cron` from cron "
        "(see README.md, 'Running it on a schedule').",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
