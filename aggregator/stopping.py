"""Stopping long-running commands cleanly on SIGTERM and SIGINT.

A background job of a non-interactive shell (`aggregator sandbox &` in a script) starts
with SIGINT ignored, so Ctrl-C's `KeyboardInterrupt` never comes; and SIGTERM's default
kills the process without cleanup. Every long-running command (`sandbox`, `serve`,
`demo`'s inbox, `scheduler.py`) therefore handles both signals explicitly.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT call `stop`; the previous handlers come back after.

    Outside the main thread (where signals cannot be handled) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.warning("received %s: stopping", signal.Signals(signum).name)
        stop()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def serve_web(app: Any, host: str, port: int, log_level: str) -> None:
    """Serve an ASGI app with uvicorn until SIGTERM or SIGINT, then return normally.

    uvicorn stops on both signals itself, then re-raises the signal to the handler it
    found: ours, so the process ends with code 0 after its cleanup instead of dying by
    SIGTERM's default or a `KeyboardInterrupt`.
    """
    import uvicorn

    with stop_on_signals(lambda: None):
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)
