"""The `aggregator` command as a real process: output through pipes, signals, stderr."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
