"""사용자 관리 on the web (admins): add, change role or department, disable and enable,
unlock, reset the password; the CLI's rules; at least one active admin; every change
in the access log. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from aggregator.db import upgrade, write_transaction
from aggregator.store import staff
from aggregator.store.access_log import LogFilter
from aggregator.users import UserError, hash_password
from aggregator.workflow import Role
from tests.fixtures_web import FAST_HASHER, PASSWORD, Web, login
from tests.test_cli_process import AGGREGATOR

SHOWN = re.compile(r'<code class="password verbatim">([^<]+)</code>')


def _admin(web: Web) -> tuple[TestClient, str]:
    client = web.client("admin")
    return client, web.csrf(client)


def _add(web: Web, **form: str) -> Response:
    client, csrf = _admin(web)
    return client.post("/admin/users", data={**form, "csrf_token": csrf}, follow_redirects=False)


def _change(web: Web, client: TestClient, name: str, op: str, **form: str) -> Response:
    data = {**form, "name": name, "op": op, "csrf_token": web.csrf(client)}
    return client.post("/admin/users/change", data=data, follow_redirects=False)


def _records(web: Web, action: str) -> list[dict[str, object]]:
    return web.store.staff.access_log(LogFilter(action=action), 20)


def _user(web: Web, name: str) -> object:
    return next(u for u in web.store.staff.users() if u.name == name)


def test_an_admin_adds_an_account_with_a_typed_password(web: Web) -> None:
    added = _add(
        web, name="park.sj", role="department", department="환경과", password="Hwan-2026!x"
    )
    assert added.status_code == 303
    page = web.client("admin").get(added.headers["location"]).text
    assert "park.sj 계정을 만들었습니다" in page
    assert "부서 담당자 · 환경과" in page
    assert login(web.client(), "park.sj", "Hwan-2026!x").status_code == 303
    [record] = _records(web, "user_add")
    assert record["target"] == "user:park.sj"
    assert record["staff"] == "admin1"
    assert "Hwan-2026!x" not in str(record["detail"])


def test_a_generated_password_is_shown_once_and_works(web: Web) -> None:
    added = _add(web, name="lee.hn", role="communications")
    assert added.status_code == 200
    [password] = SHOWN.findall(added.text)
    assert len(password) >= 16
    assert password not in str(added.headers)
    assert login(web.client(), "lee.hn", password).status_code == 303
    assert password not in web.client("admin").get("/admin/users").text
    [record] = _records(web, "user_add")
    assert password not in str(record["detail"])
    assert '"generated": true' in str(record["detail"])


def test_the_clis_rules_refuse_bad_accounts_in_korean(web: Web) -> None:
    before = len(web.store.staff.users())
    cases = {
        "아이디: 영문·숫자와": {"name": "a b", "role": "viewer"},
        "부서: 부서 담당자는 부서가 있어야 합니다": {"name": "kim1", "role": "department"},
        "부서: 설정에 없는 부서입니다": {"name": "kim1", "role": "viewer", "department": "없는과"},
        "권한: 목록에서 고르세요": {"name": "kim1", "role": "root"},
        "비밀번호: 10자 이상이어야 합니다": {"name": "kim1", "role": "viewer", "password": "short"},
        "아이디: 이미 있는 계정입니다": {"name": "comm1", "role": "viewer"},
    }
    for message, form in cases.items():
        refused = _add(web, **form)
        assert refused.status_code == 400, form
        assert message in refused.text, form
    assert len(web.store.staff.users()) == before
    assert _records(web, "user_add") == []


def test_a_role_change_applies_at_the_next_request(web: Web) -> None:
    officer = web.client("communications")
    assert officer.get("/manual").status_code == 200
    admin, _csrf = _admin(web)
    changed = _change(web, admin, "comm1", "role", role="department", department="청소행정과")
    assert changed.status_code == 303
    assert officer.get("/manual").status_code == 403
    assert "부서 담당자 · 청소행정과" in officer.get("/inbox").text
    [record] = _records(web, "user_role")
    assert '"department": "청소행정과"' in str(record["detail"])


def test_disabling_ends_the_session_and_enabling_restores_login(web: Web) -> None:
    viewer = web.client("viewer")
    admin, _csrf = _admin(web)
    assert _change(web, admin, "viewer1", "disable").status_code == 303
    assert viewer.get("/", follow_redirects=False).headers["location"] == "/login"
    assert login(web.client(), "viewer1").status_code == 401
    assert "사용 중지" in admin.get("/admin/users").text
    assert _change(web, admin, "viewer1", "enable").status_code == 303
    assert login(web.client(), "viewer1").status_code == 303
    assert len(_records(web, "user_disable")) == len(_records(web, "user_enable")) == 1


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(web: Web) -> None:
    admin, _csrf = _admin(web)
    demoted = _change(web, admin, "admin1", "role", role="communications")
    assert demoted.status_code == 409
    assert "활성 관리자가 한 명도 남지 않게 되어 바꿀 수 없습니다" in demoted.text
    assert "자기 계정은 사용 중지할 수 없습니다" in _change(web, admin, "admin1", "disable").text
    assert _user(web, "admin1").role.value == "admin"  # type: ignore[attr-defined]
    assert _records(web, "user_role") == []
    _add(web, name="admin2", role="admin", password="second-admin-9")
    assert _change(web, admin, "admin1", "role", role="communications").status_code == 303
    other = TestClient(web.app)
    assert login(other, "admin2", "second-admin-9").status_code == 303
    assert _change(web, other, "admin2", "role", role="viewer").status_code == 409


def test_the_store_keeps_an_active_admin_for_the_cli_too(web: Web) -> None:
    with pytest.raises(UserError, match="no active admin"):
        web.store.staff.set_user_disabled("admin1", True)
    assert not _user(web, "admin1").disabled  # type: ignore[attr-defined]


def test_unlock_after_failed_logins(web: Web) -> None:
    for _ in range(web.settings.web.max_failed_logins):
        login(web.client(), "dept1", "wrong-password-0")
    assert login(web.client(), "dept1").status_code != 303
    admin, _csrf = _admin(web)
    assert "잠김" in admin.get("/admin/users").text
    assert _change(web, admin, "dept1", "unlock").status_code == 303
    assert login(web.client(), "dept1").status_code == 303
    assert len(_records(web, "user_unlock")) == 1


def test_a_password_reset_is_shown_once_and_ends_the_sessions(web: Web) -> None:
    officer = web.client("department")
    admin, _csrf = _admin(web)
    reset = _change(web, admin, "dept1", "password")
    assert reset.status_code == 200
    [password] = SHOWN.findall(reset.text)
    assert officer.get("/inbox", follow_redirects=False).status_code == 303  # to /login
    assert login(web.client(), "dept1", PASSWORD).status_code == 401
    assert login(web.client(), "dept1", password).status_code == 303
    typed = _change(web, admin, "dept1", "password", password="tiny")
    assert "비밀번호: 10자 이상이어야 합니다" in typed.text
    [record] = _records(web, "user_password_reset")
    assert password not in str(record["detail"])


def test_changes_to_a_missing_account_say_so(web: Web) -> None:
    admin, _csrf = _admin(web)
    missing = _change(web, admin, "nobody", "unlock")
    assert missing.status_code == 404
    assert "없는 계정입니다" in missing.text
    assert _records(web, "user_unlock") == []


def test_the_cli_refuses_to_disable_the_last_admin_too(tmp_path: Path) -> None:
    database = tmp_path / "users.db"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: '{database}'}}\n", encoding="utf-8")
    upgrade(f"sqlite:///{database}")

    def users(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
        command = [AGGREGATOR, "users", *args, "--config", str(config)]
        return subprocess.run(command, input=password, capture_output=True, text=True, check=False)

    assert users("add", "boss", "--role", "admin", "--password-stdin",
                 password="boss-password-1\n").returncode == 0  # fmt: skip
    refused = users("disable", "boss")
    assert refused.returncode != 0
    assert "no active admin" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    assert users("add", "boss2", "--role", "admin", "--password-stdin",
                 password="boss-password-2\n").returncode == 0  # fmt: skip
    assert users("disable", "boss").returncode == 0


def test_two_admins_demoting_each_other_at_once_leave_one_admin(web: Web) -> None:
    web.store.staff.create_user("admin2", Role.ADMIN, None, hash_password(FAST_HASHER, PASSWORD))
    outcome: list[str] = []

    def demote_admin1() -> None:
        try:
            web.store.staff.set_user_role("admin1", Role.VIEWER, None)
            outcome.append("demoted")
        except UserError:
            outcome.append("refused")

    with write_transaction(web.store.engine) as first:
        staff.set_role(first, "admin2", Role.VIEWER, None)
        other = threading.Thread(target=demote_admin1)
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # waiting for the first transaction's locks
    other.join()
    assert outcome == ["refused"]
    admins = [u.name for u in web.store.staff.users() if u.role == Role.ADMIN and not u.disabled]
    assert admins == ["admin1"]
