"""Reports on the web, in the API and in CSV: who sees which figures, drill-down lists,
exports, query counts independent of the number of tickets, and /metrics."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import build_world
from tests.reports_world import DAY, build_week
from tierdesk.accounts.models import User
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.reports import sql as q
from tierdesk.reports.access import report_scope
from tierdesk.reports.catalogue import REPORTS
from tierdesk.tickets.models import Ticket, TicketEvent

WEEK = "from=2026-11-02&to=2026-11-08"


@pytest.fixture
def week(db):
    world = build_world()
    return world, build_week(world)


def signed_in(client, world, key):
    client.force_login(world.user(key))
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("lead", 200),
        ("admin", 200),
        ("l2", 200),
        ("acme_admin", 200),
        ("acme_l1", 403),
        ("l3", 403),
        ("acme_customer", 403),
    ],
)
def test_who_may_open_the_reports(week, client, role, status):
    world, _ids = week
    for url in (
        "/reports/",
        "/reports/handover/",
        "/reports/levels/",
        "/reports/tickets/?set=opened",
    ):
        assert (
            signed_in(client, world, role)
            .get(f"{url}?{WEEK}" if "?" not in url else f"{url}&{WEEK}")
            .status_code
            == status
        )


def test_the_lead_sees_all_partners_and_links_every_figure(week, client):
    world, _ids = week
    page = signed_in(client, world, "lead").get(f"/reports/?{WEEK}").content.decode()
    assert "Acme" in page and "Globex" in page
    assert "/reports/tickets/?" in page and "<svg" in page
    assert "style=" not in page.split("<body", 1)[1]  # charts carry classes, not styles
    assert "<script>" not in page


def test_a_partner_admin_never_sees_another_partner(week, client):
    world, ids = week
    c = signed_in(client, world, "acme_admin")
    # dashboard and handover page: Acme only
    for url in ("/reports/", "/reports/handover/"):
        page = c.get(f"{url}?{WEEK}").content.decode()
        assert "Globex" not in page
    # asking for Globex by its id is "not found", everywhere
    gid = world.globex.pk
    assert c.get(f"/reports/?{WEEK}&partner={gid}").status_code == 404
    assert c.get(f"/reports/handover_items/?{WEEK}&partner={gid}&format=csv").status_code == 404
    assert c.get(f"/api/v1/reports/summary?{WEEK}&partner={gid}").status_code == 404
    assert c.get(f"/reports/tickets/?{WEEK}&set=opened&partner={gid}").status_code == 404
    # the drill-down lists Acme's tickets only
    listed = c.get(f"/reports/tickets/?{WEEK}&set=opened").content.decode()
    assert f"/tickets/{Ticket.objects.get(pk=ids['D']).number}/" not in listed
    assert f"/tickets/{Ticket.objects.get(pk=ids['A']).number}/" in listed
    # CSV and API: no Globex row
    body = c.get(f"/reports/handover_items/?{WEEK}&format=csv").content.decode()
    assert "Globex" not in body and "Acme" in body
    data = c.get(f"/api/v1/reports/handover_partners?{WEEK}").json()
    assert [r["partner"] for r in data["rows"]] == ["Acme"]
    assert data["partner"] == world.acme.pk


def test_csv_and_api_carry_the_same_figures(week, client):
    world, _ids = week
    c = signed_in(client, world, "lead")
    response = c.get(f"/reports/levels/?{WEEK}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["median_seconds"] for r in rows] == ["3000", "10800", ""]
    data = c.get(f"/api/v1/reports/levels?{WEEK}").json()
    assert [r["median_seconds"] for r in data["rows"]] == [3000, 10800, None]
    assert data["start"] == "2026-11-02" and data["end"] == "2026-11-08"


def test_bad_input_is_refused_naming_the_field(week, client):
    world, _ids = week
    c = signed_in(client, world, "lead")
    assert c.get("/api/v1/reports/nonsense").status_code == 422
    body = c.get("/api/v1/reports/summary?from=2026-11-08&to=2026-11-01")
    assert body.status_code == 422 and "to" in body.json()["fields"]
    page = c.get("/reports/?from=2026-11-08&to=2026-11-01")
    assert page.status_code == 422 and "end" in page.content.decode()
    assert c.get(f"/reports/tickets/?{WEEK}&set=backlog").status_code == 422
    assert c.get(f"/reports/tickets/?{WEEK}&set=nothing").status_code == 404


def test_the_api_documents_the_report_operation(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/reports/{name}"]["get"]
    assert op["operationId"] == "report_get"
    name = next(p for p in op["parameters"] if p["name"] == "name")
    assert "summary" in str(name["schema"])
    assert {"200", "404", "422"} <= set(op["responses"])


def _bulk_tickets(world, n: int, start: int) -> None:
    when = DAY
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(number=start + i, title="Bulk", partner=world.acme, description="x",
                   created_at=when, updated_at=when)
            for i in range(n)
        ]
    )  # fmt: skip
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket=t, actor_role="l1_agent", kind="created", to_level=1,
                        to_status="new", created_at=when)
            for t in tickets
        ]
    )  # fmt: skip


def test_each_report_costs_the_same_queries_for_10_and_10000_tickets(db):
    # Given 10 tickets, then 10,000 more (bulk: only the count matters here)
    world = build_world()
    _bulk_tickets(world, 10, 500000)
    scope = report_scope(world.actor("lead"))
    period = q.Period(date(2026, 11, 2), date(2026, 11, 8))

    def counts() -> dict[str, int]:
        out = {}
        for name, report in REPORTS.items():
            with CaptureQueriesContext(connection) as ctx:
                report.build(scope, period)
            out[name] = len(ctx.captured_queries)
        return out

    small = counts()
    _bulk_tickets(world, 10000, 600000)
    large = counts()
    # Then every report issues the same statements
    assert small == large
    assert REPORTS["summary"].build(scope, period).rows[0]["value"] == 10010


def test_metrics_need_the_token_or_an_allowed_address(db, client, settings):
    settings.TIERDESK_METRICS_TOKEN = ""
    settings.TIERDESK_METRICS_ALLOW = []
    assert client.get("/metrics").status_code == 404
    settings.TIERDESK_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
    body = ok.content.decode()
    for name in (
        "tierdesk_tickets",
        "tierdesk_task_queue_lag_seconds",
        "tierdesk_mail_outbound",
        "tierdesk_outbox_events_pending",
        "tierdesk_http_request_duration_seconds",
    ):
        assert name in body  # fmt: skip
    settings.TIERDESK_METRICS_TOKEN = ""
    settings.TIERDESK_METRICS_ALLOW = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200
    settings.TIERDESK_METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404 or client.get("/metrics").status_code == 401


def test_metrics_count_queues_per_level_and_status(week, client, settings):
    settings.TIERDESK_METRICS_ALLOW = ["127.0.0.1"]
    body = client.get("/metrics").content.decode()
    # P new@L1, F in progress@L1, E in progress@L3
    assert 'tierdesk_tickets{level="1",status="new"} 1.0' in body
    assert 'tierdesk_tickets{level="3",status="in_progress"} 1.0' in body


# role -> (may read, partner asked for -> the partner the scope is narrowed to, or the error)
SCOPE_MATRIX = {
    "lead": {None: None, "acme": "acme", "globex": "globex"},
    "admin": {None: None, "acme": "acme", "globex": "globex"},
    "l2": {None: None, "acme": "acme", "globex": "globex"},
    "acme_admin": {None: "acme", "acme": "acme", "globex": NotFound},
    "globex_admin": {None: "globex", "acme": NotFound, "globex": "globex"},
    "acme_l1": {None: Forbidden, "acme": Forbidden, "globex": Forbidden},
    "vendor_l1": {None: Forbidden, "acme": Forbidden, "globex": Forbidden},
    "l3": {None: Forbidden, "acme": Forbidden, "globex": Forbidden},
    "acme_customer": {None: Forbidden, "acme": Forbidden, "globex": Forbidden},
}


def test_report_scope_matrix(world):
    # Given every role, asking for all partners, Acme or Globex
    for role, answers in SCOPE_MATRIX.items():
        for asked, expected in answers.items():
            partner_id = getattr(world, asked).pk if asked else None
            # Then the scope is narrowed as written above, or refused
            if isinstance(expected, type):
                with pytest.raises(expected):
                    report_scope(world.actor(role), partner_id)
                continue
            scope = report_scope(world.actor(role), partner_id)
            assert scope.partner_id == (getattr(world, expected).pk if expected else None), role


def test_the_dashboard_speaks_german(week, client):
    # Given a lead who reads German
    world, _ids = week
    User.objects.filter(pk=world.user("lead").pk).update(language="de")
    # Then the dashboard is in German (the reports' own catalogue)
    page = signed_in(client, world, "lead").get(f"/reports/?{WEEK}")
    text = page.content.decode()
    assert "Support-Kennzahlen" in text and "Wiedereröffnungsquote" in text


def test_the_api_names_every_registered_report():
    from typing import get_args

    from tierdesk.reports.api import ReportName

    assert set(get_args(ReportName)) == set(REPORTS)
