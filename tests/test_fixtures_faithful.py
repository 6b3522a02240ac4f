"""Our fixtures keep the recorded payloads' shape: the same key paths, the same XML elements.

Each fixture in `tests/fixtures/<platform>/` was written by hand with invented content in
the structure of one recorded sample in `../shared/samples/`. These tests compare the
two wherever the samples exist (and fail in CI without them, see `tests.samples`), so a
fixture cannot drift into a shape the platform never sends.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.samples import fixture, recorded

SAMPLE_FOLDERS = {
    "facebook": "facebook/python-facebook-testdata",
    "twitter": "twitter",
}
"""Our fixture folder -> the recorded folder whose files it mirrors, path for path."""
HAND_MADE = frozenset({"facebook/README.md", "twitter/README.md"})
"""Fixtures with no recorded counterpart."""


def recorded_twin(name: str) -> str:
    """The recorded sample (under ../shared/samples) a fixture is shaped like."""
    platform, _, rest = name.partition("/")
    return f"{SAMPLE_FOLDERS[platform]}/{rest}"


def mirrored_fixtures() -> list[str]:
    """Every fixture (`platform/path`) of the folders that mirror recordings."""
    names = []
    for platform in SAMPLE_FOLDERS:
        folder = fixture(platform)
        names += [f"{platform}/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()]
    return sorted(set(names) - HAND_MADE)


NODE_ID = re.compile(r"^\d+(_\d+)?$")
"""Graph answers keyed by node id (`?ids=`): ids are values, not keys, for the comparison."""


def key_paths(value: Any, path: str = "") -> set[str]:
    """Every key path of a JSON value (`data[].from.id`); list items share one path."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            name = "<id>" if NODE_ID.match(key) else key
            here = f"{path}.{name}" if path else name
            paths |= {here, *key_paths(item, here)}
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{path}[]")
    return paths


def element_paths(element: ElementTree.Element, path: str = "") -> set[str]:
    """Every element and attribute path of an XML tree (`rss/channel/item/title`)."""
    here = f"{path}/{element.tag}" if path else element.tag
    paths = {here} | {f"{here}@{name}" for name in element.attrib}
    for child in element:
        paths |= element_paths(child, here)
    return paths


def shape(path: Path) -> set[str]:
    """The key or element paths of a JSON or XML file."""
    if path.suffix == ".json":
        return key_paths(json.loads(path.read_text(encoding="utf-8")))
    return element_paths(ElementTree.parse(path).getroot())


def test_mirrored_fixtures_exist() -> None:
    assert len(mirrored_fixtures()) >= len(SAMPLE_FOLDERS), "the fixture folders are empty"


@pytest.mark.parametrize("name", mirrored_fixtures())
def test_fixture_has_the_key_set_of_its_recorded_sample(name: str) -> None:
    ours, theirs = shape(fixture(name)), shape(recorded(recorded_twin(name)))
    assert sorted(theirs - ours) == [], f"{name} lacks what the platform sends"
    assert sorted(ours - theirs) == [], f"{name} has what the platform never sent"
