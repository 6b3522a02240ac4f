"""kill -9 of `aggregator answers send` against the sandbox's WordPress write API, with
the real writers (`connectors.writers`): 0 duplicates on the platform, 0 answers lost."""

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

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))
COMM = Actor("comm1", Role.COMMUNICATIONS)
KILLS = 50
ANSWERS = 60
ACCOUNT = "wordpress-news"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGGREGATOR, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.timeout(900)
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
        texts: set[str] = set()
        kills = in_window = 0
        while kills < KILLS:
            if not _due(store):
                texts |= _approve_answers(store, round_=len(texts))
            killed = _run_and_kill(sandbox, config, env, rng)
            kills += killed
            in_window += killed and _accepted_but_sending(store, sandbox)
        print(f"kill -9 (sandbox): {kills} kills, {in_window} between acceptance and commit")
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


def _due(store: Store) -> int:
    with store.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(ANSWER.c.state.in_(["approved", "sending"]))
        return int(conn.execute(query).scalar_one())


def _accepted_but_sending(store: Store, sandbox: Sandbox) -> int:
    """Answers the platform holds while our row still says `sending` (the risky window)."""
    with store.engine.connect() as conn:
        query = sa.select(ANSWER.c.text).where(ANSWER.c.state == "sending")
        sending = {text.strip() for text in conn.execute(query).scalars()}
    on_platform = {
        comment.text.strip()
        for post in sandbox.data.posts("wordpress")
        for comment in sandbox.data.written.on_post(post.id, None)
    }
    return len(sending & on_platform)


def _written(sandbox: Sandbox) -> int:
    """Comments written into the sandbox so far."""
    posts = sandbox.data.posts("wordpress")
    return sum(len(sandbox.data.written.on_post(post.id, None)) for post in posts)


def _approve_answers(store: Store, round_: int) -> set[str]:
    """Approved answers to the synced residents' WordPress comments (one more round of
    answers once the last round is posted); their texts."""
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
        text = f"한빛구청입니다. 확인 후 안내드리겠습니다. No.{comment_id}-{round_}"
        service.write(COMM, comment_id, "final" if round_ else "first", text)
        texts.add(text)
    return texts


def _run_and_kill(sandbox: Sandbox, config: Path, env: dict[str, str], rng: random.Random) -> int:
    """Start a worker, SIGKILL it at a random moment after its k-th reply reached the
    platform; 1 if it was killed."""
    before, k = _written(sandbox), rng.randint(1, 3)
    process = subprocess.Popen(
        [AGGREGATOR, "answers", "send", "--config", str(config)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while process.poll() is None and _written(sandbox) < before + k:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.15))
        if process.poll() is not None:
            return 0
        process.send_signal(signal.SIGKILL)
        return 1
    finally:
        process.wait(timeout=60)
