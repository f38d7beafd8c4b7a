"""The problems API: L3 works the problem, partners and customers read its public parts,
a ticket shows its problem and links, bad input names the field."""

from __future__ import annotations

import json

from tests.factories import new_ticket, ticket_at
from tests.problems_support import three_tickets_two_partners
from tests.test_api import client_for
from tierdesk.problems.models import ProblemStatus

API = "/api/v1"
SECRET = "token.js:88"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_l3_delivers_and_l2_verifies_through_the_api(world):
    # given three tickets of two partners on one problem
    problem, ids = three_tickets_two_partners(world)
    l3, l2 = client_for(world, "l3"), client_for(world, "l2")

    # when L3 delivers the fix
    answer = post(l3, f"{API}/problems/{problem.pk}/actions/deliver_fix", {"reference": "HF-7"})

    # then every ticket waits in verification, grouped by partner
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == ProblemStatus.FIX_DELIVERED
    groups = {g["partner"]: [t["status"] for t in g["tickets"]] for g in body["tickets_by_partner"]}
    assert groups == {
        "Acme Integrations": ["verifying", "verifying"],
        "Globex Cloud": ["verifying"],
    }
    # when L2 fails one and passes the rest
    failed = post(
        l2,
        f"{API}/problems/{problem.pk}/actions/verify_fix",
        {"passed": False, "notes": "Still fails", "ticket_ids": [ids[2]]},
    )
    passed = post(l2, f"{API}/problems/{problem.pk}/actions/verify_fix", {"passed": True})
    assert failed.status_code == 200 and passed.status_code == 200
    assert [t["status"] for t in failed.json()] == ["in_progress"]
    assert [t["status"] for t in passed.json()] == ["resolved", "resolved"]


def test_partners_and_customers_read_only_the_public_parts(world):
    # given a problem with an internal analysis and tickets of Acme and Globex
    problem, ids = three_tickets_two_partners(world)
    # when Acme's L1 reads it
    answer = client_for(world, "acme_l1").get(f"{API}/problems/{problem.pk}")
    # then it reads the public summary and only Acme's tickets, never the analysis
    assert answer.status_code == 200
    body = answer.json()
    assert body["internal_analysis"] is None and SECRET not in answer.content.decode()
    assert [g["partner"] for g in body["tickets_by_partner"]] == ["Acme Integrations"]
    assert body["ticket_count"] == 2
    # and Globex's customer reads the problem of their ticket, with only their ticket
    customer = client_for(world, "globex_customer")
    mine = customer.get(f"{API}/tickets/{ids[2]}/problem")
    assert mine.status_code == 200 and mine.json()["id"] == problem.pk
    assert SECRET not in mine.content.decode()
    detail = customer.get(f"{API}/problems/{problem.pk}").json()
    assert [t["id"] for g in detail["tickets_by_partner"] for t in g["tickets"]] == [ids[2]]
    # and another partner's ticket answers 404, like a missing one
    assert customer.get(f"{API}/tickets/{ids[0]}/problem").status_code == 404


def test_a_customer_without_a_linked_ticket_does_not_see_the_problem(world):
    problem, _ = three_tickets_two_partners(world)
    assert (
        client_for(world, "direct_customer").get(f"{API}/problems/{problem.pk}").status_code == 404
    )
    assert client_for(world, "direct_customer").get(f"{API}/problems").json() == []


def test_bad_input_names_the_field_and_writes_nothing(world):
    l2 = client_for(world, "l2")
    answer = post(l2, f"{API}/problems", {"title": "T", "public_summary": "S", "components": "x"})
    assert answer.status_code == 422 and "components" in answer.json()["fields"]
    answer = post(l2, f"{API}/problems", {"title": "T"})
    assert answer.status_code == 422 and "public_summary" in answer.json()["fields"]
    assert l2.get(f"{API}/problems").json() == []
    assert l2.get(f"{API}/problems?status=fixed").status_code == 422


def test_partner_staff_cannot_write_problems(world):
    answer = post(
        client_for(world, "acme_l1"), f"{API}/problems", {"title": "T", "public_summary": "S"}
    )
    assert answer.status_code == 403


def test_links_and_merge_through_the_api(world):
    # given two Acme tickets
    a, b = new_ticket(world), ticket_at(world, "in_progress@L1")
    l1 = client_for(world, "acme_l1")
    # when L1 links b as a duplicate of a, then merges it
    link = post(l1, f"{API}/tickets/{b.pk}/links", {"other_id": a.pk, "kind": "duplicates"})
    assert link.status_code == 201 and link.json()[0]["kind"] == "duplicates"
    merged = post(l1, f"{API}/tickets/{b.pk}/merge", {"into_id": a.pk})
    # then the pair is merged, readable from the original too
    assert merged.status_code == 200, merged.content
    assert [(x["kind"], x["direction"]) for x in merged.json()] == [("merged_into", "outgoing")]
    assert l1.get(f"{API}/tickets/{a.pk}/links").json()[0]["direction"] == "incoming"
    # and merging across partners is refused
    g = new_ticket(world, "globex")
    across = post(client_for(world, "l2"), f"{API}/tickets/{g.pk}/merge", {"into_id": a.pk})
    assert across.status_code == 409
    # and an unknown link kind names the field
    bad = post(l1, f"{API}/tickets/{a.pk}/links", {"other_id": b.pk, "kind": "blocks"})
    assert bad.status_code == 422 and "kind" in bad.json()["fields"]


def test_link_a_tracker_issue_through_the_api(world):
    from tierdesk.problems.models import Tracker

    problem, _ = three_tickets_two_partners(world)
    tracker = Tracker.objects.create(
        name="Jira", kind="jira", base_url="https://jira.example", project="ENG"
    )
    l3 = client_for(world, "l3")
    assert [t["name"] for t in l3.get(f"{API}/trackers").json()] == ["Jira"]
    assert client_for(world, "acme_l1").get(f"{API}/trackers").status_code == 403
    answer = post(
        l3, f"{API}/problems/{problem.pk}/tracker", {"tracker_id": tracker.pk, "key": "ENG-4"}
    )
    assert answer.status_code == 200
    assert answer.json()["tracker"]["key"] == "ENG-4"
    assert answer.json()["tracker"]["url"] == "https://jira.example/browse/ENG-4"
    # partners never read the tracker
    assert (
        client_for(world, "acme_l1").get(f"{API}/problems/{problem.pk}").json()["tracker"] is None
    )
    bad = post(l3, f"{API}/problems/{problem.pk}/tracker", {"tracker_id": 999})
    assert bad.status_code == 422 and "tracker_id" in bad.json()["fields"]
