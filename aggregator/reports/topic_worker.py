"""The topic worker: kiwipiepy's noun analysis in a lean process of its own.

kiwipiepy's model takes ~260 MB once it is working; the caller (the CLI, the scheduler,
a report) already holds SQLAlchemy, the models and the store (~70 MB and more). So the
analysis runs in a child, `python -m aggregator.reports.topic_worker`, that imports only
this module, `aggregator.reports.topics` and kiwipiepy (no database driver, no web, no
report writers). The caller reads the comments from the store in batches and streams
them through the child's pipes: one JSON list of texts per line in, one JSON list of
noun lists per line out, until end of input. The child never opens the database, so it
needs neither its URL nor any password (its environment carries no secrets), and it
works with any back end. Its memory goes back when it exits.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from aggregator.reports.topics import NounExtractor, default_extractor

MODULE = "aggregator.reports.topic_worker"
ROOT = str(Path(__file__).resolve().parent.parent.parent)
"""The directory holding this `aggregator` package."""
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "HOME")
"""The only variables the worker inherits: no database URL, key or token reaches it."""


class TopicWorkerError(RuntimeError):
    """The topic worker stopped before answering (killed, out of memory, broken)."""


def serve(source: IO[str], sink: IO[str], extract: NounExtractor) -> int:
    """Answer each line of texts on `source` with their nouns on `sink`; return how
    many texts were analysed when `source` ends."""
    done = 0
    for line in source:
        texts = json.loads(line)
        sink.write(json.dumps(list(extract(texts)), ensure_ascii=False) + "\n")
        sink.flush()
        done += len(texts)
    return done


def worker_env() -> dict[str, str]:
    """The worker's environment: `PASSED_ENV` and a `PYTHONPATH` that finds this very
    `aggregator` package first (a source checkout; an installed one is found anyway)."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    paths = [os.environ.get("PYTHONPATH", "")]
    if ROOT not in site.getsitepackages():
        paths.insert(0, ROOT)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return env


class _Worker:
    """The caller's end of the worker: a `NounExtractor` over its pipes. The process
    starts with the first batch (nothing to analyse: no process, no model loaded)."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.process: subprocess.Popen[str] | None = None

    def __call__(self, texts: Sequence[str]) -> Iterable[list[str]]:
        process = self.process or self._start()
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            process.stdin.write(json.dumps(list(texts), ensure_ascii=False) + "\n")
            process.stdin.flush()
        except BrokenPipeError as exc:
            raise self._stopped(process) from exc
        answer = process.stdout.readline()
        if not answer:
            raise self._stopped(process)
        nouns: list[list[str]] = json.loads(answer)
        if len(nouns) != len(texts):
            raise TopicWorkerError(f"topic worker answered {len(nouns)} of {len(texts)} texts")
        return nouns

    def _start(self) -> subprocess.Popen[str]:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=worker_env(),
            text=True,
            encoding="utf-8",
        )
        return self.process

    @staticmethod
    def _stopped(process: subprocess.Popen[str]) -> TopicWorkerError:
        return TopicWorkerError(f"topic worker stopped (exit status {process.wait()})")

    def finish(self, failed: bool) -> None:
        """End the worker: at the end of its input, or at once when the caller `failed`."""
        if self.process is None:
            return
        if failed:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with suppress(BrokenPipeError):
                    stream.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def worker_extractor(command: Sequence[str] | None = None) -> Iterator[NounExtractor]:
    """A `NounExtractor` whose analysis runs in a fresh worker process, ended (and its
    memory freed) when the block ends. `command` replaces the worker's (tests)."""
    # -P: not the working directory first on the path (another checkout's package)
    worker = _Worker(command or (sys.executable, "-P", "-m", MODULE))
    failed = True
    try:
        yield worker
        failed = False
    finally:
        worker.finish(failed)


def main() -> None:
    """The worker: kiwipiepy (one analysis thread) over stdin until it ends."""
    sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    serve(sys.stdin, sys.stdout, default_extractor())


if __name__ == "__main__":
    main()
