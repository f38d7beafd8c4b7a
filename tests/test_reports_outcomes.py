"""The measures of the outer apps on the hand-built week (tests/reports_world.py):
satisfaction, deflected reports and problem records — every figure worked out by hand in
the comments, a partner admin's figures their partner's only (report, drill-down, CSV,
API), and the statement count the same for 10 and 10,000 tickets."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import build_world
from tests.reports_world import DAY, at, build_outcomes, build_week
from tierdesk.reports import sql as q
from tierdesk.reports.access import report_scope
from tierdesk.reports.catalogue import REPORTS
from tierdesk.reports.drilldown import drill_ticket_ids
from tierdesk.tickets.models import Ticket

WEEK = q.Period(date(2026, 11, 2), date(2026, 11, 8))
QUERY = "from=2026-11-02&to=2026-11-08"
OUTCOMES = ("satisfaction", "deflections", "deflection_causes", "problem_summary", "problems")


@pytest.fixture
def week(db):
    world = build_world()
    ids = build_week(world)
    ids.update(build_outcomes(world, ids))
    return world, ids


def rows(world, name, actor="lead"):
    return REPORTS[name].build(report_scope(world.actor(actor)), WEEK).rows


def by_group(world, actor="lead"):
    return {(r["group"], r["label"]): r for r in rows(world, "satisfaction", actor)}


def test_satisfaction_per_level_partner_and_agent(week):
    world, _ids = week
    s = by_group(world)
    # all: A 5, B 2, C 4, D 1 -> 4 ratings, 12/4 = 3.0; one of each score but 3
    every = s[("all", "All ratings")]
    assert (every["ratings"], every["average"]) == (4, 3.0)
    assert [every[f"score_{n}"] for n in (1, 2, 3, 4, 5)] == [1, 1, 0, 1, 1]
    # resolved in the week: A, B, C, D, F; rated: A-D (F was reopened before a rating)
    assert (every["resolved"], every["rated"], every["response_rate"]) == (5, 4, 0.8)
    # L1: A 5, B 2 -> 3.5; resolved at L1: A, B, F -> 2 of 3 rated
    l1 = s[("level", "L1")]
    assert (l1["ratings"], l1["average"], l1["resolved"], l1["rated"]) == (2, 3.5, 3, 2)
    assert l1["response_rate"] == 0.6667
    # L2: C 4, D 1 -> 2.5, both rated
    l2 = s[("level", "L2")]
    assert (l2["ratings"], l2["average"], l2["response_rate"]) == (2, 2.5, 1.0)
    # Acme: A, B, C -> 11/3; resolved A, B, C, F -> 3 of 4. Globex: D
    acme, globex = s[("partner", "Acme")], s[("partner", "Globex")]
    assert (acme["ratings"], acme["average"], acme["response_rate"]) == (3, 3.67, 0.75)
    assert (globex["ratings"], globex["average"], globex["response_rate"]) == (1, 1.0, 1.0)
    # agents: who resolved — Acme's L1 agent A, B (and F, unrated); L2 C, D
    assert (s[("agent", "Acme L1")]["average"], s[("agent", "Acme L1")]["resolved"]) == (3.5, 3)
    assert (s[("agent", "L2")]["average"], s[("agent", "L2")]["ratings"]) == (2.5, 2)


def test_satisfaction_matches_the_selector_of_the_satisfaction_app(week):
    from tierdesk.satisfaction.selectors import ratings_by

    world, _ids = week
    s = by_group(world)
    since = WEEK.lo
    for group in ("level", "partner", "agent"):
        ours = {r["key"]: (r["ratings"], r["average"]) for r in s.values() if r["group"] == group}
        theirs = {g["key"]: (g["count"], g["average"]) for g in ratings_by(group, since=since)}
        assert ours == theirs, group


def test_satisfaction_drills_down_to_the_rated_tickets(week):
    world, ids = week
    scope = report_scope(world.actor("lead"))
    assert drill_ticket_ids(scope, WEEK, {"set": "rated"}) == {ids[k] for k in "ABCD"}
    assert drill_ticket_ids(scope, WEEK, {"set": "rated", "score": "2"}) == {ids["B"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "rating_due", "level": "1"}) == {
        ids["A"], ids["B"], ids["F"]
    }  # fmt: skip
    agent = world.user("acme_l1").pk
    assert drill_ticket_ids(scope, WEEK, {"set": "rated_resolution", "agent": agent}) == {
        ids["A"], ids["B"]
    }  # fmt: skip
    # every cell's link names the set and dimensions of its figure
    table = REPORTS["satisfaction"].build(scope, WEEK)
    l1 = next(r for r in table.rows if r["group"] == "level" and r["level"] == 1)
    score_2 = next(c for c in table.columns if c.key == "score_2")
    assert table.drill_params(score_2, l1) == {"set": "rated", "level": 1, "score": 2}
    assert drill_ticket_ids(scope, WEEK, table.drill_params(score_2, l1)) == {ids["B"]}


def test_deflections_per_partner_and_cause(week):
    world, _ids = week
    found = {r["partner"]: r for r in rows(world, "deflections")}
    # Acme: 3 deflected this week (1 the week before), 5 tickets opened (A, B, C, E, F)
    assert (found["Acme"]["deflected"], found["Acme"]["opened"]) == (3, 5)
    assert found["Acme"]["deflection_rate"] == 0.375  # 3 / (3 + 5)
    # Globex: 1 deflected, D opened -> 1/2; all partners 4 / (4 + 6)
    assert found["Globex"]["deflection_rate"] == 0.5
    assert found["All partners"]["deflection_rate"] == 0.4
    causes = [(r["cause"], r["article"], r["deflected"]) for r in rows(world, "deflection_causes")]
    assert causes == [
        ("credentials", "Renew your API key", 2),
        ("", "—", 1),
        ("dns", "Renew your API key", 1),
    ]


def test_deflections_agree_with_the_triage_selector(week):
    from tierdesk.triage.selectors import deflection_counts

    world, _ids = week
    for actor in ("lead", "globex_admin", "acme_admin"):
        ours = {r["cause"]: r["deflected"] for r in rows(world, "deflection_causes", actor)}
        assert ours == deflection_counts(world.actor(actor), since=WEEK.lo), actor


def test_problem_records(week):
    world, ids = week
    s = {r["metric"]: r for r in rows(world, "problem_summary")}
    # opened this week: X (E, D, C) and Y (B) -> 4 tickets over 2 problems
    assert s["problems_opened"]["value"] == 2
    assert (s["tickets_per_problem"]["value"], s["tickets_per_problem"]["numerator"]) == (2.0, 4)
    # resolved this week: Z closed at 500 (opened 7 days before: 10,080 + 500 min =
    # 634,800 s), X fix delivered at 3180 (opened at 50 by E's escalation: 3,130 min =
    # 187,800 s)
    assert s["problems_resolved"]["value"] == 2
    # median of the two = 411,300; p90 = 187,800 + 0.9 x 447,000 = 590,100
    assert (s["time_to_fix_median"]["value"], s["time_to_fix_p90"]["value"]) == (411300, 590100)
    table = [(r["title"], r["tickets"], r["opened_in_period"], r["time_to_fix_seconds"])
             for r in rows(world, "problems")]  # fmt: skip
    # (in the order the records were made: X by E's escalation while the week was built)
    assert table == [("X", 3, True, 187800), ("Z", 1, False, 634800), ("Y", 1, True, None)]
    scope = report_scope(world.actor("lead"))
    assert drill_ticket_ids(scope, WEEK, {"set": "problem_tickets", "problem": ids["X"]}) == {
        ids["E"], ids["D"], ids["C"]
    }  # fmt: skip
    assert drill_ticket_ids(scope, WEEK, {"set": "problems_resolved"}) == {
        ids["P"], ids["E"], ids["D"], ids["C"]
    }  # fmt: skip


def test_a_partner_admin_counts_only_their_partners_outcomes(week):
    world, ids = week
    # Globex: only D is theirs — rated 1, resolved by L2, linked to X
    s = by_group(world, "globex_admin")
    assert {k for k in s} == {("all", "All ratings"), ("level", "L2"), ("partner", "Globex"),
                              ("agent", "L2")}  # fmt: skip
    assert (s[("all", "All ratings")]["ratings"], s[("all", "All ratings")]["average"]) == (1, 1.0)
    assert [r["partner"] for r in rows(world, "deflections", "globex_admin")] == ["Globex"]
    p = {r["metric"]: r["value"] for r in rows(world, "problem_summary", "globex_admin")}
    assert (p["problems_opened"], p["tickets_per_problem"], p["time_to_fix_median"]) == (
        1, 1.0, 187800
    )  # fmt: skip
    assert [(r["title"], r["tickets"]) for r in rows(world, "problems", "globex_admin")] == [
        ("X", 1)
    ]
    scope = report_scope(world.actor("globex_admin"))
    assert drill_ticket_ids(scope, WEEK, {"set": "rated"}) == {ids["D"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "problem_tickets", "problem": ids["X"]}) == {
        ids["D"]
    }


def test_a_partner_admin_sees_their_own_on_the_web_csv_and_api(week, client):
    world, ids = week
    client.force_login(world.user("globex_admin"))
    page = client.get(f"/reports/?{QUERY}").content.decode()
    assert "Acme" not in page and "Satisfaction" in page and "Problem records" in page
    for name in OUTCOMES:
        body = client.get(f"/reports/{name}/?{QUERY}&format=csv").content.decode()
        assert "Acme" not in body, name
        data = client.get(f"/api/v1/reports/{name}?{QUERY}").json()
        assert data["partner"] == world.globex.pk and "Acme" not in str(data), name
        other = f"/api/v1/reports/{name}?{QUERY}&partner={world.acme.pk}"
        assert client.get(other).status_code == 404
    listed = client.get(f"/reports/tickets/?{QUERY}&set=rated").content.decode()
    assert f"/tickets/{Ticket.objects.get(pk=ids['D']).number}/" in listed
    assert f"/tickets/{Ticket.objects.get(pk=ids['B']).number}/" not in listed
    acme_x = f"/reports/tickets/?{QUERY}&set=problem_tickets&problem={ids['X']}"
    listed = client.get(acme_x).content.decode()
    assert f"/tickets/{Ticket.objects.get(pk=ids['C']).number}/" not in listed


def test_the_csv_of_satisfaction_carries_the_hand_figures(week, client):
    world, _ids = week
    client.force_login(world.user("lead"))
    body = client.get(f"/reports/satisfaction/?{QUERY}&format=csv").content.decode()
    first = next(csv.DictReader(io.StringIO(body)))
    assert (first["label"], first["ratings"], first["average"], first["response_rate"]) == (
        "All ratings", "4", "3.0", "0.8"
    )  # fmt: skip
    assert client.get(f"/reports/tickets/?{QUERY}&set=rated&score=x").status_code == 422


def test_the_outcomes_cost_the_same_queries_for_10_and_10000_tickets(week):
    from tests.test_reports_web import _bulk_tickets
    from tierdesk.problems.models import ProblemTicket
    from tierdesk.satisfaction.models import Rating
    from tierdesk.triage.models import Deflection

    world, ids = week
    scope = report_scope(world.actor("lead"))

    def counts() -> dict[str, int]:
        out = {}
        for name in OUTCOMES:
            with CaptureQueriesContext(connection) as ctx:
                REPORTS[name].build(scope, WEEK)
            out[name] = len(ctx.captured_queries)
        return out

    small = counts()
    # 10,000 more tickets, each rated, linked to problem Y, with a deflection beside it
    _bulk_tickets(world, 10000, 700000)
    bulk = list(Ticket.objects.filter(number__gte=700000))
    Rating.objects.bulk_create(
        [Rating(ticket=t, resolved_at=DAY, score=1 + t.pk % 5, level=1, partner=world.acme,
                created_at=at(60)) for t in bulk]
    )  # fmt: skip
    ProblemTicket.objects.bulk_create([ProblemTicket(problem_id=ids["Y"], ticket=t) for t in bulk])
    Deflection.objects.bulk_create(
        [Deflection(partner=world.acme, customer=world.user("acme_customer"), cause="dns",
                    created_at=DAY + timedelta(minutes=i % 600)) for i in range(10000)]
    )  # fmt: skip
    assert counts() == small
    assert rows(world, "satisfaction")[0]["ratings"] == 10004
