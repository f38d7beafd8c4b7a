"""The ticket endpoints' contract: typed per-action bodies, `ETag` / `If-Match`, and the
read model (resolution, handovers, reproductions, fixes) under the console's access rules."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import record_reproduction, ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.tickets import services
from tierdesk.tickets.models import Message, Ticket

API = "/api/v1"


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, body=None, **headers):
    data = json.dumps(body) if body is not None else ""
    return client.post(API + path, data, content_type="application/json", **headers)


def patch(client: Client, path: str, body, **headers):
    return client.patch(API + path, json.dumps(body), content_type="application/json", **headers)


# --- ETag and If-Match ------------------------------------------------------------------


def test_a_ticket_read_carries_its_version_as_etag(world):
    ticket = ticket_at(world, "in_progress@L1")
    answer = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}")
    assert answer["ETag"] == f'"{ticket.version}"'


def test_if_match_with_the_current_etag_writes_and_answers_the_new_etag(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    etag = acme.get(f"{API}/tickets/{ticket.pk}")["ETag"]
    answer = patch(acme, f"/tickets/{ticket.pk}", {"title": "Renamed"}, HTTP_IF_MATCH=etag)
    assert answer.status_code == 200 and answer.json()["title"] == "Renamed"
    assert answer["ETag"] == f'"{ticket.version + 1}"'


def test_a_stale_if_match_is_412_and_writes_nothing(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    stale = f'"{ticket.version - 1}"'
    # on a PATCH
    answer = patch(acme, f"/tickets/{ticket.pk}", {"title": "Lost"}, HTTP_IF_MATCH=stale)
    assert answer.status_code == 412 and answer.json()["code"] == "precondition_failed"
    # and on an action
    asked = post(
        acme, f"/tickets/{ticket.pk}/actions/ask_customer", {"message": "Hm?"}, HTTP_IF_MATCH=stale
    )
    assert asked.status_code == 412
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (
        fresh.title != "Lost" and fresh.status == "in_progress" and fresh.version == ticket.version
    )


def test_if_match_and_a_body_version_that_disagree_are_412(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    answer = patch(
        acme,
        f"/tickets/{ticket.pk}",
        {"title": "X", "version": ticket.version - 1},
        HTTP_IF_MATCH=f'"{ticket.version}"',
    )
    assert answer.status_code == 412


def test_a_patch_needs_a_version_or_if_match_and_a_stale_version_stays_409(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    missing = patch(acme, f"/tickets/{ticket.pk}", {"title": "X"})
    assert missing.status_code == 422 and "version" in missing.json()["fields"]
    stale = patch(acme, f"/tickets/{ticket.pk}", {"title": "X", "version": ticket.version - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    garbage = patch(acme, f"/tickets/{ticket.pk}", {"title": "X"}, HTTP_IF_MATCH="v7")
    assert garbage.status_code == 422 and "If-Match" in garbage.json()["fields"]


# --- one operation per action -------------------------------------------------------------


def test_an_action_without_a_body_still_works(world):
    # clients of the first v1 post `take` with no body and no content type at all
    ticket = ticket_at(world, "new@L1")
    answer = client_for(world, "acme_l1").generic("POST", f"{API}/tickets/{ticket.pk}/actions/take")
    assert answer.status_code == 200 and answer.json()["status"] == "in_progress"


def test_an_action_refuses_another_actions_fields_and_a_wrong_enum(world):
    l2 = client_for(world, "l2")
    ticket = ticket_at(world, "in_progress@L2")
    extra = post(
        l2,
        f"/tickets/{ticket.pk}/actions/resolve",
        {"resolution": "Done", "cause": "usage", "passed": True},
    )
    assert extra.status_code == 422 and extra.json()["fields"] == {
        "passed": "is not a field of this resource"
    }
    wrong = post(l2, f"/tickets/{ticket.pk}/actions/resolve", {"resolution": "Done", "cause": "x"})
    assert wrong.status_code == 422 and "cause" in wrong.json()["fields"]
    required = post(l2, f"/tickets/{ticket.pk}/actions/resolve", {"resolution": "Done"})
    assert required.status_code == 422 and "cause" in required.json()["fields"]
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_a_bounce_names_handover_items_from_their_enum(world):
    l2 = client_for(world, "l2")
    ticket = ticket_at(world, "new@L2")
    unknown = post(l2, f"/tickets/{ticket.pk}/actions/bounce", {"items": ["vibes"], "note": "x"})
    assert unknown.status_code == 422 and "items.0" in unknown.json()["fields"]
    bounced = post(
        l2, f"/tickets/{ticket.pk}/actions/bounce", {"items": ["logs"], "note": "Attach the log."}
    )
    assert bounced.status_code == 200 and bounced.json()["level"] == 1


def test_a_gate_refusal_lists_typed_missing_items(world):
    l2 = client_for(world, "l2")
    ticket = ticket_at(world, "in_progress@L2")
    answer = post(
        l2, f"/tickets/{ticket.pk}/actions/resolve", {"resolution": " ", "cause": "usage"}
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "resolve_refused" and [m["code"] for m in body["missing"]] == [
        "resolution"
    ]
    assert "fields" not in body


def test_the_deprecated_generic_route_still_answers_for_unknown_names(world):
    answer = post(
        client_for(world, "l2"), f"/tickets/{ticket_at(world, 'new@L2').pk}/actions/dance", {}
    )
    assert answer.status_code == 422 and "action" in answer.json()["fields"]


# --- the read model -------------------------------------------------------------------------


@pytest.fixture
def resolved_after_a_fix(world):
    """A ticket bounced once, handed over again, reproduced, escalated, fixed, verified."""
    ticket = ticket_at(world, "verifying@L2")
    services.ticket_verify_fix(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        passed=True,
        notes="Internal: checked order 4711 on staging.",
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_staff_read_the_resolution_history_fixes_and_reproductions(world, resolved_after_a_fix):
    ticket = resolved_after_a_fix
    l2 = client_for(world, "l2")
    detail = l2.get(f"{API}/tickets/{ticket.pk}").json()
    assert detail["resolution"]["cause"] == "platform_defect" and detail["resolution"]["level"] == 2
    handovers = l2.get(f"{API}/tickets/{ticket.pk}/handovers").json()
    assert handovers and handovers[0]["attempt"] == 1 and handovers[0]["checklist"]
    assert handovers[-1]["outcome"] == "accepted"
    reproductions = l2.get(f"{API}/tickets/{ticket.pk}/reproductions").json()
    assert reproductions and reproductions[-1]["reproduced"] is True
    fixes = l2.get(f"{API}/tickets/{ticket.pk}/fixes").json()
    assert fixes[-1]["verification"] == "passed"
    assert fixes[-1]["verification_notes"].startswith("Internal")


def test_a_bounce_shows_in_the_handover_history(world):
    ticket = ticket_at(world, "new@L2")
    services.ticket_bounce(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        items=["logs", "steps"],
        note="Need the execution log.",
    )
    handovers = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}/handovers").json()
    assert handovers[-1]["outcome"] == "bounced"
    assert handovers[-1]["bounced_items"] == ["logs", "steps"]
    assert handovers[-1]["bounce_note"] == "Need the execution log."


def test_a_customer_sees_none_of_the_internal_record(world, resolved_after_a_fix):
    ticket = resolved_after_a_fix
    customer = client_for(world, "acme_customer")
    detail = customer.get(f"{API}/tickets/{ticket.pk}")
    assert detail.status_code == 200 and detail.json()["resolution"] is None
    for part in ("handovers", "reproductions", "fixes", "events"):
        answer = customer.get(f"{API}/tickets/{ticket.pk}/{part}")
        assert answer.status_code == 200 and answer.json() == [], part
    assert "Internal: checked" not in json.dumps(detail.json())


def test_another_partners_staff_get_404_for_the_history(world, resolved_after_a_fix):
    globex = client_for(world, "globex_l1")
    for part in ("handovers", "reproductions", "fixes"):
        assert globex.get(f"{API}/tickets/{resolved_after_a_fix.pk}/{part}").status_code == 404


def test_the_reproduction_answer_says_what_escalation_still_misses(world):
    ticket = ticket_at(world, "in_progress@L2")
    answer = post(
        client_for(world, "l2"),
        f"/tickets/{ticket.pk}/reproduction",
        {"reproduced": True, "steps": "Ran it."},
    )
    codes = [m["code"] for m in answer.json()["escalation_missing"]]
    assert answer.status_code == 201 and "reproduction.environment" in codes
    assert answer.json()["recorded_by"] == world.user("l2").email
    record_reproduction(world, ticket.pk)
    listed = client_for(world, "l2").get(f"{API}/tickets/{ticket.pk}/reproductions").json()
    assert len(listed) == 2 and listed[-1]["escalation_missing"] == []


def test_messages_are_still_written_once(world):
    ticket = ticket_at(world, "in_progress@L2")
    post(client_for(world, "l2"), f"/tickets/{ticket.pk}/messages", {"body": "On it."})
    assert Message.objects.filter(ticket=ticket, body="On it.").count() == 1


def test_a_customer_message_reaches_a_service_that_takes_one(monkeypatch):
    from tierdesk.tickets import api_actions

    # given a resolve service that (already) takes a customer message
    def resolve(*, actor, ticket_id, resolution, cause, customer_message="", version=None):
        raise AssertionError("not called here")

    monkeypatch.setitem(services.ACTION_SERVICES, "resolve", (resolve, ("resolution", "cause")))
    body = {"resolution": "Renewed", "cause": "credentials", "customer_message": "Fixed."}
    # then the body's customer message is passed on, and a null one is not
    assert api_actions._service_arguments("resolve", body)["customer_message"] == "Fixed."
    assert "customer_message" not in api_actions._service_arguments(
        "resolve", {**body, "customer_message": None}
    )
    # and a service without the parameter never receives it
    monkeypatch.setitem(services.ACTION_SERVICES, "resolve", (services.ticket_close, ()))
    assert "customer_message" not in api_actions._service_arguments("resolve", body)
