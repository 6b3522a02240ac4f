"""The 상용구 page over HTTP: who may read and change it, CSRF, Korean refusals that keep
what was typed, edit, retire and bring back, and the server preview with the phones."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from aggregator.config import parse_settings
from aggregator.store.access_log import LogFilter
from aggregator.store.tables import ANSWER_TEMPLATE
from aggregator.web import create_app
from tests.fixtures_web import CONFIG, FAST_HASHER, PSEUDONYM_KEY, Web

ANSWERS = """
answers:
  office_phone: 02-2670-3000
  phones: {주차관리과: 02-2670-3114}
"""
BODY = "{부서명}입니다. 문의: {전화번호} ({접수번호})"
PAGE = "/answers/templates"


@pytest.fixture
def site(web: Web) -> Web:
    """The seeded app with phones configured for answers."""
    settings = parse_settings(CONFIG + ANSWERS, environ={"AGGREGATOR_PSEUDONYM_KEY": PSEUDONYM_KEY})
    web.settings = settings
    web.app = create_app(settings, web.store, hasher=FAST_HASHER)
    return web


def post(web: Web, client: TestClient, url: str, **form: str) -> Any:
    return client.post(url, data={**form, "csrf_token": web.csrf(client)}, follow_redirects=False)


def stored(web: Web) -> list[dict[str, Any]]:
    with web.store.engine.connect() as conn:
        query = sa.select(ANSWER_TEMPLATE).order_by(ANSWER_TEMPLATE.c.id)
        return [dict(r._mapping) for r in conn.execute(query)]


def add(web: Web, client: TestClient, title: str = "주차 안내", **more: str) -> int:
    response = post(web, client, PAGE, title=title, body=BODY, **more)
    assert response.status_code == 303, response.text
    return int(stored(web)[-1]["id"])


def test_the_office_adds_a_template_and_sees_it_listed(site: Web) -> None:
    client = site.client("communications")
    response = post(site, client, PAGE, title="주차 안내", body=BODY, department="주차관리과")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{PAGE}?saved=added")
    page = client.get(response.headers["location"]).text
    assert "상용구를 추가했습니다" in page
    assert re.search(r"주차 안내</td>\s*<td class=\"scope\">주차관리과", page)
    [entry] = site.store.staff.access_log(LogFilter(action="answer_template_add"), limit=5)
    assert (entry["staff"], entry["client_ip"]) == ("comm1", "testclient")


def test_a_department_officer_reads_their_templates_filled_in_and_cannot_change_them(
    site: Web,
) -> None:
    office = site.client("admin")
    mine = add(site, office, "주차 안내", department="주차관리과")
    add(site, office, "청소 안내", department="청소행정과")
    client = site.client("department")
    page = client.get(PAGE).text
    assert "주차 안내" in page
    assert "청소 안내" not in page
    assert "주차관리과입니다. 문의: 02-2670-3114 (No.1234)" in page
    assert 'action="/answers/templates"' not in page
    assert "사용 중지</button>" not in page
    assert client.get(f"{PAGE}/{mine}").status_code == 403
    refused = post(site, client, f"{PAGE}/{mine}/active", active="0")
    assert refused.status_code == 403
    assert post(site, client, PAGE, title="몰래", body="본문").status_code == 403
    assert [t["active"] for t in stored(site)] == [True, True]


def test_viewers_and_strangers_do_not_see_the_page(site: Web) -> None:
    assert site.client("viewer").get(PAGE).status_code == 403
    assert site.client().get(PAGE, follow_redirects=False).status_code == 303


def test_a_change_without_the_csrf_token_is_refused(site: Web) -> None:
    client = site.client("communications")
    template_id = add(site, client)
    assert client.post(PAGE, data={"title": "위조", "body": BODY}).status_code == 403
    forged = client.post(f"{PAGE}/{template_id}/active", data={"active": "0"})
    assert forged.status_code == 403
    assert [(t["title"], t["active"]) for t in stored(site)] == [("주차 안내", True)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "", "body": BODY}, "제목을(를) 적어 주세요"),
        ({"title": "안내", "body": "{주소}로 오세요"}, "알 수 없는 자리표시자 {주소}"),
        ({"title": "가" * 101, "body": BODY}, "제목은(는) 100자까지"),
        ({"title": "안내", "body": BODY, "department": "없는과"}, "설정에 없는 부서입니다"),
    ],
)
def test_bad_input_is_refused_in_korean_and_what_was_typed_stays(
    site: Web, form: dict[str, str], message: str
) -> None:
    client = site.client("communications")
    response = post(site, client, PAGE, **form)
    assert response.status_code == 400
    assert message in response.text
    assert f">{form['body']}</textarea>" in response.text
    assert stored(site) == []


def test_the_office_edits_a_template(site: Web) -> None:
    client = site.client("communications")
    template_id = add(site, client)
    form = client.get(f"{PAGE}/{template_id}").text
    version = re.search(r'name="version" value="([0-9a-f]+)"', form)
    assert version
    assert "주차 안내" in form
    saved = post(
        site, client, f"{PAGE}/{template_id}", title="주차 단속 안내", body=BODY + " 감사합니다.",
        department="주차관리과", version=version.group(1),
    )  # fmt: skip
    assert saved.status_code == 303
    assert "saved=edited" in saved.headers["location"]
    [row] = stored(site)
    assert (row["title"], row["department"]) == ("주차 단속 안내", "주차관리과")
    assert row["body"].endswith("감사합니다.")
    listed = client.get(PAGE).text
    assert re.search(
        r"comm1<br><small>\d{4}년 \d{1,2}월 \d{1,2}일 \(.\) \d\d:\d\d</small></td>\s*<td class",
        listed,
    )


def test_an_edit_over_someone_elses_is_refused_with_the_text_kept(site: Web) -> None:
    client, other = site.client("communications"), site.client("admin")
    template_id = add(site, client)
    version = re.search(
        r'name="version" value="([0-9a-f]+)"', client.get(f"{PAGE}/{template_id}").text
    )
    assert version
    post(site, other, f"{PAGE}/{template_id}", title="관리자 안내", body=BODY)
    late = post(
        site, client, f"{PAGE}/{template_id}", title="내 안내", body="내가 고친 본문",
        version=version.group(1),
    )  # fmt: skip
    assert late.status_code == 409
    assert "다른 직원이 그 사이에" in late.text
    assert ">내가 고친 본문</textarea>" in late.text
    assert stored(site)[0]["title"] == "관리자 안내"


def test_retiring_and_bringing_back_moves_the_template_between_the_lists(site: Web) -> None:
    client = site.client("communications")
    template_id = add(site, client)
    retired = post(site, client, f"{PAGE}/{template_id}/active", active="0")
    assert "saved=deactivated" in retired.headers["location"]
    page = client.get(PAGE).text
    assert "사용 중 (0)" in page
    assert "사용 중지 (1)" in page
    assert "다시 사용</button>" in page
    assert site.client("department").get(PAGE).text.count("주차 안내") == 0
    post(site, client, f"{PAGE}/{template_id}/active", active="1")
    assert "사용 중 (1)" in client.get(PAGE).text
    assert stored(site)[0]["active"] is True


def test_the_server_preview_fills_the_chosen_department_and_stores_nothing(site: Web) -> None:
    client = site.client("communications")
    shown = post(
        site, client, PAGE, title="안내", body=BODY + " 담당: {담당자}",
        preview_department="주차관리과", preview="1",
    )  # fmt: skip
    assert shown.status_code == 200
    assert "주차관리과입니다. 문의: 02-2670-3114 (No.1234) 담당: comm1" in shown.text
    office = post(site, client, PAGE, title="안내", body=BODY, preview="1")
    assert "입니다. 문의: 02-2670-3000 (No.1234)" in office.text  # no department: the office
    assert "값이 없는 자리표시자: {부서명}" in office.text
    assert stored(site) == []


def test_a_missing_template_is_404(site: Web) -> None:
    client = site.client("admin")
    assert client.get(f"{PAGE}/999").status_code == 404
    assert post(site, client, f"{PAGE}/999/active", active="0").status_code == 404
    assert post(site, client, f"{PAGE}/999", title="t", body="b").status_code == 404


def test_template_text_is_escaped(site: Web) -> None:
    client = site.client("communications")
    add(site, client, "<script>alert(1)</script>")
    page = client.get(PAGE).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
