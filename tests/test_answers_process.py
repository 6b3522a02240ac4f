"""`aggregator answers send` as a real process: exit codes, JSON, and kill -9 at random
points of the send path: no answer posted twice, none lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.db import create_db_engine, upgrade
from aggregator.records import Batch, CommentRecord
from aggregator.store import Store
from aggregator.store.tables import ANSWER
from aggregator.workflow import Actor, Role
from tests.answer_platform import URL_ENV, PlatformServer, running_platform

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))
SHIM = [sys.executable, "-m", "tests.answer_cli_shim"]
REPO = Path(__file__).resolve().parents[1]
COMM = Actor("comm1", Role.COMMUNICATIONS)
CONFIG = (
    "accounts:\n  - {name: fb-page, platform: facebook, page_id: '1', access_token: {env: T}}\n"
)
KILLS = 50


def prepare(tmp_path: Path, answers: int) -> tuple[Path, dict[str, str], Store]:
    """A database with `answers` approved answers, its config, and the process env."""
    url = f"sqlite:///{tmp_path / 'answers.db'}"
    upgrade(url)
    store = Store(create_db_engine(url))
    account = store.sync.ensure_account("fb-page", "facebook")
    comments = tuple(
        CommentRecord(
            platform="facebook",
            external_id=f"c{i}",
            created_at=store.clock(),
            text=f"민원 {i}",
            post_external_id="p1",
        )
        for i in range(answers)
    )
    store.sync.apply_batch(account, Batch(stream="t", comments=comments))
    service = AnswerService(store, AnswersSection())
    with store.engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM comment ORDER BY id")).scalars().all()
    for comment_id in ids:
        service.write(COMM, comment_id, "first", f"확인 후 안내드리겠습니다. No.{comment_id}")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "T": "token", "AGGREGATOR_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    return config, env, store


def states(store: Store) -> Counter[str]:
    with store.engine.connect() as conn:
        return Counter(conn.execute(sa.select(ANSWER.c.state)).scalars())


def test_send_posts_every_due_answer_and_reports_json(tmp_path: Path) -> None:
    config, env, store = prepare(tmp_path, 3)
    with running_platform() as platform:
        done = subprocess.run(
            [*SHIM, "answers", "send", "--json", "--config", str(config)],
            env={**env, URL_ENV: platform.url}, capture_output=True, text=True, timeout=60,
            check=False, cwd=REPO,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["outcomes"] == {"posted": 3}
        assert len(platform.replies) == 3
    assert states(store) == {"posted": 3}
    store.close()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill_9_at_random_points_of_the_send_path_neither_duplicates_nor_loses(
    tmp_path: Path,
) -> None:
    answers = 150
    config, env, store = prepare(tmp_path, answers)
    rng = random.Random(20261204)
    with running_platform() as platform:
        env[URL_ENV] = platform.url
        kills = in_window = 0
        while kills < KILLS:
            killed = _run_and_kill(platform, config, env, rng)
            kills += killed
            in_window += killed and _accepted_but_sending(store, platform)
        print(f"kill -9: {kills} kills, {in_window} between acceptance and commit")
        final = subprocess.run(
            [*SHIM, "answers", "send", "--limit", "1000", "--config", str(config)],
            env=env, capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
        )  # fmt: skip
        assert final.returncode == 0, final.stderr
        posted = Counter(r["text"] for r in platform.replies)
    duplicates = [text for text, count in posted.items() if count > 1]
    assert duplicates == []
    assert len(posted) == answers
    assert states(store) == {"posted": answers}
    with store.engine.connect() as conn:
        stored = dict(conn.execute(sa.select(ANSWER.c.platform_reply_id, ANSWER.c.text)).all())
    assert stored == {r["id"]: r["text"] for r in platform.replies}
    store.close()


def _accepted_but_sending(store: Store, platform: PlatformServer) -> int:
    """Answers the platform holds while our row still says `sending` (the risky window)."""
    with store.engine.connect() as conn:
        query = sa.select(ANSWER.c.text).where(ANSWER.c.state == "sending")
        sending = set(conn.execute(query).scalars())
    return len(sending & {r["text"] for r in platform.replies})


def _run_and_kill(
    platform: PlatformServer, config: Path, env: dict[str, str], rng: random.Random
) -> int:
    """Start a worker, SIGKILL it shortly after its k-th accepted reply; 1 if it was killed."""
    before, k = len(platform.replies), rng.randint(1, 3)
    process = subprocess.Popen(
        [*SHIM, "answers", "send", "--config", str(config)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while process.poll() is None and len(platform.replies) < before + k:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.12))
        if process.poll() is not None:
            return 0
        process.send_signal(signal.SIGKILL)
        return 1
    finally:
        process.wait(timeout=60)
