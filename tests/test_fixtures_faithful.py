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

from tests.samples import fixture, fixture_json, recorded, recorded_json

SAMPLE_FOLDERS = {
    "facebook": "facebook/python-facebook-testdata",
    "twitter": "twitter",
    "instagram": "instagram/python-facebook-testdata",
}
"""Our fixture folder -> the recorded folder whose files it mirrors, path for path."""
TWINS = {
    "blog/naver_blog_rss.xml": "blogs/naver_blog_rss_CONSTRUCTED.xml",
    "blog/wordpress_posts_feed.xml": "blogs/wordpress_techcrunch_posts_feed.xml",
    "blog/wordpress_posts_feed_no_counts.xml": "blogs/wordpress_tenderlovemaking_posts_feed.xml",
    "blog/wordpress_comments_feed.xml": "blogs/wordpress_comments_feed_CONSTRUCTED.xml",
    "pinterest/board_rss.xml": "pinterest/pinterest_board_rss_CONSTRUCTED.xml",
    "instagram/ig_media_comments_all_fields.json": (
        "instagram/ig_media_comments_all_fields_CONSTRUCTED.json"
    ),
    **{
        f"instagram/ig_login_{name}.json": "instagram/restfb-testdata/ig_login_exception.json"
        for name in ("exception", "expired_token", "throttled", "permission")
    },
}
"""Fixtures named differently from the recording they are shaped like. (The other blog
fixtures are hand-made for one behaviour each, see tests/fixtures/blog/README.md.)"""
OPENAPI = "pinterest/pinterest-v5-openapi-excerpt.json"
SCHEMA_CHECKED = frozenset({"pinterest/board_pins.json", "pinterest/error_board_not_found.json"})
"""Pinterest payloads: checked against the official description's schemas instead."""
DOCUMENTED = frozenset(
    {"facebook/README.md", "twitter/README.md", "pinterest/README.md", "instagram/README.md"}
)
UNRECORDED = frozenset({"instagram/ig_login_refresh_access_token.json"})
"""Shaped from the platform's documentation: no public recording exists to compare with."""


def twins() -> dict[str, str]:
    """Every fixture shaped like one recording -> that recording (under ../shared/samples)."""
    found = dict(TWINS)
    for platform, recorded_folder in SAMPLE_FOLDERS.items():
        folder = fixture(platform)
        for path in folder.rglob("*"):
            name = f"{platform}/{path.relative_to(folder)}"
            if path.is_file() and name not in DOCUMENTED | UNRECORDED and name not in TWINS:
                found[name] = f"{recorded_folder}/{path.relative_to(folder)}"
    return found


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
    # WordPress feeds often start with a blank line; feed parsers accept it, ElementTree not
    return element_paths(ElementTree.fromstring(path.read_bytes().lstrip()))


def test_every_fixture_of_a_recorded_platform_is_checked_against_a_recording() -> None:
    for platform in ("facebook", "twitter", "pinterest", "instagram"):
        folder = fixture(platform)
        files = {f"{platform}/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()}
        unchecked = files - set(twins()) - SCHEMA_CHECKED - DOCUMENTED - UNRECORDED
        assert not unchecked, f"fixtures compared with no recording: {sorted(unchecked)}"


@pytest.mark.parametrize("name", sorted(twins()))
def test_fixture_has_the_key_set_of_its_recorded_sample(name: str) -> None:
    ours, theirs = shape(fixture(name)), shape(recorded(twins()[name]))
    assert sorted(theirs - ours) == [], f"{name} lacks what the platform sends"
    assert sorted(ours - theirs) == [], f"{name} has what the platform never sent"


def test_pinterest_fixtures_use_only_fields_of_the_official_schemas() -> None:
    schemas = recorded_json(OPENAPI)["components"]["schemas"]
    page = fixture_json("pinterest", "board_pins.json")
    paginated = schemas["Paginated"]
    assert set(paginated["required"]) <= set(page) <= set(paginated["properties"])
    for pin in page["items"]:
        assert set(pin) <= set(schemas["Pin"]["properties"]), pin["id"]
        assert set(pin["media"]) <= set(schemas["PinMediaWithImage"]["properties"])
        assert set(pin["media"]["images"]) == set(schemas["ImageSize"]["properties"])
        for image in pin["media"]["images"].values():
            assert set(image) == set(schemas["ImageDetails"]["required"])
        example = schemas["Pin"]["properties"]["pin_metrics"]["example"]
        if pin.get("pin_metrics") is not None:
            assert set(pin["pin_metrics"]) == set(example)
            lifetime = set(pin["pin_metrics"]["lifetime_metrics"])
            assert lifetime == set(example["lifetime_metrics"])
    error = fixture_json("pinterest", "error_board_not_found.json")
    assert set(error) == set(schemas["Error"]["required"])
