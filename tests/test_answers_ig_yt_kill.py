"""kill -9 of `aggregator answers send` against the sandbox's Instagram and YouTube write
APIs, with the real writers: 0 duplicates on the platform, 0 answers lost (the WordPress
run with more kills is `test_answers_sandbox_kill.py`)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
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
from aggregator.store.tables import ACCOUNT, ANSWER, COMMENT
from tests.test_answers_sandbox_kill import AGGREGATOR, COMM, _run

KILLS = 8
ANSWERS = 15


def written(sandbox: Sandbox, platform: str) -> list[str]:
    """The texts written into the sandbox's platform so far."""
    data = sandbox.instagram.ig.data if platform == "instagram" else sandbox.youtube.world.data
    return [c.text.strip() for c in data.written.of_account(platform, sandbox.now())]


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_kill_9_neither_duplicates_nor_loses_on_instagram_and_youtube(
    tmp_path: Path, platform: str
) -> None:
    rng = random.Random(17)
    with Sandbox(seed=7, comments=480, speed=1.0, start=datetime.now(UTC)) as sandbox:
        url = f"sqlite:///{tmp_path / 'kill.db'}"
        upgrade(url)
        config = write_config(tmp_path / "sandbox.yaml", sandbox.url("/"), url)
        env = {**os.environ, **SANDBOX_ENV}
        env.pop("AGGREGATOR_DATABASE_URL", None)
        synced = _run(["sync", "--config", str(config), "--account", platform], env)
        assert synced.returncode == 0, synced.stderr
        store = Store(create_db_engine(url))
        texts = approve_answers(store, sandbox, platform)
        kills = sum(run_and_kill(sandbox, platform, config, env, rng) for _ in range(KILLS))
        final = _run(["answers", "send", "--limit", "1000", "--config", str(config)], env)
        assert final.returncode == 0, final.stdout + final.stderr
        on_platform = Counter(t for t in written(sandbox, platform) if t in texts)
        print(f"kill -9 ({platform}): {kills} kills, {len(texts)} answers")
    with store.engine.connect() as conn:
        states = Counter(conn.execute(sa.select(ANSWER.c.state)).scalars())
        failed = conn.execute(sa.select(ANSWER).where(ANSWER.c.state != "posted")).all()
    assert kills >= 1
    assert [text for text, n in on_platform.items() if n > 1] == []
    assert set(on_platform) == texts, failed
    assert states == {"posted": len(texts)}
    store.close()


def approve_answers(store: Store, sandbox: Sandbox, platform: str) -> set[str]:
    """Approved answers to the synced residents' top-level comments that take replies (not
    hidden, on media or videos with comments on); their texts."""
    with store.engine.connect() as conn:
        query = (
            sa.select(COMMENT.c.id)
            .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
            .where(ACCOUNT.c.name == platform, ~COMMENT.c.by_account_owner)
            .where(COMMENT.c.parent_external_id.is_(None), ~COMMENT.c.hidden_upstream)
            .order_by(COMMENT.c.id)
        )
        found = conn.execute(query.add_columns(COMMENT.c.external_id)).all()
    ids = [row.id for row in found if open_to_replies(sandbox, platform, row.external_id)]
    ids = ids[:ANSWERS]
    assert len(ids) == ANSWERS, f"the sync stored too few {platform} comments"
    service = AnswerService(store, AnswersSection())
    texts = set()
    for comment_id in ids:
        text = f"한빛구청입니다. 확인 후 안내드리겠습니다. No.{comment_id}"
        service.write(COMM, comment_id, "first", text)
        texts.add(text)
    return texts


def run_and_kill(
    sandbox: Sandbox, platform: str, config: Path, env: dict[str, str], rng: random.Random
) -> int:
    """Start a worker, SIGKILL it at a random moment after its k-th reply reached the
    platform; 1 if it was killed."""
    before, k = len(written(sandbox, platform)), rng.randint(1, 2)
    process = subprocess.Popen(
        [AGGREGATOR, "answers", "send", "--config", str(config)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while process.poll() is None and len(written(sandbox, platform)) < before + k:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.15))
        if process.poll() is not None:
            return 0
        process.send_signal(signal.SIGKILL)
        return 1
    finally:
        process.wait(timeout=60)


def open_to_replies(sandbox: Sandbox, platform: str, external_id: str) -> bool:
    """Whether the platform takes a reply under the comment now."""
    now = sandbox.now()
    if platform == "instagram":
        ig = sandbox.instagram.ig
        comment = ig.comment(external_id, now)
        media = ig.media_item(comment.media_id, now) if comment else None
        return bool(comment and media and media.comments_enabled and not comment.hidden)
    world = sandbox.youtube.world
    thread = world.comment(external_id, now)
    video = world.video(thread.video_id, now) if thread else None
    return bool(thread and video and not video.comments_disabled)
