"""The console's problem pages: L3's queue, the problem page with tickets grouped by
partner, the block on the ticket page, the loop's posts, known problems offered."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import new_ticket, ticket_at
from tests.problems_support import three_tickets_two_partners
from tierdesk.problems import services
from tierdesk.problems.selectors import matching_open_problems
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status

SECRET = "token.js:88"


def signed_in(world, who: str) -> Client:
    client = Client()
    client.force_login(world.user(who))
    return client


def test_l3_queue_lists_open_problems_with_their_ticket_counts(world):
    problem, _ = three_tickets_two_partners(world)
    page = signed_in(world, "l3").get("/problems/")
    assert page.status_code == 200
    html = page.content.decode()
    assert problem.reference in html and problem.title in html


def test_the_problem_page_groups_tickets_by_partner_for_staff_only_their_own_for_partners(world):
    problem, ids = three_tickets_two_partners(world)
    # L3 reads everything, the tickets of both partners
    html = signed_in(world, "l3").get(f"/problems/{problem.pk}/").content.decode()
    assert "Acme Integrations" in html and "Globex Cloud" in html and SECRET in html
    # Acme's L1 reads the summary and Acme's tickets, not Globex's, not the analysis
    page = signed_in(world, "acme_l1").get(f"/problems/{problem.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Globex Cloud" not in html and SECRET not in html
    globex = get_ticket(world.actor("admin"), ids[2])
    assert globex.reference not in html


def test_the_ticket_page_shows_the_problem_to_its_customer_without_internals(world):
    problem, ids = three_tickets_two_partners(world)
    acme_ticket = get_ticket(world.actor("admin"), ids[0])
    staff = signed_in(world, "l2").get(f"/tickets/{acme_ticket.number}/").content.decode()
    assert problem.reference in staff and 'id="problem"' in staff
    partner = signed_in(world, "acme_l1").get(f"/tickets/{acme_ticket.number}/").content.decode()
    assert "Salesforce sessions expire mid-run" in partner and SECRET not in partner


def test_deliver_the_fix_from_the_problem_page(world):
    problem, ids = three_tickets_two_partners(world)
    client = signed_in(world, "l3")
    answer = client.post(
        f"/problems/{problem.pk}/act/deliver_fix/", {"reference": "HF-1", "release": ""}
    )
    assert answer.status_code == 303
    assert {get_ticket(world.actor("admin"), t).status for t in ids} == {Status.VERIFYING}


def test_a_refused_action_shows_the_page_with_its_status(world):
    problem, _ = three_tickets_two_partners(world)
    answer = signed_in(world, "l3").post(f"/problems/{problem.pk}/act/close/")
    assert answer.status_code == 409
    answer = signed_in(world, "l3").post(f"/problems/{problem.pk}/act/deliver_fix/", {})
    assert answer.status_code == 422


def test_partners_cannot_post_problem_actions_and_customers_have_no_queue(world):
    problem, _ = three_tickets_two_partners(world)
    answer = signed_in(world, "acme_l1").post(
        f"/problems/{problem.pk}/act/deliver_fix/", {"reference": "HF-1"}
    )
    assert answer.status_code == 403
    # a customer who types a console URL is sent to the portal (the console's door)
    response = signed_in(world, "acme_customer").get("/problems/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    response = signed_in(world, "direct_customer").get(f"/problems/{problem.pk}/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_known_open_problems_are_offered_while_writing(world):
    # given an open problem about Salesforce sessions
    problem, _ = three_tickets_two_partners(world)
    # when an L1 agent writes about INVALID_SESSION_ID in Salesforce
    found = matching_open_problems(
        world.actor("acme_l1"), "Salesforce run stops: sessions expire after an hour"
    )
    # then the problem is offered, with its public parts only
    assert [p["id"] for p in found] == [problem.pk]
    assert found[0]["internal_analysis"] is None
    # and nothing is offered for unrelated text, nor to customers
    assert matching_open_problems(world.actor("acme_l1"), "SAP price format") == []
    assert matching_open_problems(world.actor("acme_customer"), "Salesforce sessions") == []
    page = signed_in(world, "acme_l1").get("/problems/matching/", {"text": "Salesforce sessions"})
    assert problem.title in page.content.decode()
    # the L1 form asks with its own fields as the agent types
    form = signed_in(world, "acme_l1").get("/tickets/new/").content.decode()
    assert 'id="known-problems"' in form
    page = signed_in(world, "acme_l1").get(
        "/problems/matching/", {"title": "Sync stops", "description": "Salesforce sessions expire"}
    )
    assert problem.title in page.content.decode()


def test_an_unlinked_ticket_page_offers_matching_problems_to_l2_with_a_link_button(world):
    problem, _ = three_tickets_two_partners(world)
    ticket = ticket_at(world, "in_progress@L2", "globex")
    html = signed_in(world, "l2").get(f"/tickets/{ticket.number}/").content.decode()
    assert "Link to this problem" in html
    answer = signed_in(world, "l2").post(
        f"/problems/{problem.pk}/act/link/", {"number": ticket.number}
    )
    assert answer.status_code == 303
    assert problem.links.filter(ticket=ticket).exists()


@pytest.mark.parametrize("who", ["acme_l1", "l2"])
def test_link_and_merge_from_the_ticket_page(world, who):
    original = new_ticket(world)
    duplicate = ticket_at(world, "in_progress@L1")
    client = signed_in(world, who)
    client.post(
        f"/tickets/{duplicate.number}/links/", {"other": original.number, "kind": "relates"}
    )
    assert services.ticket_link_create  # the same service the API calls
    if who == "acme_l1":
        answer = client.post(f"/tickets/{duplicate.number}/merge/", {"into": original.number})
        assert answer.status_code == 303
        assert get_ticket(world.actor("admin"), duplicate.pk).status == Status.RESOLVED


def test_link_a_tracker_issue_from_the_problem_page(world):
    from tierdesk.problems.models import Tracker

    problem, _ = three_tickets_two_partners(world)
    tracker = Tracker.objects.create(
        name="Jira", kind="jira", base_url="https://jira.example", project="ENG"
    )
    client = signed_in(world, "l3")
    assert (
        "Link or create the tracker issue"
        in client.get(f"/problems/{problem.pk}/").content.decode()
    )
    answer = client.post(
        f"/problems/{problem.pk}/act/tracker/", {"tracker": tracker.pk, "key": "ENG-8"}
    )
    assert answer.status_code == 303
    problem.refresh_from_db()
    assert (problem.tracker_id, problem.tracker_key) == (tracker.pk, "ENG-8")
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "ENG-8" in page


def test_the_portal_shows_the_customer_the_public_parts_of_their_problem(world):
    # given a problem on a Globex customer's ticket, with a public workaround
    problem, ids = three_tickets_two_partners(world)
    services.problem_update(
        actor=world.actor("l3"),
        problem_id=problem.pk,
        fields={"workaround": "Reconnect daily.", "workaround_public": True},
    )
    ticket = get_ticket(world.actor("admin"), ids[2])
    # when the customer opens it in the portal
    page = signed_in(world, "globex_customer").get(f"/portal/tickets/{ticket.number}/")
    # then they read the summary and workaround, never the analysis or other tickets
    html = page.content.decode()
    assert page.status_code == 200
    assert "Salesforce sessions expire mid-run" in html and "Reconnect daily." in html
    assert SECRET not in html and "Acme" not in html and "Investigating" in html


def test_l2_escalates_onto_a_problem_from_the_ticket_page(world):
    from tests.factories import record_reproduction
    from tierdesk.problems.models import ProblemTicket

    # given a reproduced ticket in progress at L2, and an open problem
    problem, _ = three_tickets_two_partners(world)
    ticket = ticket_at(world, "in_progress@L2", "globex")
    client = signed_in(world, "l2")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Escalate onto a problem (L3)" in page and problem.reference in page
    # when L2 escalates it without a reproduction record: refused, nothing written
    answer = client.post(f"/tickets/{ticket.number}/escalate-to-problem/", {"problem": problem.pk})
    assert answer.status_code == 303
    assert not ProblemTicket.objects.filter(ticket=ticket).exists()
    # when it is reproduced and escalated onto the problem
    record_reproduction(world, ticket.pk)
    client.post(f"/tickets/{ticket.number}/escalate-to-problem/", {"problem": problem.pk})
    # then it waits at L3, linked to the problem
    assert _ticket_state(world, ticket.pk) == (3, Status.NEW)
    assert ProblemTicket.objects.get(ticket=ticket).problem_id == problem.pk


def _ticket_state(world, ticket_id):
    ticket = get_ticket(world.actor("admin"), ticket_id)
    return (ticket.level, ticket.status)
