"""deploy/ and scripts/install.sh without installing: the files' commands and paths, the
aggregator-env wrapper's reading of secrets.env, and the script's refusal of bad flags.
(tests/test_install.py runs a real install.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

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


def test_install_refuses_a_relative_directory_before_touching_anything(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(INSTALL), "--state-dir", "var/lib/aggregator"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr == ("install.sh: var/lib/aggregator: directories must be absolute paths\n")
    assert list(tmp_path.iterdir()) == []


def test_install_refuses_an_unknown_option() -> None:
    done = subprocess.run(
        ["bash", str(INSTALL), "--prefx", "/opt/x"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.endswith("install.sh: unknown option: --prefx\n")


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
