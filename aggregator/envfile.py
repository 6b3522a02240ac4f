"""One `VARIABLE=value` line put into an environment file, atomically.

The files are the ones tokens live in: `/etc/aggregator/secrets.env` (read by
`aggregator-env`: `VARIABLE=value` lines, taken literally) or a systemd `EnvironmentFile=`.
`put_variable` replaces the variable's line (and drops later lines setting it again, which
would win), or appends one, and keeps every other line as it was. The new text goes to a
temporary file in the same directory, created with mode 0600 before anything is written,
then flushed to disk and renamed over the file: a reader sees the old file or the new one,
never half of it. A new file keeps mode 0600; an existing one keeps its mode, owner and
group (so `secrets.env` stays 640 root:aggregator, which `aggregator-env` needs).
`check_target` says beforehand whether that can be done, so a caller can refuse before it
makes a credential it could not keep.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VALUE = re.compile(r"^[A-Za-z0-9._~+/=|:-]+$")
"""What a token may hold to sit on an env-file line unquoted (no space, quote, `$`, `#`,
backslash or line break: `aggregator-env` and systemd would read those differently)."""


class EnvFileError(Exception):
    """The file cannot be written as asked (the message says why, never the value)."""


def check_target(path: Path) -> None:
    """Raise `EnvFileError` unless `put_variable(path, ...)` can replace or create `path`:
    its directory exists and is writable, and an existing `path` is a regular file this
    process can read and whose owner it can keep."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise EnvFileError(f"{folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EnvFileError(
            f"cannot create files in {folder} (the new file is written there, then renamed)"
        )
    if not path.exists():
        return
    if not path.is_file():
        raise EnvFileError(f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise EnvFileError(f"cannot read {path}")
    owner = path.stat().st_uid
    if os.geteuid() not in (0, owner):
        raise EnvFileError(f"{path} belongs to another user (uid {owner}): run as it or root")


def put_variable(path: Path, name: str, value: str) -> str:
    """Set `name=value` in the env file at `path` (module doc); return what was done:
    `created`, `replaced` or `added`."""
    if not NAME.match(name):
        raise EnvFileError(f"{name!r} is not a variable name")
    if not VALUE.match(value):
        raise EnvFileError(f"the value for {name} holds characters an env file line cannot")
    check_target(path)
    before = path.stat() if path.exists() else None
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if before else []
    text, done = _with_variable(lines, name, value)
    _replace(path, text, before)
    return "created" if before is None else done


def _with_variable(lines: list[str], name: str, value: str) -> tuple[str, str]:
    kept, placed = [], False
    for line in lines:
        if _sets(line, name):
            if not placed:
                kept.append(f"{name}={value}\n")
                placed = True
            continue
        kept.append(line)
    if placed:
        return "".join(kept), "replaced"
    if kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    return "".join([*kept, f"{name}={value}\n"]), "added"


def _sets(line: str, name: str) -> bool:
    head = line.split("=", 1)[0].strip() if "=" in line else ""
    return head.removeprefix("export ").strip() == name


def _replace(path: Path, text: str, before: os.stat_result | None) -> None:
    """Write `text` to a 0600 temporary file beside `path`, sync it, give it `before`'s
    mode and owner, and rename it over `path`."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if before is not None:
            os.chmod(temporary, stat.S_IMODE(before.st_mode))
            if (before.st_uid, before.st_gid) != (os.geteuid(), os.getegid()):
                _chown(temporary, before)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _chown(temporary: str, before: os.stat_result) -> None:
    """Give the new file the old one's owner and group (an owner who is not root and not in
    the old group keeps the file's owner, with its own group)."""
    try:
        os.chown(temporary, before.st_uid, before.st_gid)
    except PermissionError:
        if before.st_uid != os.geteuid():
            raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
