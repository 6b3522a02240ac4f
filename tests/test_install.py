"""scripts/install.sh for real: installed into a temporary root (a new venv, the service
user, config, secrets, state dir, units, crontab), then the installed commands run as the
service user against the sandbox, the way cron and systemd run them.

As root (CI) the script creates a throwaway system user, removed afterwards; as anyone
else it installs for the current user and the user-creation test skips.
"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from tests.fixtures_sandbox import SMALL
from tests.test_deploy import cron_lines, unit_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = os.geteuid() == 0
CRON_ENV = {"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "LANG": "C.UTF-8"}
"""About all the environment cron gives a command (no AGGREGATOR_*, no tokens)."""


@dataclass(frozen=True)
class Install:
    """Where one test install went, and how to run things as its service user."""

    root: Path
    user: str

    @property
    def prefix(self) -> Path:
        return self.root / "opt" / "aggregator"

    @property
    def config_dir(self) -> Path:
        return self.root / "etc" / "aggregator"

    @property
    def state_dir(self) -> Path:
        return self.root / "var" / "lib" / "aggregator"

    @property
    def systemd_dir(self) -> Path:
        return self.root / "etc" / "systemd" / "system"

    @property
    def cron_dir(self) -> Path:
        return self.root / "etc" / "cron.d"

    def script(self, template: Path) -> subprocess.CompletedProcess[str]:
        """Run scripts/install.sh into this root (as the test's own user: root in CI)."""
        command = ["bash", str(ROOT / "scripts" / "install.sh"), "--cron", "--user", self.user]
        for flag, path in (
            ("--prefix", self.prefix),
            ("--config-dir", self.config_dir),
            ("--state-dir", self.state_dir),
            ("--systemd-dir", self.systemd_dir),
            ("--cron-dir", self.cron_dir),
            ("--config-template", template),
        ):
            command += [flag, str(path)]
        return subprocess.run(command, capture_output=True, text=True, cwd="/")

    def popen(self, command: list[str], cwd: Path) -> subprocess.Popen[str]:
        """Start `command` as the service user with cron's bare environment."""
        entry = pwd.getpwnam(self.user)
        switch = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        return subprocess.Popen(
            command,
            cwd=cwd,
            env={**CRON_ENV, "HOME": str(self.state_dir)},
            **(switch if IS_ROOT else {}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run `command` to its end as the service user; stdout and stderr captured."""
        process = self.popen(command, cwd or self.state_dir)
        stdout, stderr = process.communicate()
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)

    def aggregator(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The installed `aggregator` through the installed aggregator-env, from `/`."""
        wrapper = str(self.prefix / "bin" / "aggregator-env")
        return self.run([wrapper, "aggregator", *args], cwd=Path("/"))

    def sql(self, query: str) -> str:
        """One value from the installed database, read as the service user (WAL files
        made by root would lock the service out)."""
        code = (
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
            "print(db.execute(sys.argv[2]).fetchone()[0])"
        )
        python = str(self.prefix / ".venv" / "bin" / "python")
        done = self.run([python, "-c", code, str(self.state_dir / "aggregator.db"), query])
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def install_sandbox() -> Iterator[Sandbox]:
    """One sandbox for the whole module (the install takes minutes, so it happens once)."""
    with Sandbox(**SMALL) as running:
        yield running


@pytest.fixture(scope="module")
def installed(install_sandbox: Sandbox) -> Iterator[Install]:
    """The project installed into a fresh root, for the sandbox, by scripts/install.sh.

    secrets.env is written before the install (with the sandbox's tokens) to prove the
    script keeps it; the config template is the one `aggregator sandbox --write-config`
    writes.
    """
    root = Path(tempfile.mkdtemp(prefix="aggregator-install-", dir="/tmp"))
    root.chmod(0o755)  # the service user must reach the directories below
    user = f"aggtest{uuid.uuid4().hex[:8]}" if IS_ROOT else getpass.getuser()
    install = Install(root, user)
    template = install_sandbox.write_config(root / "sandbox-config.yaml")
    install.config_dir.mkdir(parents=True)
    secrets = "".join(f"{name}={value}\n" for name, value in SANDBOX_ENV.items())
    (install.config_dir / "secrets.env").write_text(secrets, encoding="utf-8")
    try:
        done = install.script(template)
        assert done.returncode == 0, done.stdout + done.stderr
        yield install
    finally:
        if IS_ROOT:
            subprocess.run(["userdel", user], capture_output=True, check=False)
        shutil.rmtree(root)


@pytest.mark.skipif(not IS_ROOT, reason="creating a system user needs root")
def test_install_creates_the_service_user_owning_the_state_dir(installed: Install) -> None:
    entry = pwd.getpwnam(installed.user)
    assert entry.pw_uid < 1000  # a system user
    assert entry.pw_shell.endswith("nologin")
    assert Path(entry.pw_dir) == installed.state_dir
    database = installed.state_dir / "aggregator.db"
    assert installed.state_dir.stat().st_uid == entry.pw_uid
    assert database.stat().st_uid == entry.pw_uid  # db upgrade ran as the service user


def test_installed_config_puts_the_database_in_the_state_dir(installed: Install) -> None:
    config = installed.config_dir / "config.yaml"
    shown = installed.aggregator("config", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"resolved_url: sqlite:///{installed.state_dir}/aggregator.db" in shown.stdout
    assert _mode(config) == 0o640
    assert config.stat().st_gid == pwd.getpwnam(installed.user).pw_gid


def test_install_keeps_an_existing_secrets_env_and_hides_it(installed: Install) -> None:
    secrets = installed.config_dir / "secrets.env"
    written = "".join(f"{name}={value}\n" for name, value in SANDBOX_ENV.items())
    assert secrets.read_text(encoding="utf-8") == written
    assert _mode(secrets) == 0o640


def test_installed_commands_sync_the_sandbox_as_the_service_user(installed: Install) -> None:
    for args in (["config", "check"], ["db", "upgrade"], ["sync"], ["status"]):
        done = installed.aggregator(*args)
        assert done.returncode == 0, f"{args}: {done.stderr}"
    assert int(installed.sql("select count(*) from comment")) > 0


def test_crontab_lines_run_as_written_with_the_tokens(installed: Install) -> None:
    lines = cron_lines(installed.cron_dir / "aggregator")
    assert {fields[5] for fields in lines} == {installed.user}
    commands = [fields[6] for fields in lines]
    for wanted in ("sync --trigger cron --reconcile", "status --check"):
        command = next(command for command in commands if wanted in command)
        done = installed.run(["/bin/sh", "-c", command])
        assert done.returncode == 0, f"{command}: {done.stderr}"


def test_scheduler_unit_runs_the_installed_scheduler_as_written(installed: Install) -> None:
    unit = unit_settings(installed.systemd_dir / "aggregator-scheduler.service")
    assert unit["User"] == installed.user
    assert "EnvironmentFile" not in unit  # aggregator-env reads secrets.env, as for cron
    process = installed.popen(unit["ExecStart"].split(), cwd=Path(unit["WorkingDirectory"]))
    try:
        while process.poll() is None and installed.sql("select count(*) from service_lease") == "0":
            time.sleep(0.5)  # until the scheduler holds its lease (or died: asserted below)
        assert process.poll() is None, process.communicate()[1]
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate()[1]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr


def test_sync_unit_and_timer_name_the_installed_paths(installed: Install) -> None:
    service = unit_settings(installed.systemd_dir / "aggregator-sync.service")
    assert service["User"] == installed.user
    assert Path(service["WorkingDirectory"]) == installed.state_dir
    wrapper, *command = service["ExecStart"].split()
    assert Path(wrapper) == installed.prefix / "bin" / "aggregator-env"
    assert command == ["aggregator", "sync", "--trigger", "cron"]
    assert (installed.systemd_dir / "aggregator-sync.timer").is_file()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_installed_units_pass_systemd_analyze_verify(installed: Install) -> None:
    units = sorted(installed.systemd_dir.glob("aggregator-*"))
    assert len(units) == 3
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_second_install_keeps_config_secrets_and_data(
    installed: Install, install_sandbox: Sandbox
) -> None:
    config = installed.config_dir / "config.yaml"
    with config.open("a", encoding="utf-8") as edited:
        edited.write("# edited by the office\n")
    kept = {path: path.read_bytes() for path in (config, installed.config_dir / "secrets.env")}
    assert installed.aggregator("sync").returncode == 0
    comments = installed.sql("select count(*) from comment")
    template = install_sandbox.write_config(installed.root / "other-config.yaml")
    done = installed.script(template)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {path: path.read_bytes() for path in kept} == kept
    assert installed.sql("select count(*) from comment") == comments
