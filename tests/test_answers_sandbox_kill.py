"""kill -9 of `aggregator answers send` against the sandbox's WordPress write API, with
the real writers (`connectors.writers`): 0 duplicates on the platform, 0 answers lost.

Skips until the platform writers are merged (branch i14-platform)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.db import create_db_engine, upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, write_config
from aggregator.store import Store
from aggregator.store.tables import ANSWER, COMMENT
from aggregator.workflow import Actor, Role

pytest.importorskip("connectors.writers", reason="needs the platform writers (i14-platform)")

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))
COMM = Actor("comm1", Role.COMMUNICATIONS)
KILLS = 50
ANSWERS = 40
ACCOUNT = "wordpress-news"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGGREGATOR, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_kill_9_against_the_sandbox_neither_duplicates_nor_loses(tmp_path: Path) -> None:
    rng = random.Random(14)
    # the sandbox keeps real time: the read-back compares the platform's reply times
    # with the worker's clock, as on the real platforms
    with Sandbox(seed=7, comments=480, speed=1.0, start=datetime.now(UTC)) as sandbox:
        url = f"sqlite:///{tmp_path / 'kill.db'}"
        upgrade(url)
        config = write_config(tmp_path / "sandbox.yaml", sandbox.url("/"), url)
        env = {**os.environ, **SANDBOX_ENV}
        env.pop("AGGREGATOR_DATABASE_URL", None)
        synced = _run(["sync", "--config", str(config), "--account", ACCOUNT], env)
        assert synced.returncode == 0, synced.stderr
        store = Store(create_db_engine(url))
        texts = _approve_answers(store)
        kills = 0
        while kills < KILLS:
            kills += _run_and_kill(config, env, rng)
        final = _run(["answers", "send", "--limit", "1000", "--config", str(config)], env)
        assert final.returncode == 0, final.stdout + final.stderr
        on_platform = Counter(
            comment.text.strip()
            for post in sandbox.data.posts("wordpress")
            for comment in sandbox.data.comments(post.id)
            if comment.text.strip() in texts
        )
    assert [text for text, n in on_platform.items() if n > 1] == []
    assert set(on_platform) == texts
    with store.engine.connect() as conn:
        states = Counter(conn.execute(sa.select(ANSWER.c.state)).scalars())
    assert states == {"posted": len(texts)}
    store.close()


def _approve_answers(store: Store) -> set[str]:
    """Approved answers to the synced residents' WordPress comments; their texts."""
    with store.engine.connect() as conn:
        query = (
            sa.select(COMMENT.c.id)
            .where(COMMENT.c.external_id.like("wp:%:comment:%"), ~COMMENT.c.by_account_owner)
            .order_by(COMMENT.c.id)
            .limit(ANSWERS)
        )
        ids = list(conn.execute(query).scalars())
    assert ids, "the sync stored no WordPress comments"
    service = AnswerService(store, AnswersSection())
    texts = set()
    for comment_id in ids:
        text = f"한빛구청입니다. 확인 후 안내드리겠습니다. No.{comment_id}"
        service.write(COMM, comment_id, "first", text)
        texts.add(text)
    return texts


def _run_and_kill(config: Path, env: dict[str, str], rng: random.Random) -> int:
    """Start a worker and SIGKILL it at a random moment; 1 if it was killed."""
    process = subprocess.Popen(
        [AGGREGATOR, "answers", "send", "--config", str(config)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(rng.uniform(1.0, 4.0))
        if process.poll() is not None:
            return 0
        process.send_signal(signal.SIGKILL)
        return 1
    finally:
        process.wait(timeout=60)
