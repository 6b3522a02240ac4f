"""Helpers for web tests of report files made in the background: a private output
directory, topics analysed without the model, and asking for a file end to end."""

from __future__ import annotations

import re
from pathlib import Path

from httpx2 import Response
from starlette.testclient import TestClient

from aggregator.reports.jobs import ReportWorker
from aggregator.reports.topic_index import update_topics
from aggregator.reports.topics import fallback_nouns
from tests.fixtures_web import Web

JOB = re.compile(r"#job-(\d+)$")


def use_output_dir(web: Web, directory: Path) -> ReportWorker:
    """Point the app's report files at `directory`; return its worker (not started: tests
    run its steps themselves), which analyses pending topics in this process."""
    state = web.app.state.web
    reports = state.settings.reports.model_copy(update={"output_dir": directory})
    settings = state.settings.model_copy(update={"reports": reports})
    state.settings = web.settings = settings
    worker: ReportWorker = state.report_worker
    worker.settings, worker.isolated = settings, False
    update_topics(web.store, fallback_nouns)
    return worker


def ask(client: TestClient, csrf: str, **form: str) -> Response:
    """POST the 월간 보고서 form (`csrf_token` added)."""
    return client.post(
        "/reports/download", data={**form, "csrf_token": csrf}, follow_redirects=False
    )


def job_of(response: Response) -> int:
    """The job number a request was answered with (from the redirect's `#job-N`)."""
    assert response.status_code == 303, response.text[:300]
    found = JOB.search(response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def made_report(web: Web, client: TestClient, **form: str) -> Response:
    """Ask for a report, let the worker make it, and fetch the file."""
    worker: ReportWorker = web.app.state.web.report_worker
    job_id = job_of(ask(client, web.csrf(client), **form))
    worker.run_queued()
    return client.get(f"/reports/file?job={job_id}")
