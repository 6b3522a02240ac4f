"""The 월간 보고서 page's report files made in the background: request -> job -> file,
who may fetch it, a second request joining the first, crash recovery, the retention,
progress, and Korean errors that keep what was typed. On SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.db import write_transaction
from aggregator.reports.jobs import CRASHED, ReportWorker
from aggregator.reports.service import make_file
from aggregator.store import report_jobs as rows
from aggregator.store.access_log import LogFilter
from aggregator.store.locks import Holder
from aggregator.store.tables import REPORT_JOB, REPORT_JOB_REQUEST
from aggregator.users import hash_password
from aggregator.workflow import Role
from tests.fixtures_report_jobs import ask, job_of, use_output_dir
from tests.fixtures_web import FAST_HASHER, PASSWORD, Web

FORM = {"month": "2026-11", "format": "csv", "reason": "국장 보고"}


@pytest.fixture
def reports(web: Web, tmp_path: Path) -> tuple[Web, ReportWorker, Path]:
    directory = tmp_path / "files" / "reports"
    return web, use_output_dir(web, directory), directory


def _job(web: Web, job_id: int) -> dict[str, Any]:
    with web.store.engine.connect() as conn:
        found = rows.job(conn, job_id)
    assert found is not None
    return found


def test_a_request_becomes_a_job_whose_file_the_requester_downloads(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, directory = reports
    client = web.client("communications")
    response = ask(client, web.csrf(client), **FORM)
    job_id = job_of(response)
    assert response.headers["location"].startswith("/reports?done=queued:2026-11")
    page = client.get(response.headers["location"]).text
    assert "2026년 11월 보고서를 만들기 시작했습니다" in page
    assert "대기" in page
    assert "/reports/file?job=" not in page
    [logged] = web.store.staff.access_log(LogFilter(action="report_download"))
    assert logged["staff"] == "comm1"
    assert f'"job": {job_id}' in logged["detail"]

    assert worker.run_queued() == 1
    page = client.get("/reports").text
    assert "완료" in page
    assert f'href="/reports/file?job={job_id}"' in page
    got = client.get(f"/reports/file?job={job_id}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == 'attachment; filename="sns-report-2026-11.csv"'
    assert got.headers["cache-control"] == "no-store"
    assert got.content.startswith(b"\xef\xbb\xbf")
    assert "밤마다 공사 소음이 심해요" in got.content.decode("utf-8-sig")
    assert b"svg onload" not in got.content  # an author's name, pseudonymised
    assert (directory.stat().st_mode & 0o777) == 0o700
    [stored] = list(directory.iterdir())
    assert (stored.stat().st_mode & 0o777) == 0o600
    assert stored.read_bytes() == got.content
    [fetched] = web.store.staff.access_log(LogFilter(action="report_file_download"))
    assert fetched["staff"] == "comm1"
    assert fetched["target"] == "report:2026-11"


def test_another_officer_cannot_download_the_file_but_an_admin_can(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, _directory = reports
    web.store.staff.create_user(
        "comm2", Role.COMMUNICATIONS, None, hash_password(FAST_HASHER, PASSWORD)
    )
    owner = web.client("communications")
    job_id = job_of(ask(owner, web.csrf(owner), **FORM))
    worker.run_queued()
    other = web.client("comm2")
    refused = other.get(f"/reports/file?job={job_id}")
    assert refused.status_code == 404
    assert "요청하신 보고서 파일이 없습니다" in refused.text
    assert "/reports/file?job=" not in other.get("/reports").text  # not in their list
    assert [r["staff"] for r in web.store.staff.access_log(LogFilter(action="not_found"))] == [
        "comm2"
    ]
    assert web.client("admin").get(f"/reports/file?job={job_id}").status_code == 200
    assert other.get("/reports/file?job=99999").status_code == 404
    assert other.get("/reports/file?job=abc").status_code == 404


def test_the_same_report_asked_twice_joins_the_job_already_queued(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, _directory = reports
    first, second = web.client("communications"), web.client("admin")
    job_id = job_of(ask(first, web.csrf(first), **FORM))
    joined = ask(second, web.csrf(second), **{**FORM, "reason": "구청장 보고"})
    assert job_of(joined) == job_id
    assert "같은 보고서를 이미 만들고 있어" in second.get(joined.headers["location"]).text
    identified = job_of(ask(second, web.csrf(second), **FORM, identified="1"))
    assert identified != job_id  # real names: another report
    with web.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(REPORT_JOB)).scalar() == 2
        reasons = conn.execute(
            sa.select(REPORT_JOB_REQUEST.c.staff, REPORT_JOB_REQUEST.c.reason)
            .where(REPORT_JOB_REQUEST.c.job_id == job_id)
            .order_by(REPORT_JOB_REQUEST.c.id)
        ).all()
    assert [tuple(r) for r in reasons] == [("comm1", "국장 보고"), ("admin1", "구청장 보고")]
    assert len(web.store.staff.access_log(LogFilter(action="report_download"))) == 2
    assert worker.run_queued() == 2
    for client in (first, second):
        assert client.get(f"/reports/file?job={job_id}").status_code == 200
    again = job_of(ask(first, web.csrf(first), **FORM))
    assert again not in (job_id, identified)  # a finished job is not joined: a fresh file


def _dead_holder() -> Holder:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return Holder(Holder.this_process().host, child.pid, "crashed")


def _claimed_by(web: Web, holder: Holder, **form: str) -> int:
    client = web.client("communications")
    job_id = job_of(ask(client, web.csrf(client), **{**FORM, **form}))
    with write_transaction(web.store.engine) as conn:
        claimed = rows.claim_next(conn, holder.encode(), web.store.clock())
    assert claimed is not None
    assert claimed["id"] == job_id
    return job_id


def test_a_job_left_running_by_a_dead_process_is_failed_when_a_worker_starts(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, _directory = reports
    crashed = _claimed_by(web, _dead_holder())
    alive = _claimed_by(web, Holder.this_process(), format="xlsx")
    assert worker.recover() == 1
    assert _job(web, crashed)["status"] == "failed"
    assert _job(web, crashed)["error"] == CRASHED
    assert _job(web, alive)["status"] == "running"  # a live process, reporting: left alone
    page = web.client("communications").get("/reports").text
    assert "실패" in page
    assert CRASHED in page
    web.store.clock.advance(minutes=20)  # type: ignore[attr-defined]
    assert worker.recover() == 1  # silent for 20 minutes: taken as abandoned
    assert _job(web, alive)["status"] == "failed"
    client = web.client("communications")
    assert job_of(ask(client, web.csrf(client), **FORM)) not in (crashed, alive)


def test_files_are_removed_after_the_retention_and_leftovers_with_them(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, directory = reports
    client = web.client("communications")
    job_id = job_of(ask(client, web.csrf(client), **FORM))
    worker.run_queued()
    [made] = list(directory.iterdir())
    leftover = directory / "99-0123456789abcdef.pdf.part"
    leftover.write_bytes(b"half a file")
    foreign = directory / "README.txt"
    foreign.write_text("not ours", encoding="utf-8")
    assert worker.clean() == 1  # the leftover only: the file is kept 24 hours
    assert made.exists()
    assert not leftover.exists()
    assert foreign.exists()
    web.store.clock.advance(hours=24, seconds=1)  # type: ignore[attr-defined]
    client = web.client("communications")  # the session has ended meanwhile
    expired = client.get(f"/reports/file?job={job_id}")
    assert expired.status_code == 410
    assert "보관 기간(24시간)이 지나 파일을 지웠습니다" in expired.text
    assert worker.clean() == 1
    assert not made.exists()
    assert foreign.exists()
    assert _job(web, job_id)["status"] == "expired"
    assert "보관 기간 지남" in client.get("/reports").text


def test_a_job_that_cannot_write_its_file_fails_with_a_korean_reason(
    reports: tuple[Web, ReportWorker, Path], tmp_path: Path
) -> None:
    web, worker, _directory = reports
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    use_output_dir(web, blocker / "reports")
    client = web.client("communications")
    job_id = job_of(ask(client, web.csrf(client), **FORM))
    worker.run_queued()
    job = _job(web, job_id)
    assert job["status"] == "failed"
    assert "보고서 저장 폴더" in job["error"]
    assert "경로가 폴더가 아니거나 없습니다" in job["error"]


def test_the_page_polls_a_json_list_with_status_and_progress(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, _directory = reports
    client = web.client("communications")
    job_id = job_of(ask(client, web.csrf(client), **FORM))
    page = client.get("/reports").text
    assert 'data-active="yes"' in page
    assert "/static/report_jobs.js" in page
    assert '<a href="/reports">새로 고침</a>' in page  # without JavaScript
    queued = client.get("/reports/jobs").json()
    assert queued["active"] is True
    assert queued["jobs"][0] | {"requested": ""} == {
        "id": job_id, "month": "2026년 11월", "format": "CSV", "names": "가명",
        "label": "대기", "active": True, "done": False, "percent": 0,
        "progress": "차례를 기다리는 중", "error": "", "requested": "", "expires": "",
    }  # fmt: skip
    worker.run_queued()
    done = client.get("/reports/jobs").json()
    assert done["active"] is False
    assert (done["jobs"][0]["label"], done["jobs"][0]["percent"]) == ("완료", 100)
    assert done["jobs"][0]["progress"] == "5건"
    assert done["jobs"][0]["expires"] == "11월 18일 (수) 09:00"  # 24 hours after it was made
    assert 'data-active="no"' in client.get("/reports").text


def test_progress_counts_every_row_and_leaves_the_file_as_it_was(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, _worker, _directory = reports
    calls: list[tuple[int, int]] = []

    def made(**extra: Any) -> bytes:
        return make_file(web.store, web.settings, "2026-11", "csv", True, **extra).body

    assert made(progress=lambda done, total: calls.append((done, total))) == made()
    assert calls[0] == (0, 5)
    assert calls[-1] == (5, 5)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"month": "2026-13"}, "월: 2026-13은 올바른 달이 아닙니다 (예: 2026-11)"),
        ({"month": "11월"}, "월: 11월은 올바른 달이 아닙니다 (예: 2026-11)"),
        ({"month": ""}, "월을 적어 주세요 (예: 2026-11)"),
        ({"format": "doc"}, "형식: doc은(는) 쓸 수 없습니다 (XLSX, CSV, HTML, PDF 중 하나)"),
        ({"format": ""}, "형식을 골라 주세요 (XLSX, CSV, HTML, PDF 중 하나)"),
        ({"reason": " "}, "사유를 적어 주세요 (접속기록에 남습니다)"),
        ({"reason": "보고\x07"}, "사유: "),
    ],
)
def test_form_errors_are_korean_and_keep_what_was_typed(
    reports: tuple[Web, ReportWorker, Path], form: dict[str, str], message: str
) -> None:
    web, _worker, _directory = reports
    client = web.client("admin")
    typed = {**FORM, "format": "pdf", "reason": "구청장 보고용", "identified": "1", **form}
    response = ask(client, web.csrf(client), **typed)
    assert response.status_code == 400
    assert message in response.text
    shown = response.text.split('id="report-request"')[1].split("</form>")[0]
    assert f'name="month" value="{typed["month"] or "2026-10"}"' in shown  # empty: the default
    if typed["reason"].strip() and "\x07" not in typed["reason"]:
        assert f'value="{typed["reason"]}"' in shown
    if typed["format"] == "pdf":
        assert '<option value="pdf" selected>' in shown
    assert 'name="identified" value="1" checked' in shown
    assert web.store.staff.access_log(LogFilter(action="report_download_identified")) == []


def test_a_shutdown_while_rows_are_read_puts_the_job_back_in_the_queue(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, worker, directory = reports
    client = web.client("communications")
    job_id = job_of(ask(client, web.csrf(client), **FORM))
    with write_transaction(web.store.engine) as conn:
        job = rows.claim_next(conn, worker.holder.encode(), web.store.clock())
    assert job is not None
    worker.stop()  # what the app's shutdown does
    worker._run(job)  # the step the thread was in
    queued = _job(web, job_id)
    assert (queued["status"], queued["rows_done"], queued["worker"]) == ("queued", 0, None)
    assert not directory.exists() or list(directory.iterdir()) == []
    after_restart = ReportWorker(web.store, web.settings, isolated=False)
    assert after_restart.run_queued() == 1
    assert _job(web, job_id)["status"] == "done"


def test_a_close_error_keeps_the_month_typed_in_the_close_form_only(
    reports: tuple[Web, ReportWorker, Path],
) -> None:
    web, _worker, _directory = reports
    client = web.client("communications")
    response = client.post(
        "/reports/close", data={"month": "2026-13", "csrf_token": web.csrf(client)}
    )
    assert response.status_code == 400
    assert "월: 2026-13은 올바른 달이 아닙니다 (예: 2026-11)" in response.text
    request_form, close_form = response.text.split('action="/reports/close"')
    assert 'name="month" value="2026-10"' in request_form.split('id="report-request"')[1]
    assert 'name="month" value="2026-13"' in close_form.split("</form>")[0]
