"""A triage finding's shape: evidence from a ticket's attached log, and the known problem
it looks like (typed in the document; its public parts for staff, nothing for customers)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import new_ticket
from tests.test_api import API, client_for
from tierdesk.kb import seed as kb_seed
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import AttachmentKind
from tierdesk.triage import seed as triage_seed

QUIET = {"actual_behaviour": "Nothing arrives.", "pasted_log": "", "title": "Orders missing"}
SYNC_LOG = (
    b"2026-12-07T09:14:01Z INFO salesforce: sync started for 40 records\n"
    b"2026-12-07T09:14:02Z INFO salesforce: refreshing the access token\n"
    b"2026-12-07T09:14:03Z ERROR salesforce: token refresh failed: invalid_grant "
    b"- expired access/refresh token\n"
    b"2026-12-07T09:14:03Z INFO salesforce: sync stopped\n"
)


@pytest.fixture(autouse=True)
def _seeded(db):
    kb_seed.load()
    triage_seed.load()


def _triage(world, key: str, ticket_id: int) -> list[dict]:
    answer = client_for(world, key).get(f"{API}/tickets/{ticket_id}")
    assert answer.status_code == 200
    return answer.json()["triage"]


def test_a_finding_from_an_attached_log_names_the_cause_and_the_attachment_line(world):
    # given a quiet report whose customer attaches the integration's log
    ticket = new_ticket(world, **QUIET)
    assert _triage(world, "acme_l1", ticket.pk) == []
    ticket_services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=SYNC_LOG,
        filename="salesforce-sync.log",
        kind=AttachmentKind.LOG,
    )
    # when the agent and the customer read the ticket's triage
    for key in ("acme_l1", "acme_customer"):
        (finding,) = _triage(world, key, ticket.pk)
        # then the expired token is found, quoting the attachment's line 3
        assert finding["cause"] == "token_expired"
        assert finding["evidence"]["source"] == "attachment:salesforce-sync.log"
        assert finding["evidence"]["line"] == 3
        assert "invalid_grant" in finding["evidence"]["text"]
        assert finding["article"] is not None


def test_an_internal_attachment_is_no_evidence_in_the_customers_triage(world):
    # given the agent attaches the same log internally
    ticket = new_ticket(world, **QUIET)
    ticket_services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=SYNC_LOG,
        filename="erp-internal.log",
        kind=AttachmentKind.LOG,
    )
    # then the agent's triage quotes it and the customer's knows nothing of it
    (finding,) = _triage(world, "acme_l1", ticket.pk)
    assert finding["evidence"]["source"] == "attachment:erp-internal.log"
    assert _triage(world, "acme_customer", ticket.pk) == []


def _known_problem(world):
    from tierdesk.problems.services import problem_create

    return problem_create(
        actor=world.actor("l2"),
        fields={
            "title": "Salesforce invalid_grant: refresh token expired after rotation",
            "public_summary": "Salesforce connections lose their token; a fix is in work.",
            "internal_analysis": "INTERNAL the rotated refresh token is never persisted",
        },
    )


def test_a_findings_problem_is_its_public_parts_for_staff_and_null_for_customers(world):
    # given an open problem about the token and a customer's log showing it
    problem = _known_problem(world)
    ticket = new_ticket(world, **QUIET)
    ticket_services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=SYNC_LOG,
        filename="salesforce-sync.log",
        kind=AttachmentKind.LOG,
    )
    # when the partner's agent and the vendor's L2 read the ticket
    for key in ("acme_l1", "l2"):
        (finding,) = _triage(world, key, ticket.pk)
        # then the finding names the problem by its public parts, and nothing internal
        assert finding["problem"] == {
            "id": problem.pk,
            "reference": problem.reference,
            "title": problem.title,
            "status": "investigating",
            "public_summary": problem.public_summary,
        }
        assert "INTERNAL" not in json.dumps(finding)
    # and the customer's finding (on the ticket, and diagnosing a text) names none
    (mine,) = _triage(world, "acme_customer", ticket.pk)
    assert mine["cause"] == "token_expired" and mine["problem"] is None
    answer = client_for(world, "acme_customer").post(
        f"{API}/triage/diagnose",
        json.dumps({"log": SYNC_LOG.decode()}),
        content_type="application/json",
    )
    assert [c["problem"] for c in answer.json()["causes"]] == [None]
    assert "INTERNAL" not in answer.content.decode()


@pytest.mark.django_db
def test_the_documents_finding_problem_is_a_typed_public_reference():
    document = Client().get(f"{API}/openapi.json").json()
    schemas = document["components"]["schemas"]
    problem = schemas["FindingOut"]["properties"]["problem"]
    # the link is a named schema or null, described as what it is (no longer "reserved")
    refs = [option.get("$ref") for option in problem["anyOf"]]
    assert refs == ["#/components/schemas/ProblemRefOut", None]
    assert "reserved" not in problem["description"]
    assert "customers" in problem["description"]
    ref = schemas["ProblemRefOut"]
    assert set(ref["required"]) == set(ref["properties"])
    assert set(ref["properties"]) == {"id", "reference", "title", "status", "public_summary"}
    # its status is the problems' one enum; nothing internal can be carried
    assert ref["properties"]["status"] == {"$ref": "#/components/schemas/ProblemStatus"}
    assert "investigating" in schemas["ProblemStatus"]["enum"]
