"""The sandbox mounts every registered platform's declared routes: `Sandbox` names no
platform, a new platform's routes answer without an edit of it, and the routes answer as
they did when `Sandbox.__init__` registered each platform by hand."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any, Literal

import pytest
import requests

import aggregator.sandbox
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import SandboxRequest, SandboxResponse, text_response
from aggregator.sandbox.youtube import YouTubeApi
from aggregator.settings_base import AccountBase
from connectors.registry import PLATFORMS
from tests.fixtures_sandbox import SandboxFactory
from tests.test_sandbox_config_writer import PLATFORM_WORDS

ROUTES_MAIN = Path(__file__).parent / "fixtures" / "sandbox" / "routes-main.txt"
"""`METHOD pattern` of every route, in order, as `Sandbox.__init__` registered them by hand
(blog, Pinterest, Instagram, the Page, YouTube, the Instagram and YouTube admin views, X,
the admin routes) before the platforms declared their routes."""
METHODS = ("GET", "POST", "PUT", "DELETE")


# -- Sandbox names no platform ----------------------------------------------------------


def code_without_docstrings(path: Path) -> str:
    """The module's code as Python sees it: no docstrings, no comments."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and _is_docstring(body[0]):
            body.pop(0)
    return ast.unparse(tree)


def _is_docstring(statement: ast.stmt) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(value, ast.Constant) and isinstance(value.value, str)


def test_the_sandbox_module_names_no_platform() -> None:
    """A new platform mounts through the registry, so `Sandbox` never needs its name."""
    source = Path(aggregator.sandbox.__file__)
    assert PLATFORM_WORDS.findall(code_without_docstrings(source)) == []


def test_the_check_would_see_a_platform_module_imported() -> None:
    sample = "from aggregator.sandbox import youtube\nx = youtube.mount\n"
    found = PLATFORM_WORDS.findall(ast.unparse(ast.parse(sample)))
    assert {word.lower() for word in found} == {"youtube", "x"}


# -- the routes answer as before ----------------------------------------------------------


def routes_main() -> list[tuple[str, re.Pattern[str]]]:
    lines = ROUTES_MAIN.read_text(encoding="utf-8").splitlines()
    return [(method, re.compile(pattern)) for method, pattern in (x.split(" ", 1) for x in lines)]


def winner(routes: list[tuple[str, re.Pattern[str]]], method: str, path: str) -> str | None:
    """The route `Router.dispatch` calls for the request (first whole match of its method)."""
    for route_method, pattern in routes:
        if route_method == method and pattern.fullmatch(path):
            return f"{route_method} {pattern.pattern}"
    return None


def examples(pattern: str) -> set[str]:
    """Paths the pattern matches: optional and repeated parts as few and as one."""
    parsed = _parser.parse(pattern)
    return {"".join(_emit(parsed, shortest)) for shortest in (True, False)}


def _emit(parsed: Any, shortest: bool) -> Iterator[str]:
    for op, arg in parsed:
        if op is sre.LITERAL:
            yield chr(arg)
        elif op is sre.NOT_LITERAL:
            yield "b" if arg == ord("a") else "a"
        elif op is sre.IN:
            yield _one_of(arg)
        elif op is sre.ANY:
            yield "."
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _high, item = arg
            for _ in range(low if shortest else max(low, 1)):
                yield from _emit(item, shortest)
        elif op is sre.SUBPATTERN:
            yield from _emit(arg[-1], shortest)
        elif op is sre.BRANCH:
            yield from _emit(arg[1][0], shortest)
        else:
            raise NotImplementedError(f"pattern element {op}")


def _one_of(items: list[tuple[Any, Any]]) -> str:
    """A character of a `[...]` class (the first it names, or one a `[^...]` leaves)."""
    chosen: list[str] = []
    for op, arg in items:
        if op is sre.LITERAL:
            chosen.append(chr(arg))
        elif op is sre.RANGE:
            chosen.append(chr(arg[0]))
        elif op is sre.CATEGORY:
            chosen.append("0" if arg is sre.CATEGORY_DIGIT else "a")
    if items and items[0][0] is sre.NEGATE:
        return next(c for c in "abz09-_" if c not in chosen)
    return chosen[0]


def test_every_route_of_before_is_still_served(make_sandbox: SandboxFactory) -> None:
    served = {(r.method, r.pattern.pattern) for r in make_sandbox().router.routes}
    before = {(method, pattern.pattern) for method, pattern in routes_main()}
    assert before - served == set()


def test_every_path_of_before_goes_to_the_same_route(make_sandbox: SandboxFactory) -> None:
    """Platforms mount in their declared order: Instagram's ids on the Graph paths still
    reach Instagram's routes before the Page's, and nothing else moved in front."""
    before = routes_main()
    now = [(r.method, r.pattern) for r in make_sandbox().router.routes]
    paths = {path for _method, pattern in before for path in examples(pattern.pattern)}
    for _method, pattern in before:
        assert all(pattern.fullmatch(path) for path in examples(pattern.pattern)), pattern
    contested = {
        (method, path)
        for path in paths
        for method in METHODS
        if sum(m == method and p.fullmatch(path) is not None for m, p in before) > 1
    }
    assert ("GET", "/v0.0/17000000000000000/comments") in contested  # Instagram's and the Page's
    assert ("POST", "/graph.instagram.com/v0.0/17000000000000000") in contested
    moved = [
        (method, path, winner(before, method, path), winner(now, method, path))
        for path in sorted(paths)
        for method in METHODS
        if winner(before, method, path) != winner(now, method, path)
    ]
    assert moved == []


