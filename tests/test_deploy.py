"""deploy/ and scripts/install.sh without installing: the files' commands and paths, the
aggregator-env wrapper's reading of secrets.env, and the script's refusal of bad flags.
(tests/test_install.py runs a real install.)"""

from __future__ import annotations

import getpass
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "scripts" / "install.sh"


def test_deploy_files_run_everything_through_aggregator_env() -> None:
    """Cron and systemd get the config path and tokens one way: the wrapper."""
    commands = [fields[6] for fields in cron_lines(ROOT / "deploy" / "crontab.example")]
    assert commands
    for command in commands:
        assert command.startswith("/opt/aggregator/bin/aggregator-env aggregator ")
    for name in ("aggregator-scheduler.service", "aggregator-sync.service"):
        unit = unit_settings(ROOT / "deploy" / name)
        assert unit["ExecStart"].startswith("/opt/aggregator/bin/aggregator-env aggregator")
        assert unit["User"] == "aggregator"
        assert unit["WorkingDirectory"] == "/var/lib/aggregator"


def test_aggregator_env_exports_secrets_literally(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text("# tokens\n\nX_TOKEN=a$b c=d\nPAGE_TOKEN='quoted'\n", encoding="utf-8")
    done = _run_wrapper(tmp_path, secrets, 'printf "%s|%s|%s" "$X_TOKEN" "$PAGE_TOKEN" "$PATH"')
    assert done.returncode == 0, done.stderr
    x_token, page_token, path = done.stdout.split("|")
    assert (x_token, page_token) == ("a$b c=d", "'quoted'")
    assert path.startswith("/opt/aggregator/.venv/bin:")


def test_aggregator_env_names_a_bad_secrets_line_without_its_value(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text("GOOD=1\nexport BAD TOKEN=s3cret\n", encoding="utf-8")
    done = _run_wrapper(tmp_path, secrets, "echo ran")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"aggregator-env: {secrets} line 2: want VARIABLE=value\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--state-dir", "var/lib/aggregator"], "var/lib/aggregator: directories must be absolute"),
        (["--prefix", "/opt/my app"], "/opt/my app: use only letters, digits and _ . / - in paths"),
        (["--user", "Agg|x"], "Agg|x: a user name is lower-case a-z, 0-9, _ and -"),
        (["--prefx", "/opt/x"], "unknown option: --prefx"),
    ],
)
def test_install_refuses_bad_flags_before_touching_anything(
    tmp_path: Path, args: list[str], error: str
) -> None:
    done = _install(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(f"install.sh: {error}")
    assert not (tmp_path / "root").exists()


def test_install_stops_at_a_config_keeping_its_database_in_the_config_dir(
    tmp_path: Path,
) -> None:
    """The old instructions put a root-owned live database under /etc/aggregator/data/."""
    config_dir = tmp_path / "etc"
    (config_dir / "data").mkdir(parents=True)
    (config_dir / "config.yaml").write_text(
        "database:\n  # SQLite\n  url: 'data/aggregator.db'  # relative\n", encoding="utf-8"
    )
    (config_dir / "data" / "aggregator.db").write_bytes(b"live data")
    done = _install(tmp_path, "--config-dir", str(config_dir))
    assert done.returncode == 2
    state_dir = tmp_path / "root" / "var"
    assert done.stderr == (
        f"install.sh: {config_dir}/config.yaml: database.url data/aggregator.db is relative to "
        f"{config_dir}, where the service user cannot write: stop the service, move "
        f"{config_dir}/data/aggregator.db* to {state_dir}/ and set url: "
        f"{state_dir}/aggregator.db, then run again\n"
    )
    assert (config_dir / "data" / "aggregator.db").read_bytes() == b"live data"
    assert not (tmp_path / "root").exists()


def _install(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """install.sh with every directory under tmp_path/root and the current user, then `args`
    (later flags win), so a check that let it through could not touch the real system."""
    root = tmp_path / "root"
    command = ["bash", str(INSTALL), "--user", getpass.getuser()]
    for flag, name in (
        ("--prefix", "opt"),
        ("--config-dir", "etc"),
        ("--state-dir", "var"),
        ("--systemd-dir", "systemd"),
        ("--cron-dir", "cron.d"),
    ):
        command += [flag, str(root / name)]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=tmp_path)


def _run_wrapper(tmp_path: Path, secrets: Path, script: str) -> subprocess.CompletedProcess[str]:
    """deploy/aggregator-env reading `secrets` instead of /etc/aggregator/secrets.env."""
    text = (ROOT / "deploy" / "aggregator-env").read_text(encoding="utf-8")
    wrapper = tmp_path / "aggregator-env"
    wrapper.write_text(text.replace("/etc/aggregator/secrets.env", str(secrets)), encoding="utf-8")
    wrapper.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(wrapper), "sh", "-c", script], capture_output=True, text=True, env=env
    )


def cron_lines(path: Path) -> list[list[str]]:
    """A cron.d file's job lines as their seven fields (five times, user, command)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split(maxsplit=6) for line in lines if line[:1] and line[0] in "*0123456789"]


def unit_settings(path: Path) -> dict[str, str]:
    """A systemd unit's `Key=value` lines (the last one of each key)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (tuple(line.split("=", 1)) for line in lines if "=" in line and line[:1] != "#")
    return dict(pairs)
