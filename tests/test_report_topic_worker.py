"""The topic worker: kiwipiepy in a lean child process that the caller feeds from the
store (SQLite file and PostgreSQL), with no secrets in its environment, the same nouns
as the analysis in the caller's process, and a loud failure when it dies."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from aggregator.reports import topic_worker
from aggregator.reports.service import Requester, download
from aggregator.reports.topic_index import update_in_child, update_topics
from aggregator.reports.topic_worker import TopicWorkerError, worker_env, worker_extractor
from aggregator.reports.topics import _kiwi_extractor, default_extractor
from aggregator.store import Store
from aggregator.store.tables import TOPIC
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
LEAN = {"aggregator", "aggregator.pii", "aggregator.reports", "aggregator.reports.topics",
        "aggregator.reports.topic_worker"}  # fmt: skip


@pytest.fixture
def october(store: Store, clock: FakeClock) -> tuple[Store, dict[str, int]]:
    ids = seed_month(store)
    clock.now = NOW
    return store, ids


def stored_nouns(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        return {int(i): n for i, n in conn.execute(sa.select(TOPIC.c.comment_id, TOPIC.c.nouns))}


def forget_nouns(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.delete(TOPIC))


def test_the_worker_stores_the_same_nouns_as_the_analysis_in_process(october) -> None:
    store, ids = october
    assert update_in_child(store) == len(ids)
    from_worker = stored_nouns(store)
    forget_nouns(store)
    update_topics(store, default_extractor())
    assert from_worker == stored_nouns(store)
    kiwi_split = {"불법", "주차"}  # kiwipiepy's nouns of 불법주차, not the fallback's
    assert kiwi_split <= set(from_worker[ids["c1"]].split())


def test_the_worker_finds_the_same_nouns_for_the_demo_month() -> None:
    from aggregator.sandbox.data import DataSet

    texts = [c.text for c in DataSet(seed=7, comments=600).iter_comments() if not c.by_district]
    with worker_extractor() as extract:
        from_worker = [noun for batch in range(0, len(texts), 200)
                       for noun in extract(texts[batch : batch + 200])]  # fmt: skip
    assert from_worker == list(default_extractor()(texts))
    assert sum(map(len, from_worker)) > len(texts)


def test_the_cli_limit_reaches_the_worker(october) -> None:
    store, _ids = october
    assert update_in_child(store, limit=3) == 3
    assert len(stored_nouns(store)) == 3


def test_a_report_with_pending_topics_analyses_them_in_the_worker(october) -> None:
    store, ids = october
    _kiwi_extractor.cache_clear()
    comm = Requester("comm1", Role.COMMUNICATIONS)
    body, _name = download(store, report_settings(), "2026-10", "csv", "월간 보고", comm)
    assert body
    assert set(stored_nouns(store)) == set(ids.values())
    assert _kiwi_extractor.cache_info().currsize == 0  # the model never loaded in this process


def test_the_worker_imports_no_database_nor_report_code() -> None:
    probe = (
        "import sys, aggregator.reports.topic_worker\n"
        "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in "
        "{'aggregator', 'sqlalchemy', 'psycopg', 'alembic', 'sqlmodel', 'pydantic', "
        "'matplotlib', 'flask', 'xlsxwriter'}))"
    )
    found = subprocess.run(
        [sys.executable, "-P", "-c", probe], env=worker_env(), cwd="/",
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert set(found) == LEAN


ECHO_ENV = (
    "import json, os, sys\n"
    "for line in sys.stdin:\n"
    "    print(json.dumps([sorted(os.environ)] * len(json.loads(line))), flush=True)\n"
)


def test_the_worker_gets_no_database_url_nor_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGGREGATOR_DATABASE_URL", "postgresql://u:secret@db/agg")
    monkeypatch.setenv("AGGREGATOR_PSEUDONYM_KEY", "secret-key")
    with worker_extractor([sys.executable, "-c", ECHO_ENV]) as extract:
        (names,) = extract(["주차"])
    assert "AGGREGATOR_DATABASE_URL" not in names
    assert "AGGREGATOR_PSEUDONYM_KEY" not in names
    assert "PYTHONPATH" in names


def test_a_worker_that_dies_fails_the_update_loudly(october) -> None:
    store, _ids = october
    with (
        worker_extractor([sys.executable, "-c", "import sys; sys.exit(3)"]) as extract,
        pytest.raises(TopicWorkerError, match="exit status 3"),
    ):
        update_topics(store, extract)
    assert stored_nouns(store) == {}


def test_a_worker_that_answers_short_is_refused(october) -> None:
    store, _ids = october
    short = "import sys\nfor line in sys.stdin:\n    print('[]', flush=True)\n"
    with (
        worker_extractor([sys.executable, "-c", short]) as extract,
        pytest.raises(TopicWorkerError, match="answered 0 of"),
    ):
        update_topics(store, extract)
    assert stored_nouns(store) == {}


def test_the_worker_protocol_is_one_json_line_per_batch() -> None:
    import io

    source = io.StringIO(json.dumps(["쓰레기 수거"]) + "\n" + json.dumps([]) + "\n")
    sink = io.StringIO()
    assert topic_worker.serve(source, sink, lambda texts: [["쓰레기"] for _ in texts]) == 1
    assert sink.getvalue().splitlines() == ['[["쓰레기"]]', "[]"]


def test_no_worker_starts_when_nothing_is_pending(october, tmp_path) -> None:
    store, _ids = october
    update_topics(store, default_extractor())
    started = tmp_path / "started"
    with worker_extractor([sys.executable, "-c", f"open({str(started)!r}, 'w')"]) as extract:
        assert update_topics(store, extract) == 0
    assert not started.exists()
