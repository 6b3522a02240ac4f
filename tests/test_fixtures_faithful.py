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

FACEBOOK = "facebook/python-facebook-testdata"
PAIRS: dict[str, str] = {
    **{
        f"facebook/{name}": f"{FACEBOOK}/{name}"
        for name in (
            "apidata__posts__feeds_default_fields_p1.json",
            "apidata__posts__feed_fields_p1.json",
            "apidata__posts__feed_fields_p2.json",
            "apidata__posts__single_post_data_fields.json",
            "models__post.json",
            "apidata__comments__comment_info.json",
            "apidata__comments__comments_info.json",
            "models__comment.json",
            "apidata__comments__comments_p1.json",
            "apidata__comments__comments_p2.json",
            "error.json",
            "base__error_data.json",
        )
    },
}
"""fixture (under tests/fixtures) -> the recorded sample it is shaped like (under samples)."""
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


def test_every_fixture_but_the_hand_made_ones_names_its_recorded_sample() -> None:
    platforms = {name.split("/")[0] for name in PAIRS}
    for platform in platforms:
        written = {f"{platform}/{p.name}" for p in fixture(platform).iterdir() if p.is_file()}
        unpaired = written - set(PAIRS) - {f"{platform}/README.md"}
        assert not unpaired, f"fixtures without a recorded sample in PAIRS: {sorted(unpaired)}"


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_fixture_has_the_key_set_of_its_recorded_sample(name: str) -> None:
    ours, theirs = shape(fixture(name)), shape(recorded(PAIRS[name]))
    assert sorted(theirs - ours) == [], f"{name} lacks what the platform sends"
    assert sorted(ours - theirs) == [], f"{name} has what the platform never sent"
