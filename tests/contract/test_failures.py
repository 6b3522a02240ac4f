"""The contract of a platform's failures: each ends its run with the status staff act on.

401 asks for re-authorisation, 429 ends `throttled`, the run deadline ends
`deadline_exceeded`, and no credential reaches a log record, a run record or a cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from aggregator.connector import RunStatus
from aggregator.logging_setup import configure_logging, install_redaction
from aggregator.sandbox import Sandbox
from aggregator.sync import RunResult
from tests.contract.cases import KNOWN_DEFECTS, ContractCase
from tests.contract.harness import Harness, Recorder

DEADLINE_SECONDS = 1.0
LIBRARY_LOGGERS = ("urllib3", "oauthlib", "requests_oauthlib", "tweepy", "facebook", "requests")


def expect_known_defect(request: pytest.FixtureRequest, case: ContractCase, check: str) -> None:
    """Mark this test `xfail(strict=True)` when `KNOWN_DEFECTS` lists the case for `check`."""
    reason = KNOWN_DEFECTS.get((check, case.id))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def failed_with_no_secret(case: ContractCase, harness: Harness, result: RunResult) -> str:
    """The run's error, checked to name no credential (also in the stored run record)."""
    error = result.error or ""
    stored = str(harness.run_record(result))
    for secret in case.secrets:
        assert secret not in error
        assert secret not in stored
    return error


def test_401_asks_for_reauthorisation(
    case: ContractCase, sandbox: Sandbox, harness: Harness
) -> None:
    case.unauthorized(sandbox)
    result = harness.run()
    error = failed_with_no_secret(case, harness, result)
    if case.reads_with_token:
        assert result.status == RunStatus.NEEDS_REAUTH, error
    else:  # a public feed: no token an administrator could renew
        assert result.status == RunStatus.FAILED, error
        assert "401" in error
        assert case.api_path in error, "names the URL that refused"
    assert not harness.rows()[0], "nothing stored"
    assert len(sandbox.requests.find(case.api_path)) == 1, "a refusal is not retried"


def test_429_ends_the_run_throttled(case: ContractCase, sandbox: Sandbox, harness: Harness) -> None:
    case.throttled(sandbox)
    result = harness.run()
    error = failed_with_no_secret(case, harness, result)
    assert result.status == RunStatus.THROTTLED, error
    assert not harness.rows()[0], "nothing stored"


def test_429_asking_for_longer_than_a_run_may_wait_is_not_waited_for(
    request: pytest.FixtureRequest, case: ContractCase, sandbox: Sandbox, harness: Harness
) -> None:
    """The platform asks for an hour: the run ends at once and the next one resumes."""
    expect_known_defect(request, case, "throttle-wait")
    case.throttled(sandbox)
    recorder = Recorder(case.platform)
    result = harness.run(recorder)
    assert result.status == RunStatus.THROTTLED, result.error
    assert recorder.sleeps == [], "waited although the platform asked for an hour"


def test_run_deadline_ends_the_run_as_deadline_exceeded(
    request: pytest.FixtureRequest, case: ContractCase, sandbox: Sandbox, harness: Harness
) -> None:
    """The platform stops answering: the run ends at its deadline, saying so."""
    expect_known_defect(request, case, "deadline")
    sandbox.faults.add("hang", case.api_path)
    result = harness.run(deadline_seconds=DEADLINE_SECONDS)
    assert result.status == RunStatus.DEADLINE, result.error


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, with the CLI's logging set-up (redaction installed)."""
    factory = logging.getLogRecordFactory()
    configure_logging(verbose=True)
    install_redaction()
    caplog.set_level(logging.DEBUG)
    for name in LIBRARY_LOGGERS:  # the CLI quiets some of them: open them all up
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    logging.setLogRecordFactory(factory)


def test_no_credential_in_debug_logs_run_records_or_cursors(
    case: ContractCase, sandbox: Sandbox, harness: Harness, debug_logs: pytest.LogCaptureFixture
) -> None:
    if not case.secrets:
        pytest.skip(f"{case.id} reads with no credential")
    ok = harness.run()
    case.unauthorized(sandbox)
    refused = harness.run()
    assert ok.ok, ok.error
    logged = "\n".join(debug_logs.handler.format(r) for r in debug_logs.records)
    assert case.api_path in logged, "the requests were logged at DEBUG"
    stored = [str(harness.run_record(r)) for r in (ok, refused)] + [str(harness.cursors())]
    for secret in case.secrets:
        for form in {secret, quote(secret, safe="")}:
            assert form not in logged, f"a credential ({secret[:4]}...) reached the log"
            assert not [text for text in stored if form in text]
