"""Every figure of the reports on a hand-built week (tests/reports_world.py), each
worked out by hand in the comments. Times are minutes after Tuesday 09:00 UTC."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import build_world
from tests.reports_world import build_week
from tierdesk.reports import sql as q
from tierdesk.reports.access import report_scope
from tierdesk.reports.catalogue import REPORTS
from tierdesk.reports.drilldown import drill_ticket_ids

WEEK = q.Period(date(2026, 11, 2), date(2026, 11, 8))


@pytest.fixture
def week(db):
    world = build_world()
    return world, build_week(world)


def report(world, name, actor="lead", partner=None):
    return REPORTS[name].build(report_scope(world.actor(actor), partner), WEEK)


def summary(world, actor="lead"):
    return {row["metric"]: row for row in report(world, "summary", actor).rows}


def test_summary_rates_match_the_hand_count(week):
    # Given the week: A..F opened in it, P the week before
    world, _ids = week
    # When the support lead reads the summary
    s = summary(world)
    # Then: 6 opened (A-F), 1 the week before (P)
    assert (s["opened"]["value"], s["opened"]["previous"]) == (6, 1)
    # resolved in the week: A, B, C, D, F (E is at L3)
    assert s["resolved"]["value"] == 5
    # first contact: of the 5 opened and resolved, only A (B waited on the customer,
    # C and D were handed over, F was reopened)
    assert (s["l1_fcr_rate"]["numerator"], s["l1_fcr_rate"]["denominator"]) == (1, 5)
    assert s["l1_fcr_rate"]["value"] == 0.2
    # handed over: C, D, E of 6
    assert s["handover_rate"]["value"] == 0.5
    # first attempts decided: C, D, E; accepted: C, E (D bounced)
    assert (s["first_time_right"]["numerator"], s["first_time_right"]["denominator"]) == (2, 3)
    # attempts decided: C1, D1, D2, E1; bounced: D1
    assert s["bounce_rate"]["value"] == 0.25
    # arrived at L2: C, D, E; resolved there: C, D; escalated: E; no override
    assert (s["l2_resolution_rate"]["numerator"], s["l2_resolution_rate"]["denominator"]) == (2, 3)
    assert s["l2_escalation_rate"]["numerator"] == 1
    assert s["overrides"]["value"] == 0
    # reopened after its resolution: F of the 5 resolved
    assert s["reopen_rate"]["value"] == 0.2
    # E's fix failed its verification, the only one decided
    assert s["fix_failure_rate"]["value"] == 1.0


def test_time_in_each_level_excludes_waiting_on_the_customer(week):
    world, _ids = week
    levels = {row["level"]: row for row in report(world, "levels").rows}
    # L1, tickets resolved in the week, up to their resolution, waiting excluded:
    #   A: new 0-30 + in progress 30-90            = 90 min = 5400 s
    #   B: new 0-10 + 10-20, waiting 20-140 out, 140-170 = 50 min = 3000 s
    #   C: new 0-5 + in progress 5-35              = 35 min = 2100 s
    #   D: 0-15 + 15-45, bounced back 105-165      = 105 min = 6300 s
    #   F: 0-10 + 10-20 (resolved at 20)           = 20 min = 1200 s
    # median of [1200, 2100, 3000, 5400, 6300] = 3000; p90 at rank 3.6 = 5400 + 0.6·900
    assert (levels[1]["median_seconds"], levels[1]["p90_seconds"]) == (3000, 5940)
    # L2: C 35-95 + 95-215 = 180 min; D 45-105 + 165-225 + 225-285 = 180 min
    assert (levels[2]["median_seconds"], levels[2]["p90_seconds"]) == (10800, 10800)
    # no ticket resolved after time at L3
    assert levels[3]["median_seconds"] is None
    # arrivals: 6 at L1, 3 at L2 (D counted once), E at L3; resolved: A, B, F at L1 (F
    # was resolved before its reopening), C, D at L2
    assert [(r["arrived"], r["resolved"]) for r in levels.values()] == [(6, 3), (3, 2), (1, 0)]
    # open at the end: P (new@L1) and F (reopened, in progress@L1); E at L3
    assert [r["backlog_at_end"] for r in levels.values()] == [2, 0, 1]


def test_backlog_series_counts_the_state_at_each_days_end(week):
    world, _ids = week
    rows = report(world, "backlog").rows
    # Monday: only P; from Tuesday on: P and F at L1, E at L3
    assert [(r["l1"], r["l2"], r["l3"]) for r in rows] == [(1, 0, 0)] + [(2, 0, 1)] * 6


def test_l1_causes_and_handover_items(week):
    world, _ids = week
    causes = {r["cause"]: r["resolved"] for r in report(world, "l1_causes").rows}
    # A and F credentials, B usage
    assert causes == {"credentials": 2, "usage": 1}
    items = {(r["partner"], r["item"]): (r["missing"], r["insufficient"])
             for r in report(world, "handover_items").rows}  # fmt: skip
    # no handover carried a screenshot (recommended): Acme C, E; Globex D twice.
    # L2 found D's platform IDs and logs insufficient.
    assert items == {
        ("Acme", "screenshots"): (2, 0),
        ("Globex", "screenshots"): (2, 0),
        ("Globex", "platform_ids"): (0, 1),
        ("Globex", "logs"): (0, 1),
    }
    partners = {r["partner"]: r for r in report(world, "handover_partners").rows}
    assert (partners["Globex"]["first_time_right"], partners["Globex"]["bounce_rate"]) == (0, 0.5)
    assert (partners["Acme"]["first_time_right"], partners["Acme"]["bounce_rate"]) == (1, 0)


def test_sla_compliance_per_level_and_plan(week):
    world, _ids = week
    rows = {
        (r["kind"], r["level"]): (r["met"], r["clocks"]) for r in report(world, "sla_levels").rows
    }
    # first responses: taken at L1 for A-F (6), at L2 for C, D, E (3), at L3 for E (1)
    assert rows[("first_response", 1)] == (6, 1 * 6)
    assert rows[("first_response", 2)] == (3, 3)
    assert rows[("first_response", 3)] == (1, 1)
    # next response: B's customer reply answered by the resolution
    assert rows[("next_response", 1)] == (1, 1)
    # resolution and needed_by: A, B, C, D met (F reopened: its clocks run again)
    assert rows[("resolution", None)] == (4, 4)
    assert rows[("needed_by", None)] == (4, 4)
    plans = {(r["kind"], r["plan"]) for r in report(world, "sla_plans").rows}
    assert ("resolution", "premium") in plans  # the factories' contracts are premium


def test_teams_are_the_organisation_and_level_of_who_acted(week):
    world, _ids = week
    teams = {r["team"]: r for r in report(world, "teams").rows}
    assert teams["Acme · L1"]["resolved"] == 3  # A, B, F
    assert teams["Globex · L1"]["handed_over"] == 2  # D twice
    assert teams["Tierdesk Vendor · L2"]["bounced"] == 1


def test_each_figure_drills_down_to_its_tickets(week):
    world, ids = week
    scope = report_scope(world.actor("lead"))
    assert drill_ticket_ids(scope, WEEK, {"set": "fcr"}) == {ids["A"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "reopened"}) == {ids["F"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "bounced", "item": "logs"}) == {ids["D"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "timed", "level": "2"}) == {ids["C"], ids["D"]}
    assert drill_ticket_ids(scope, WEEK, {"set": "backlog", "level": "1", "day": "2026-11-09"}) == {
        ids["P"],
        ids["F"],
    }
    assert drill_ticket_ids(
        scope, WEEK, {"set": "resolved", "level": "1", "cause": "credentials"}
    ) == {ids["A"], ids["F"]}


def test_a_partner_admin_counts_only_their_partner(week):
    world, ids = week
    # Given Globex's admin: only D is theirs
    s = summary(world, "globex_admin")
    assert s["opened"]["value"] == 1
    assert {r["partner"] for r in report(world, "handover_items", "globex_admin").rows} == {
        "Globex"
    }
    scope = report_scope(world.actor("globex_admin"))
    assert drill_ticket_ids(scope, WEEK, {"set": "opened"}) == {ids["D"]}
