"""The access log page: the 정보주체 filter and the CSV export (reason required, logged,
UTF-8 with BOM, formula-safe), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

from aggregator.store.access_log import AccessEntry, LogFilter
from aggregator.web.views_thread import subject_of
from tests.fixtures_web import Web


def _entry(subject: str, action: str = "view_comment", target: str = "comment:1") -> AccessEntry:
    return AccessEntry(
        staff="comm1", action=action, role="communications", client_ip="10.1.2.3",
        target=target, subject=subject, detail={"kinds": ["전화번호"]},
    )  # fmt: skip


def _seed(web: Web) -> None:
    web.store.staff.log_access(_entry("김민수 (@Minsu_Kim)"))
    web.store.staff.log_access(_entry("이영희", target="comment:2"))
    web.store.staff.log_access(
        _entry('=HYPERLINK("http://evil.example","클릭")', target="comment:3")
    )
    web.store.staff.log_access(_entry("100%_할인"))


def _export(web: Web, **form: str) -> tuple[int, bytes, str]:
    admin = web.client("admin")
    response = admin.post(
        "/admin/access-log/export",
        data={**form, "csrf_token": web.csrf(admin)},
        follow_redirects=False,
    )
    return response.status_code, response.content, response.headers.get("content-type", "")


def test_the_log_filters_by_a_residents_name_or_handle(web: Web) -> None:
    _seed(web)
    admin = web.client("admin")
    by_handle = admin.get("/admin/access-log", params={"subject": "minsu"}).text
    body = by_handle.split("<tbody>")[1]
    assert "김민수 (@Minsu_Kim)" in body
    assert "이영희" not in body
    by_name = admin.get("/admin/access-log", params={"subject": "영희"}).text.split("<tbody>")[1]
    assert "이영희" in by_name
    assert "김민수" not in by_name


def test_the_subject_filter_takes_wildcards_literally(web: Web) -> None:
    _seed(web)
    rows = web.store.staff.access_log(LogFilter(subject="%"), 100)
    assert [row["subject"] for row in rows] == ["100%_할인"]
    assert web.store.staff.access_log(LogFilter(subject="_"), 100)[0]["subject"] == "100%_할인"


def test_viewing_a_comment_logs_its_author_and_handle_as_subject(web: Web) -> None:
    web.store.staff.log_access(_entry("placeholder"))
    web.client("communications").get(f"/comments/{web.ids['c2']}")
    [row] = web.store.staff.access_log(
        LogFilter(action="view_comment", staff="comm1", subject="주민"), 5
    )
    assert row["subject"] == "주민"
    with_handle = {"author_name": "김민수", "author_handle": "@minsu"}
    assert subject_of(with_handle) == "김민수 (@minsu)"


def test_the_export_is_csv_for_korean_excel_and_formula_safe(web: Web) -> None:
    _seed(web)
    status, body, kind = _export(web, reason="정보주체 열람 요청 (민원 2611-17)", target="댓글 3")
    assert status == 200
    assert kind.startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:6] == ["번호", "시각", "직원", "권한", "접속지", "작업"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["정보주체"].startswith("'=HYPERLINK")
    assert row["작업"] == "댓글 조회"
    assert row["권한"] == "소통담당관"
    assert row["대상"] == "댓글 3"
    assert row["내용"] == "개인정보 종류: 전화번호"
    assert b"\r\n" in body


def test_the_export_is_logged_with_its_reason_and_filters(web: Web) -> None:
    _seed(web)
    status, _body, _kind = _export(web, reason="감사 자료 제출", subject="김민수")
    assert status == 200
    [record] = web.store.staff.access_log(LogFilter(action="access_log_export"), 5)
    assert record["staff"] == "admin1"
    assert "감사 자료 제출" in record["detail"]
    assert '"rows": 1' in record["detail"]
    assert '"subject": "김민수"' in record["detail"]


def test_an_export_without_a_reason_is_refused_in_korean(web: Web) -> None:
    _seed(web)
    status, body, kind = _export(web, reason="   ", subject="김민수")
    assert status == 400
    assert kind.startswith("text/html")
    text = body.decode()
    assert "내보내기 사유를 적어 주세요" in text
    assert 'name="subject" value="김민수"' in text  # the filters stay
    assert web.store.staff.access_log(LogFilter(action="access_log_export"), 5) == []


def test_only_admins_export(web: Web) -> None:
    client = web.client("communications")
    response = client.post(
        "/admin/access-log/export", data={"reason": "x", "csrf_token": web.csrf(client)}
    )
    assert response.status_code == 403
    assert web.store.staff.access_log(LogFilter(action="access_log_export"), 5) == []
