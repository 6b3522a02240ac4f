"""Report files made in the background for the web: asking for one (a job, logged at
once), the worker that makes them one at a time, fetching a finished file, and removing
files after `reports.keep_hours`.

A request for a report already queued or running (same month, format and
pseudonymisation) joins that job instead of making the file twice. Files are written
to `reports.output_dir` (0700) as `<job id>-<random>.<format>` (0600), through a
`.part` file renamed when complete. A job left running by a process that died is
marked failed when a worker starts (and on every later sweep).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from aggregator.config import Settings
from aggregator.reports.data import ReportError
from aggregator.reports.service import (
    MEDIA_TYPES,
    Requester,
    check_request,
    download_action,
    file_name,
    make_file,
)
from aggregator.store import Store
from aggregator.store.reports_repo import DONE, EXPIRED, JobKey
from aggregator.store.staff_repo import AccessEntry
from aggregator.store.sync_repo import Holder
from aggregator.workflow import Role

log = logging.getLogger(__name__)
STALE = timedelta(minutes=15)
"""A running job whose worker has not reported for this long is taken as abandoned."""
POLL_SECONDS = 30.0
"""How often the worker looks for jobs queued elsewhere and files to remove."""
FILE = re.compile(r"^(\d+)-[0-9a-f]{16}\.(?:xlsx|csv|html|pdf)(?:\.part)?$")
CRASHED = "보고서를 만들던 서버가 중간에 멈췄습니다. 다시 요청해 주세요"
INTERNAL = (
    "서버 오류로 보고서를 만들지 못했습니다. 다시 요청하고, 또 실패하면 관리자에게 알려 주세요"
)


class JobUnavailable(Exception):
    """A job's file cannot be given: `status` is the HTTP status, `korean` says why."""

    def __init__(self, status: int, korean: str) -> None:
        super().__init__(korean)
        self.status, self.korean = status, korean


class _Interrupted(Exception):
    """The worker is stopping: the running job goes back to the queue."""


@dataclass(frozen=True)
class Ticket:
    """A request taken: its job, and whether it joined a job already queued or running."""

    job_id: int
    joined: bool


def output_dir(settings: Settings) -> Path:
    """Where report files are kept (`reports.output_dir`, relative to the config file)."""
    path = settings.reports.output_dir
    return path if path.is_absolute() else settings.base_dir / path


def request_report(
    store: Store, settings: Settings, month: str, fmt: str, reason: str,
    who: Requester, pseudonymize: bool = True,
) -> Ticket:  # fmt: skip
    """Queue a report file (or join the same one queued or running) and log the download
    request with its reason, in one transaction.

    Raises:
        ReportError: as `service.check_request` (bad month or format, no reason, ...).
    """
    reason = check_request(settings, month, fmt, reason, who, pseudonymize)
    key = JobKey(month, fmt, pseudonymize)
    try:
        return _take(store, key, reason, who)
    except IntegrityError:  # another request queued the same report at this moment
        return _take(store, key, reason, who)


def _take(store: Store, key: JobKey, reason: str, who: Requester) -> Ticket:
    def entry(job_id: int) -> AccessEntry:
        detail = {"format": key.fmt, "reason": reason, "pseudonymized": key.pseudonymized,
                  "job": job_id}  # fmt: skip
        return who.entry(download_action(key.pseudonymized), key.month, detail)

    role = who.role.value if who.role else None
    job_id, joined = store.reports.take_report_job(key, who.staff, role, reason, entry)
    log.info("report job %d (%s) %s by %s", job_id, key.active_key,
             "joined" if joined else "queued", who.staff)  # fmt: skip
    return Ticket(job_id, joined)


@dataclass(frozen=True)
class ReadyFile:
    """A finished job's file, to send: path, the name to save it as, its MIME type."""

    path: Path
    name: str
    media_type: str


def fetch(store: Store, settings: Settings, job_id: int, who: Requester) -> ReadyFile:
    """A finished job's file for `who` (who asked for it, or an admin); logged.

    Raises:
        JobUnavailable: 404 when there is no such job or it is someone else's, 409 while
            it is not done, 410 after its retention.
    """
    job, mine = store.reports.report_job(job_id, who.staff)
    if job is None or not (mine or who.role == Role.ADMIN):
        raise JobUnavailable(404, "요청하신 보고서 파일이 없습니다")
    now = store.clock()
    if job["status"] == EXPIRED or (job["expires_at"] and job["expires_at"] <= now):
        hours = settings.reports.keep_hours
        gone = f"보관 기간({hours}시간)이 지나 파일을 지웠습니다. 다시 요청해 주세요"
        raise JobUnavailable(410, gone)
    if job["status"] != DONE or not job["file_name"]:
        raise JobUnavailable(409, "보고서를 아직 만들고 있습니다. 다 되면 내려받을 수 있습니다")
    path = output_dir(settings) / job["file_name"]
    if not path.is_file():
        raise JobUnavailable(410, "보고서 파일이 서버에 없습니다. 다시 요청해 주세요")
    detail = {"format": job["format"], "pseudonymized": job["pseudonymized"], "job": job_id}
    store.staff.log_access(who.entry("report_file_download", job["month"], detail))
    return ReadyFile(path, file_name(job["month"], job["format"]), MEDIA_TYPES[job["format"]])


