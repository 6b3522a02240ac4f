"""The `aggregator` command as a real process: output through pipes, signals, stderr."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from aggregator.db import upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))


@contextmanager
def spawned(args: list[str], **kwargs: object) -> Iterator[subprocess.Popen[str]]:
    """A child process that is always killed and reaped, also when the test fails."""
    process = subprocess.Popen(args, text=True, **kwargs)  # type: ignore[call-overload]
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sandbox_export_lines_survive_eval_through_a_narrow_pipe(tmp_path: Path) -> None:
    config = tmp_path / "a-rather-long-directory-name-for-the-sandbox" / "sandbox.yaml"
    config.parent.mkdir()
    command = [AGGREGATOR, "sandbox", "--port", str(free_port()), "--write-config", str(config)]
    with spawned(command, stdout=subprocess.PIPE, env={**os.environ, "COLUMNS": "30"}) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "serving on" in line:
                break
        process.send_signal(signal.SIGTERM)
    assert any(line.startswith(f"wrote {config} ") for line in lines)
    exports = "".join(line for line in lines if line.startswith("export "))
    shown = subprocess.run(
        ["bash", "-c", f"eval {_quote(exports)}; env"], capture_output=True, text=True, check=True
    )
    for name, value in SANDBOX_ENV.items():
        assert f"{name}={value}\n" in shown.stdout


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


SMALL_DISK = """
import sys
import sqlalchemy as sa

MAX_PAGES = int(sys.argv.pop(1))

@sa.event.listens_for(sa.engine.Engine, "connect")
def small_disk(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA max_page_count = %d" % MAX_PAGES)

from aggregator.cli import main
sys.argv[0] = "aggregator"
main()
"""


def sync_on_a_full_disk(sandbox: Sandbox, tmp_path: Path, *args: str) -> str:
    """`aggregator sync` in a real process whose SQLite database cannot grow; its stderr."""
    path = tmp_path / "full.db"
    config = sandbox.write_config(tmp_path / "config.yaml", database_url=str(path))
    upgrade(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    command = [sys.executable, "-c", SMALL_DISK, str(pages), "sync", "-c", str(config), *args]
    with spawned(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **SANDBOX_ENV, "COLUMNS": "200"},
    ) as process:
        _out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    return str(err)


def test_a_full_disk_during_sync_is_one_line_per_account_without_tracebacks(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    err = sync_on_a_full_disk(sandbox, tmp_path, "--platform", "blog")
    assert "Traceback" not in err
    failures = [line for line in err.splitlines() if "database or disk is full" in line]
    blogs = {"naver-blog", "wordpress-news", "tistory-blog"}
    assert len(failures) == len(blogs), err
    assert {line.split(":")[0] for line in failures} == blogs


def test_a_full_disk_during_sync_shows_the_traceback_with_verbose(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    err = sync_on_a_full_disk(sandbox, tmp_path, "--platform", "blog", "-v")
    assert "Traceback" in err
    assert "database or disk is full" in err


def ignore_sigint() -> None:
    """What a non-interactive shell does to a background job (`aggregator sandbox &`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_line(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if text in line:
            return
    raise AssertionError(f"the process ended ({process.wait()}) before printing {text!r}")


def wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    while process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the process exited with {process.returncode} before listening")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_background_sandbox_stops_on_a_signal_and_frees_its_port(
    stop: signal.Signals, tmp_path: Path
) -> None:
    port = free_port()
    command = [AGGREGATOR, "sandbox", "--port", str(port), "--comments", "50"]
    with spawned(command, stdout=subprocess.PIPE, preexec_fn=ignore_sigint) as process:
        wait_for_line(process, "serving on")
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
    assert port_is_free(port)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_background_inbox_server_stops_on_a_signal_and_frees_its_port(
    stop: signal.Signals, tmp_path: Path
) -> None:
    database = tmp_path / "inbox.db"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: '{database}'}}\n", encoding="utf-8")
    upgrade(f"sqlite:///{database}")
    port = free_port()
    command = [AGGREGATOR, "serve", "--config", str(config), "--port", str(port)]
    with spawned(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=ignore_sigint
    ) as process:
        wait_until_listening(port, process)
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
    assert port_is_free(port)
