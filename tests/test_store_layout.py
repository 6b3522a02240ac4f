"""The store's layout: `Store` is a facade over repositories that each own their methods,
and the web, the answers, the notifier and the reports import only the store package,
`opening` and the `*_repo` modules, and open no transaction of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

import aggregator.store as store_package
from aggregator.routing import Router
from aggregator.store import REPOSITORIES, Store, moved_methods

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "aggregator" / "web"
STORE = ROOT / "aggregator" / "store"
CALLERS = [WEB, *(ROOT / "aggregator" / name for name in ("answers", "notify", "reports"))]
"""The packages that reach the database only through the repositories."""

STORE_ERA = {
    "sync": [
        "ensure_account", "cursors", "apply_batch", "reset_cursors", "start_run",
        "finish_run", "run", "month_usage", "health_states", "record_health",
        "acquire_lock", "close_abandoned_runs", "release_lock", "acquire_service_lease",
        "renew_service_lease", "release_service_lease", "account_statuses", "count_rows",
    ],
    "inbox": [
        "inbox_page", "inbox_totals", "next_in_list", "status_counts", "dashboard_counts",
        "rebuild_open_items", "thread", "review", "rebuild_search_index", "find_post",
        "add_manual_comments", "check_items", "dismiss_check_item",
    ],
    "staff": [
        "create_user", "set_user_role", "unlock_user", "users", "user_with_hash",
        "set_user_disabled", "set_user_password", "login_failed", "login_succeeded",
        "create_session", "session_user", "end_session", "log_access", "log_refusal",
        "access_log", "count_access_log", "verify_access_log",
    ],
    "reports": [
        "report_rows", "report_snapshot", "report_snapshot_rows", "closed_months",
        "close_month", "reopen_month", "topics_to_analyse", "topics_pending", "save_topics",
    ],
    "privacy": ["purge_expired", "forget_author", "tombstone_count"],
}  # fmt: skip
"""The public methods `Store` had before the split, by the repository that owns each."""

FACADE = {"db", "engine", "clock", "router", "privacy_key", "close", *REPOSITORIES}


def _allowed_store_module(dotted: str) -> bool:
    """`aggregator.store`, `aggregator.store.opening` or `aggregator.store.<x>_repo`."""
    if dotted == "aggregator.store":
        return True
    inner = dotted.removeprefix("aggregator.store.").split(".")[0]
    return inner == "opening" or inner.endswith("_repo")


def _store_imports(path: Path) -> list[str]:
    """Every store module or package name a file imports, as dotted names."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("aggregator.store")]
        elif isinstance(node, ast.ImportFrom) and node.module == "aggregator.store":
            found += [f"aggregator.store.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "aggregator.store."
        ):
            found.append(node.module or "")
    return found


def _internal(dotted: str) -> bool:
    """A store internal: a module of `aggregator/store/` that is not allowed to the web."""
    if _allowed_store_module(dotted):
        return False
    inner = dotted.removeprefix("aggregator.store.").split(".")[0]
    return (STORE / f"{inner}.py").exists() or inner not in store_package.__all__


def _caller_files() -> list[Path]:
    return [path for package in CALLERS for path in sorted(package.rglob("*.py"))]


@pytest.mark.parametrize("package", CALLERS, ids=lambda p: p.name)
def test_callers_import_only_the_store_package_opening_and_repositories(package: Path) -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(package.rglob("*.py"))
        for name in _store_imports(path)
        if _internal(name)
    ]
    assert bad == []


def test_the_layout_check_catches_an_internal_import(tmp_path: Path) -> None:
    module = tmp_path / "view.py"
    module.write_text(
        "from aggregator.store import Store, notifications\n"
        "from aggregator.store.inbox_query import Scope\n"
        "from aggregator.store.inbox_repo import InboxFilter\n"
    )
    assert [n for n in _store_imports(module) if _internal(n)] == [
        "aggregator.store.notifications",
        "aggregator.store.inbox_query",
    ]


@pytest.mark.parametrize("package", CALLERS, ids=lambda p: p.name)
def test_callers_open_no_transaction_of_their_own(package: Path) -> None:
    users = [
        str(path.relative_to(ROOT))
        for path in sorted(package.rglob("*.py"))
        if "aggregator.db" in path.read_text(encoding="utf-8")
        or ".engine" in path.read_text(encoding="utf-8")
    ]
    assert users == []


def test_the_callers_are_there() -> None:
    assert all(package.is_dir() for package in CALLERS)
    assert len(_caller_files()) > 30


@pytest.mark.parametrize("repository", sorted(STORE_ERA))
def test_every_store_era_method_lives_on_exactly_one_repository(repository: str) -> None:
    homes = {
        name: [attr for attr, cls in REPOSITORIES.items() if name in vars(cls)]
        for name in STORE_ERA[repository]
    }
    assert homes == {name: [repository] for name in STORE_ERA[repository]}


def test_no_method_name_is_on_two_repositories() -> None:
    seen: dict[str, list[str]] = {}
    for attr, cls in REPOSITORIES.items():
        for name in vars(cls):
            if not name.startswith("_") and callable(vars(cls)[name]):
                seen.setdefault(name, []).append(attr)
    assert {name: homes for name, homes in seen.items() if len(homes) > 1} == {}
    assert len(moved_methods()) == len(seen)


def test_the_store_is_a_small_facade() -> None:
    public = {name for name in vars(Store) if not name.startswith("_")}
    store = Store(sa.create_engine("sqlite://"))
    assert public | set(vars(store)) <= FACADE
    assert {attr: type(getattr(store, attr)) for attr in REPOSITORIES} == REPOSITORIES


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ("apply_batch", r"call store\.sync\.apply_batch"),
        ("access_log", r"call store\.staff\.access_log"),
        ("nonsense", "no attribute 'nonsense'"),
    ],
)
def test_an_old_method_name_says_which_repository_to_call(old: str, message: str) -> None:
    store = Store(sa.create_engine("sqlite://"))
    with pytest.raises(AttributeError, match=message):
        getattr(store, old)


def test_repositories_share_the_settings_set_on_the_store() -> None:
    store = Store(sa.create_engine("sqlite://"))
    router = Router([])
    store.router = router
    store.privacy_key = "secret"
    store.clock = lambda: store_package.utc_now()
    assert store.sync.router is router
    assert store.inbox.privacy_key == store.privacy.privacy_key == "secret"
    assert store.reports.clock is store.clock
    assert store.outbox.engine is store.engine
    assert store.answers.clock is store.clock
