"""The offline platform sandbox: local HTTP servers speaking the platforms' wire formats.

A `Sandbox` serves a seeded, realistic Korean data set (the fictional 한빛구청's posts and
residents' comments) on loopback, with time that moves and faults that can be switched
on per path. It names no platform: every platform in `connectors.registry` declares its
routes in its sandbox module (`SANDBOX = SandboxPlatform(..., mount)`, see
`aggregator.sandbox.platform`), and `worlds.mount_registered` mounts them all on one
`Router`. What each mount returns (the platform's world: data, scripted failures,
switches) is `sandbox.worlds[name]`, typed with `sandbox.world(name, kind)`, and for the
first six platforms also an attribute (`sandbox.graph`, `.x`, `.pinterest`, `.instagram`,
`.youtube`, `.wordpress_rest`: `aggregator.sandbox.worlds.MountedWorlds`). Example::

    with Sandbox(seed=7, speed=0) as sandbox:
        sandbox.faults.add("status", "/wordpress/", status=503, times=1)
        sandbox.advance(60)
        requests.get(sandbox.base_url + "/wordpress/news/comments/feed/atom/")
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from aggregator.sandbox.admin import Admin
from aggregator.sandbox.clock import DEFAULT_START, SandboxClock
from aggregator.sandbox.config_writer import write_config
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.departments import DEPARTMENTS
from aggregator.sandbox.faults import Fault, FaultKind, FaultSet
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.platform import SandboxContext
from aggregator.sandbox.request_log import LoggedRequest, RequestLog
from aggregator.sandbox.routing import Router
from aggregator.sandbox.server import Application, SandboxServer
from aggregator.sandbox.worlds import MountedWorlds, mount_registered
from aggregator.stopping import stop_on_signals

__all__ = [
    "DEPARTMENTS",
    "DataSet",
    "Fault",
    "FaultKind",
    "LoggedRequest",
    "Sandbox",
    "SandboxAccount",
    "SandboxComment",
    "SandboxPost",
]

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
STOP_TIMEOUT_SECONDS = 1.5


class Sandbox(MountedWorlds):
    """The sandbox HTTP server with its data set, clock, faults, request log and every
    registered platform's routes (their worlds in `worlds`).

    Args:
        seed: the data set's seed (same seed, same bytes at the same sandbox time).
        host: interface to listen on (loopback by default).
        port: TCP port; 0 picks a free one (see `base_url` once started).
        comments: how many comments the data set holds (up to millions; made lazily).
        start: sandbox time at construction (default 2026-11-20 09:00 KST).
        speed: sandbox seconds per real second; 0 freezes time (use `advance`).
        wordpress_per_post_limit: cap WordPress per-post comment feeds like real
            WordPress does (`posts_per_rss`, 10); None lists every comment.
        rewind_days: start the clock this many days before `start` while the data set
            stays anchored at `start` (the demo replays those days of syncing).
    """

    def __init__(
        self,
        seed: int = 7,
        host: str = "127.0.0.1",
        port: int = 0,
        comments: int = 400,
        start: datetime | None = None,
        speed: float = 60.0,
        *,
        wordpress_per_post_limit: int | None = 10,
        rewind_days: float = 0,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        anchor = start or DEFAULT_START
        self.clock = SandboxClock(anchor - timedelta(days=rewind_days), speed)
        self.data = DataSet(seed, comments, anchor.astimezone(UTC))
        self.faults = FaultSet()
        self.requests = RequestLog()
        self.router = Router()
        context = SandboxContext(self.router, self.data, self.clock.now, wordpress_per_post_limit)
        self.worlds = mount_registered(context)
        Admin(self.clock, self.data, self.faults, self.requests).register(self.router)
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()
        self._stopped = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Serve in a background daemon thread; return self."""
        server = self._bind()
        self._thread = threading.Thread(
            target=self._serve, args=(server,), name="sandbox-server", daemon=True
        )
        self._thread.start()
        self._serving.wait(1.0)
        log.info("sandbox serving on %s", self.base_url)
        return self

    def serve_forever(self) -> None:
        """Serve until SIGTERM, SIGINT (Ctrl-C) or `stop()` from another thread, then stop.

        Starts the server if `start()` was not called; otherwise just waits.
        """
        if self._server is None:
            self.start()
        try:
            with stop_on_signals(self.request_stop):
                while not self._stopped.wait(POLL_SECONDS * 4):
                    pass
        except KeyboardInterrupt:
            log.info("sandbox interrupted")
        finally:
            self.stop()

    def request_stop(self) -> None:
        """Make `serve_forever` return (safe from a signal handler); it then stops."""
        self._stopped.set()

    def stop(self) -> None:
        """Stop serving and close every connection, also hung ones (within ~2 s)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        if self._serving.is_set():
            server.shutdown()
        left = server.close_connections(STOP_TIMEOUT_SECONDS)
        server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_TIMEOUT_SECONDS)
        self._thread = None
        self._stopped.set()
        if left:
            log.warning("sandbox stopped with %d connection thread(s) still ending", left)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> SandboxServer:
        if self._server is not None:
            raise RuntimeError(f"the sandbox is already serving on {self.base_url}")
        app = Application(self.router, self.faults, self.requests, self.clock.now)
        self._server = SandboxServer((self.host, self.port), app)
        self._stopped.clear()
        return self._server

    def _serve(self, server: SandboxServer) -> None:
        self._serving.set()
        try:
            server.serve_forever(poll_interval=POLL_SECONDS)
        finally:
            self._serving.clear()

    # -- addresses, time, config -------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:54321` (the real port when started with port 0)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self._server.server_port}"

    def url(self, path: str) -> str:
        """The absolute URL of a sandbox path, e.g. `url("/naver/hanbit_gu.xml")`."""
        return self.base_url + path

    def now(self) -> datetime:
        """The current sandbox time (aware UTC)."""
        return self.clock.now()

    def advance(self, minutes: float) -> datetime:
        """Move sandbox time forward; new comments and posts may appear. Returns the new time."""
        return self.clock.advance(minutes)

    def write_config(self, path: Path | str, database_url: str | None = None) -> Path:
        """Write a config.yaml for this running sandbox (database default `data/demo.db`)."""
        return write_config(path, self.base_url, database_url)
