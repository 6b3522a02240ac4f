"""`tests.samples.recorded`: a missing recording skips on a developer's machine, fails in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import samples


@pytest.fixture
def no_samples(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the helper at a samples folder that does not exist."""
    missing = tmp_path / "shared" / "samples"
    monkeypatch.setattr(samples, "SAMPLES", missing)
    return missing


def test_a_missing_recording_skips_naming_its_path_outside_ci(
    no_samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found") as skipped:
        samples.recorded("twitter", "decoded", "get_user.json")
    assert str(no_samples / "twitter" / "decoded" / "get_user.json") in str(skipped.value)


def test_a_missing_recording_fails_in_ci(no_samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must provide it"):
        samples.recorded("facebook", "python-facebook-testdata", "error.json")


def test_a_present_recording_is_returned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "blogs").mkdir()
    (tmp_path / "blogs" / "feed.xml").write_text("<rss/>", encoding="utf-8")
    monkeypatch.setattr(samples, "SAMPLES", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert samples.recorded("blogs", "feed.xml").read_text(encoding="utf-8") == "<rss/>"


def test_a_missing_fixture_is_an_error_not_a_skip() -> None:
    with pytest.raises(FileNotFoundError, match="tests/fixtures"):
        samples.fixture("facebook", "no_such_fixture.json")