# -- a new platform -----------------------------------------------------------------------


class FakeWorld:
    """What the fake platform's mount returns."""

    def __init__(self, context: SandboxContext) -> None:
        self.context = context
        self.greeting = "안녕하세요"

    def hello(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        return text_response(200, f"{self.greeting} {match['who']}")


MOUNTED: list[FakeWorld] = []


def mount_fake(context: SandboxContext) -> FakeWorld:
    world = FakeWorld(context)
    context.router.add("GET", r"/fake/hello/(?P<who>[a-z]+)", world.hello)
    MOUNTED.append(world)
    return world


def mount_me(context: SandboxContext) -> FakeWorld:
    world = FakeWorld(context)
    context.router.add("GET", r"/(?P<version>v[0-9]{1,3}\.[0-9])/(?P<who>me)", world.hello)
    return world


FAKE = SandboxPlatform({}, lambda base, minutes: [], mount_fake)
ME_FIRST = SandboxPlatform({}, lambda base, minutes: [], mount_me, mount_order=-1)
ME_LAST = SandboxPlatform({}, lambda base, minutes: [], mount_me, mount_order=2)


class FakeAccount(AccountBase):
    platform: Literal["fakeplatform"]


class OtherFakeAccount(AccountBase):
    platform: Literal["otherfake"]


def register(monkeypatch: pytest.MonkeyPatch, declaration: str, name: str = "fakeplatform") -> None:
    """Register platform `name` for this test, its sandbox part at `declaration` here."""
    settings = {"fakeplatform": FakeAccount, "otherfake": OtherFakeAccount}[name]
    spec = dataclasses.replace(
        PLATFORMS["pinterest"], name=name, settings=settings, sandbox=f"{__name__}:{declaration}"
    )
    monkeypatch.setitem(PLATFORMS, name, spec)


def test_a_registered_platform_with_a_sandbox_declaration_answers_over_http(
    monkeypatch: pytest.MonkeyPatch, make_sandbox: SandboxFactory
) -> None:
    register(monkeypatch, "FAKE")
    sandbox = make_sandbox(wordpress_per_post_limit=3)
    answer = requests.get(sandbox.url("/fake/hello/residents"), timeout=5)
    assert (answer.status_code, answer.text) == (200, "안녕하세요 residents")
    world = sandbox.world("fakeplatform", FakeWorld)
    assert world is sandbox.worlds["fakeplatform"]
    assert world.context.router is sandbox.router
    assert world.context.data is sandbox.data
    assert world.context.now() == sandbox.now()
    assert world.context.wordpress_per_post_limit == 3


def test_platforms_sharing_a_declaration_mount_it_once(
    monkeypatch: pytest.MonkeyPatch, make_sandbox: SandboxFactory
) -> None:
    register(monkeypatch, "FAKE")
    register(monkeypatch, "FAKE", "otherfake")
    MOUNTED.clear()
    sandbox = make_sandbox()
    assert [sandbox.worlds["fakeplatform"]] == MOUNTED
    assert sandbox.worlds["otherfake"] is sandbox.worlds["fakeplatform"]
    assert list(sandbox.worlds)[-2:] == ["fakeplatform", "otherfake"]


def test_a_platform_mounting_before_the_page_answers_a_path_of_the_page(
    monkeypatch: pytest.MonkeyPatch, make_sandbox: SandboxFactory
) -> None:
    register(monkeypatch, "ME_FIRST")
    answer = requests.get(make_sandbox().url("/v25.0/me"), timeout=5)
    assert answer.text == "안녕하세요 me"


def test_a_platform_mounting_after_the_page_leaves_its_paths_to_it(
    monkeypatch: pytest.MonkeyPatch, make_sandbox: SandboxFactory
) -> None:
    register(monkeypatch, "ME_LAST")
    answer = requests.get(make_sandbox().url("/v25.0/me"), timeout=5)
    assert answer.json()["error"]["type"] == "OAuthException"


def test_a_world_is_found_by_name_and_kind(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox()
    assert sandbox.world("youtube", YouTubeApi) is sandbox.youtube
    assert list(sandbox.worlds) == list(PLATFORMS)
    with pytest.raises(KeyError, match=r"no sandbox world 'myspace' \(mounted: \['blog'"):
        sandbox.world("myspace", object)
    with pytest.raises(TypeError, match="'youtube' is a YouTubeApi"):
        sandbox.world("youtube", FakeWorld)


def test_the_typed_attributes_are_the_mounted_worlds(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox()
    attributes = {
        "blog": sandbox.wordpress_rest, "facebook": sandbox.graph, "twitter": sandbox.x,
        "pinterest": sandbox.pinterest, "instagram": sandbox.instagram,
        "youtube": sandbox.youtube,
    }  # fmt: skip
    assert all(sandbox.worlds[name] is world for name, world in attributes.items())
