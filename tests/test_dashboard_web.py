"""The dashboard page (TestClient, both back ends): who sees what, and every number is a
link to an inbox list of exactly that many items."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from aggregator.records import Batch, CommentRecord
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.dashboard_truth import truth
from tests.fixtures_web import DEPARTMENTS, T0, Web

CARD = re.compile(
    r'<a class="card[^"]*" href="([^"]+)" data-figure="(\w+)"><span>[^<]*</span><b>(\d+)</b>'
)
CELL = re.compile(r'<a href="([^"]+)" data-department="([^"]*)" data-due="(\w+)">(\d+)</a>')
OFFICE = Actor("comm1", Role.COMMUNICATIONS)


def two_weeks_of_comments(web: Web) -> None:
    """A resident comment every 7 hours over the two weeks before now, some routed."""
    account = web.store.sync.ensure_account("fb-page", "facebook")
    now = web.store.clock()
    records = tuple(
        CommentRecord(
            platform="facebook",
            external_id=f"w{n}",
            created_at=now - timedelta(hours=7 * n + 1),
            text=f"민원 {n}",
            post_external_id="p1",
            author_name="주민",
        )
        for n in range(48)
    )
    web.store.sync.apply_batch(account, Batch(stream="t", comments=records))
    with web.store.engine.connect() as conn:
        ids = dict(conn.exec_driver_sql("SELECT external_id, id FROM comment").all())
    context = ReviewContext(now=now, claim_minutes=15, departments=DEPARTMENTS)
    for n, department in ((n, DEPARTMENTS[n % 3]) for n in range(0, 48, 2)):
        action = ReviewAction(kind="assign_department", department=department)
        assert web.store.inbox.review(OFFICE, [int(ids[f"w{n}"])], action, context).refused == []
    web.store.inbox.review(
        OFFICE, [int(ids["w5"])], ReviewAction(kind="status", status="종결"), context
    )


NEXT = re.compile(r'<a href="([^"]+)" id="next-page"')


def rows_listed(client: object, url: str) -> int:
    """Items the inbox lists at `url`, over every page."""
    total, following = 0, url
    while following:
        page = client.get(following)  # type: ignore[attr-defined]
        assert page.status_code == 200, following
        total += page.text.count('<tr class="row')
        found = NEXT.search(page.text)
        following = html.unescape(found.group(1)) if found else ""
    return total


def test_anonymous_visitors_are_sent_to_the_login_page(web: Web) -> None:
    anonymous = web.client()
    for path, login_page in (("/", "/login"), ("/dashboard", "/login?next=%2Fdashboard")):
        response = anonymous.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, login_page)


def test_every_number_links_to_an_inbox_list_of_that_many_items(web: Web) -> None:
    two_weeks_of_comments(web)
    client = web.client("communications")
    page = client.get("/").text
    cards = CARD.findall(page)
    assert {figure for _url, figure, _n in cards} == {
        "overdue", "today", "tomorrow", "new", "open", "pending", "failed",
    }  # fmt: skip
    for url, figure, number in cards:
        assert rows_listed(client, html.unescape(url)) == int(number), figure
    cells = CELL.findall(page)
    assert {d for _u, d, _due, _n in cells} >= {*DEPARTMENTS, "미배정"}
    for url, department, due, number in cells:
        assert rows_listed(client, html.unescape(url)) == int(number), (department, due)
    expected = truth(web.store, web.store.clock())
    shown = {figure: int(n) for _u, figure, n in cards}
    for figure in ("overdue", "today", "tomorrow", "open", "new"):
        assert shown[figure] == sum(expected[figure].values()), figure
    assert shown["overdue"] > 0
    assert shown["tomorrow"] > 0


def test_departments_are_sorted_by_overdue_count(web: Web) -> None:
    two_weeks_of_comments(web)
    page = web.client("admin").get("/dashboard").text
    overdue = [int(n) for _u, _d, due, n in CELL.findall(page) if due == "overdue"]
    assert overdue == sorted(overdue, reverse=True)


def test_a_department_officer_sees_only_their_departments_figures(web: Web) -> None:
    two_weeks_of_comments(web)
    officer = web.client("department")
    page = officer.get("/").text
    assert "주차관리과 업무 현황" in page
    assert "계정별 수집 상태" not in page
    assert {d for _u, d, _due, _n in CELL.findall(page)} == {"주차관리과"}
    expected = truth(web.store, web.store.clock(), "주차관리과")
    shown = {figure: int(n) for _u, figure, n in CARD.findall(page)}
    for figure in ("overdue", "today", "tomorrow", "open", "new"):
        assert shown[figure] == sum(expected[figure].values()), figure
    for url, _figure, number in CARD.findall(page):
        assert rows_listed(officer, html.unescape(url)) == int(number)


def test_office_and_viewers_see_each_accounts_sync_health_in_korean(web: Web) -> None:
    for role in ("viewer", "admin"):
        page = web.client(role).get("/").text
        assert "계정별 수집 상태" in page or not web.settings.accounts
        assert "오늘의 소통 현황" in page


def test_the_dashboard_view_is_in_the_access_log(web: Web) -> None:
    web.client("viewer").get("/dashboard")
    with web.store.engine.connect() as conn:
        actions = conn.exec_driver_sql(
            "SELECT action, staff FROM access_log WHERE target = 'dashboard'"
        ).all()
    assert [tuple(a) for a in actions] == [("view_dashboard", "viewer1")]


def test_month_compliance_uses_the_reports_definition(web: Web) -> None:
    from aggregator.dashboard_figures import month_compliance
    from aggregator.reports.service import compute_report

    two_weeks_of_comments(web)
    web.store.clock.now = T0 + timedelta(days=10)  # type: ignore[attr-defined]
    now = web.store.clock()
    figures = month_compliance(web.store, web.settings, now)
    report = compute_report(web.store, web.settings, "2026-11")
    headline = report.figures["headline"]
    assert figures[""].rate == headline["compliance_rate"]
    assert figures[""].decided > 0
