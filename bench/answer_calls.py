"""API calls per answer: sync the sandbox, approve N answers per writable platform, run
`aggregator answers send` once, and count the platform requests it made (from the
sandbox's request log), then once more with the rows left in `sending` (the read-back path).

    .venv/bin/python bench/answer_calls.py [--answers 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.db import create_db_engine, upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, write_config
from aggregator.store import Store
from aggregator.store.tables import ANSWER, COMMENT
from aggregator.workflow import Actor, Role

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))
OFFICE = Actor("bench", Role.COMMUNICATIONS)
ACCOUNTS = {"facebook-page": "/v", "x-account": "/2/", "wordpress-news": "/wordpress/"}
RESIDENTS = {
    "facebook-page": COMMENT.c.platform == "facebook",
    "x-account": COMMENT.c.platform == "twitter",
    "wordpress-news": COMMENT.c.external_id.like("wp:%:comment:%"),
}


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([AGGREGATOR, *args], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr}")


def _approve(store: Store, account: str, count: int) -> int:
    with store.engine.connect() as conn:
        ids = list(
            conn.execute(
                sa.select(COMMENT.c.id)
                .where(RESIDENTS[account])
                .where(~COMMENT.c.by_account_owner)
                .order_by(COMMENT.c.id.desc())
                .limit(count)
            ).scalars()
        )
    service = AnswerService(store, AnswersSection())
    for comment_id in ids:
        text = f"@resident 한빛구청입니다. 확인 후 안내드리겠습니다. No.{comment_id}"
        service.write(OFFICE, comment_id, "first", text)
    return len(ids)


def _states(store: Store) -> Counter[str]:
    with store.engine.connect() as conn:
        return Counter(conn.execute(sa.select(ANSWER.c.state)).scalars())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=10)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(seed=7, comments=480, speed=1.0, start=datetime.now(UTC)) as sandbox,
    ):
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        config = write_config(Path(tmp) / "sandbox.yaml", sandbox.url("/"), url)
        env = {**os.environ, **SANDBOX_ENV}
        env.pop("AGGREGATOR_DATABASE_URL", None)
        store = Store(create_db_engine(url))
        for account, prefix in ACCOUNTS.items():
            _run(["sync", "--config", str(config), "--account", account], env)
            approved = _approve(store, account, args.answers)
            sandbox.requests.clear()
            _run(["answers", "send", "--limit", "1000", "--config", str(config)], env)
            calls = Counter(r.method for r in sandbox.requests.find(prefix))
            total = sum(calls.values())
            per = total / approved if approved else 0
            print(f"{account}: {approved} answers, {dict(calls)} = {per:.2f} calls per answer")
        print(f"states: {dict(_states(store))}")
        with store.engine.begin() as conn:  # as if every worker had died after its call
            conn.execute(
                sa.update(ANSWER).where(ANSWER.c.state == "posted").values(state="sending")
            )
        sandbox.requests.clear()
        _run(["answers", "send", "--limit", "1000", "--config", str(config)], env)
        calls = Counter(r.method for r in sandbox.requests.all())
        print(
            f"read-back of every answer left sending: {dict(calls)}; states {dict(_states(store))}"
        )
        store.close()


if __name__ == "__main__":
    main()