def recent_jobs(store: Store, staff: str, limit: int = 10) -> list[dict[str, Any]]:
    """The jobs `staff` asked for, newest first."""
    return store.reports.recent_report_jobs(staff, limit)


class ReportWorker:
    """Makes queued report files one at a time, in one background thread.

    `start()` runs the loop (recover abandoned jobs, remove expired files, make every
    queued file, wait for `wake()` or `poll_seconds`); tests call the steps directly.
    """

    def __init__(
        self, store: Store, settings: Settings, isolated: bool = True,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:  # fmt: skip
        self.store, self.settings = store, settings
        self.isolated = isolated
        """Analyse pending topics in a child process (the web process keeps no model)."""
        self.poll_seconds = poll_seconds
        self.holder = Holder.this_process()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    # the thread -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="report-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current step; a job still reading rows goes back to the queue."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look for queued jobs now (a request was just queued)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.recover()
                self.clean()
                self.run_queued()
            except Exception:  # the loop must survive a database hiccup
                log.exception("report worker step failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    # the steps ----------------------------------------------------------------------------
    def recover(self) -> int:
        """Mark failed the running jobs whose worker died (here) or went silent."""
        dead = self.store.reports.fail_abandoned_report_jobs(self._abandoned, CRASHED)
        if dead:
            log.warning("report jobs %s were left running by a stopped process: failed", dead)
        return len(dead)

    def _abandoned(self, job: dict[str, Any], now: datetime) -> bool:
        holder = Holder.decode(job["worker"] or "")
        if holder == self.holder:
            return False
        silent = job["heartbeat_at"] is None or job["heartbeat_at"] < now - STALE
        return holder.is_dead_here() or silent

    def run_queued(self) -> int:
        """Make every queued file, oldest first; return how many jobs ran."""
        count = 0
        while not self._stop.is_set():
            job = self.store.reports.claim_report_job(self.holder.encode())
            if job is None:
                break
            self._run(job)
            count += 1
        return count

    def _run(self, job: dict[str, Any]) -> None:
        job_id = int(job["id"])

        def progress(done: int, total: int) -> None:
            self._progress(job_id, done, total)

        try:
            made = make_file(
                self.store, self.settings, job["month"], job["format"], job["pseudonymized"],
                isolated=self.isolated, progress=progress,
            )  # fmt: skip
            name = self._write(job_id, job["format"], made.body)
        except _Interrupted:
            self.store.reports.requeue_report_job(job_id)
            log.info("report job %d interrupted by a shutdown: queued again", job_id)
            return
        except ReportError as exc:
            self._fail(job_id, exc.korean)
            return
        except Exception:
            log.exception("report job %d failed", job_id)
            self._fail(job_id, INTERNAL)
            return
        keep = timedelta(hours=self.settings.reports.keep_hours)
        self.store.reports.finish_report_job(job_id, name, len(made.body), keep)
        size = len(made.body)
        log.info("report job %d done: %s, %d bytes, %d rows", job_id, name, size, made.rows)

    def _progress(self, job_id: int, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Interrupted
        self.store.reports.report_job_progress(job_id, done, total)

    def _fail(self, job_id: int, korean: str) -> None:
        self.store.reports.fail_report_job(job_id, korean)

    def _write(self, job_id: int, fmt: str, body: bytes) -> str:
        directory = self._directory()
        name = f"{job_id}-{secrets.token_hex(8)}.{fmt}"
        part = directory / f"{name}.part"
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, directory / name)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ReportError(str(exc), _folder_problem(directory, exc)) from exc
        return name

    def _directory(self) -> Path:
        directory = output_dir(self.settings)
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            directory.chmod(0o700)
        except OSError as exc:
            raise ReportError(str(exc), _folder_problem(directory, exc)) from exc
        return directory

    def clean(self) -> int:
        """Remove the files whose retention is over, and leftovers no job owns; return how
        many files were removed."""
        directory = output_dir(self.settings)
        if not directory.is_dir():
            return 0
        due = self.store.reports.expired_report_jobs()
        removed = 0
        for job in due:
            if _remove(directory / (job["file_name"] or "")):
                removed += 1
            self.store.reports.report_job_expired(int(job["id"]))
        return removed + self._remove_leftovers(directory)

    def _remove_leftovers(self, directory: Path) -> int:
        kept, running = self.store.reports.kept_report_files()
        removed = 0
        for path in directory.iterdir():
            match = FILE.match(path.name)
            if match and path.name not in kept and int(match[1]) not in running:
                removed += _remove(path)
        return removed


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        log.exception("cannot remove report file %s", path)
        return False
    log.info("removed report file %s", path.name)
    return True


def _folder_problem(directory: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        why = "권한이 없습니다"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "디스크 공간이 부족합니다"
    elif exc.errno in (errno.ENOTDIR, errno.ENOENT, errno.EEXIST):
        why = "경로가 폴더가 아니거나 없습니다"
    else:
        why = f"입출력 오류 {exc.errno}"
    return (
        f"보고서 저장 폴더({directory})에 파일을 쓸 수 없습니다: {why}. "
        "관리자에게 알려 주세요 (설정 reports.output_dir)"
    )
