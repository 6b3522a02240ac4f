"""`aggregator.envfile.put_variable`: one `VARIABLE=value` line put into an env file, the
rest kept, atomically, with the file's mode and owner (a new file: 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from aggregator import envfile
from aggregator.envfile import EnvFileError, put_variable


def test_the_line_is_replaced_and_later_ones_setting_it_again_are_dropped(
    tmp_path: Path,
) -> None:
    target = tmp_path / "secrets.env"
    target.write_text("A=1\nTOKEN=old\n# note\nexport TOKEN=older\nB=2\n", encoding="utf-8")
    assert put_variable(target, "TOKEN", "new-0123") == "replaced"
    assert target.read_text(encoding="utf-8") == "A=1\nTOKEN=new-0123\n# note\nB=2\n"


def test_a_missing_line_is_added_after_the_last_one(tmp_path: Path) -> None:
    target = tmp_path / "secrets.env"
    target.write_text("A=1", encoding="utf-8")
    assert put_variable(target, "TOKEN", "abc") == "added"
    assert target.read_text(encoding="utf-8") == "A=1\nTOKEN=abc\n"


def test_a_new_file_is_mode_0600_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    fresh = tmp_path / "new.env"
    assert put_variable(fresh, "TOKEN", "abc") == "created"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    kept = tmp_path / "kept.env"
    kept.write_text("TOKEN=x\n", encoding="utf-8")
    kept.chmod(0o640)
    put_variable(kept, "TOKEN", "abc")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_an_existing_file_keeps_its_owner_and_group(tmp_path: Path) -> None:
    target = tmp_path / "secrets.env"
    target.write_text("TOKEN=x\n", encoding="utf-8")
    os.chown(target, 65534, 65534)
    put_variable(target, "TOKEN", "abc")
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)


@pytest.mark.parametrize("value", ["two words", "line\nBREAK=1", "quote'd", "$HOME", "a#b", ""])
def test_a_value_an_env_line_cannot_hold_is_refused_and_nothing_changes(
    tmp_path: Path, value: str
) -> None:
    target = tmp_path / "secrets.env"
    target.write_text("TOKEN=x\n", encoding="utf-8")
    with pytest.raises(EnvFileError) as caught:
        put_variable(target, "TOKEN", value)
    assert "holds characters an env file line cannot" in str(caught.value)
    assert target.read_text(encoding="utf-8") == "TOKEN=x\n"


def test_a_directory_is_not_an_env_file(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match="not a regular file"):
        put_variable(tmp_path, "TOKEN", "abc")


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "secrets.env"
    target.write_text("TOKEN=x\n", encoding="utf-8")

    def broken(_source: str, _target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(envfile.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        put_variable(target, "TOKEN", "abc")
    assert target.read_text(encoding="utf-8") == "TOKEN=x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.env"]
