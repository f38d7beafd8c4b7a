"""The partners' REST API through the real URL stack: shapes, status codes, and that a
refusal writes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import PLAIN_LOG, complete_fields, ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.tickets import workflow
from tierdesk.tickets.models import Attachment, Ticket, TicketEvent
from tierdesk.tickets.schemas import Action
from tierdesk.tickets.services import ACTION_SERVICES

API = "/api/v1"


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, body) -> object:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def api_body(**overrides) -> dict:
    fields = complete_fields(**overrides)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    body["customer"] = "acme_customer@example.test"
    return body


@pytest.fixture
def acme(world):
    return client_for(world, "acme_l1")


def test_me_names_the_role_and_organisation(world, acme):
    # when the L1 agent's token asks who it is
    answer = acme.get(f"{API}/me").json()
    # then it acts as that person, at level 1, for Acme
    assert answer["role"] == "l1_agent" and answer["level"] == 1
    assert answer["organisation"]["name"] == "Acme"


def test_no_or_bad_token_is_401(world):
    assert Client().get(f"{API}/me").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer td_nope_nope").get(f"{API}/tickets")
    assert bad.status_code == 401 and bad.json()["code"] == "unauthenticated"


def test_create_at_l1_then_hand_over(world, acme):
    # when a partner's tool opens a ticket
    created = post(acme, "/tickets", api_body())
    assert created.status_code == 201
    body = created.json()
    assert (body["level"], body["status"], body["partner"]) == (1, "new", "Acme")
    assert body["customer"] == "acme_customer@example.test"
    assert body["handover_check"]["complete"] is True
    tid = body["id"]
    # then it can take and hand it over through the action routes
    assert post(acme, f"/tickets/{tid}/actions/take", {}).json()["status"] == "in_progress"
    handed = post(acme, f"/tickets/{tid}/actions/hand_over", {})
    assert handed.status_code == 200 and (handed.json()["level"], handed.json()["status"]) == (
        2,
        "new",
    )


def test_create_handed_over_refused_lists_missing_and_writes_nothing(world, acme):
    # given a handover without logs and without a deadline
    body = api_body(pasted_log="", needed_by=None, hand_over=True)
    body["needed_by"] = None
    # when the partner creates it straight at L2
    answer = post(acme, "/tickets", body)
    # then 422 names exactly those items and no ticket exists
    assert answer.status_code == 422
    assert {m["code"] for m in answer.json()["missing"]} == {"logs", "deadline"}
    assert Ticket.objects.count() == 0


def test_create_handed_over_complete_lands_at_l2(world, acme):
    answer = post(acme, "/tickets", {**api_body(), "hand_over": True})
    assert answer.status_code == 201
    assert (answer.json()["level"], answer.json()["status"]) == (2, "new")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        ({"contract_id": "abc"}, "contract_id"),
        ({"needed_by": "2020-01-01T10:00:00+00:00"}, "needed_by"),
        ({"description": ""}, "description"),
        ({"colour": "red"}, "colour"),
        ({"platform_url": "https://app.example.io/w/123"}, "platform_url"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(world, acme, change, field):
    answer = post(acme, "/tickets", {**api_body(), **change})
    assert answer.status_code == 422
    assert field in answer.json()["fields"]
    assert Ticket.objects.count() == 0


def test_malformed_json_is_400_and_wrong_content_type_415(world, acme):
    bad = acme.post(f"{API}/tickets", "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "malformed"
    wrong = acme.post(f"{API}/tickets", "title=x", content_type="application/x-www-form-urlencoded")
    assert wrong.status_code == 415
    assert Ticket.objects.count() == 0


def test_oversize_body_is_413(world, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    answer = post(acme, "/tickets", {**api_body(), "description": "x" * 5000})
    assert answer.status_code == 413
    assert Ticket.objects.count() == 0


def test_missing_and_not_yours_answer_alike(world):
    # given a Globex ticket
    ticket = ticket_at(world, "new@L1", partner="globex")
    acme = client_for(world, "acme_l1")
    # when Acme asks for it and for an id that does not exist
    theirs = acme.get(f"{API}/tickets/{ticket.pk}")
    missing = acme.get(f"{API}/tickets/{ticket.pk + 1000}")
    # then both are the same 404
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    acting = post(acme, f"/tickets/{ticket.pk}/actions/take", {})
    assert acting.status_code == 404 and acting.json() == missing.json()


def test_role_that_may_not_gets_403_wrong_state_409(world):
    ticket = ticket_at(world, "in_progress@L2")
    customer = client_for(world, "acme_customer")
    refused = post(customer, f"/tickets/{ticket.pk}/actions/escalate", {})
    assert refused.status_code == 403
    l2 = client_for(world, "l2")
    wrong = post(l2, f"/tickets/{ticket.pk}/actions/take", {})
    assert wrong.status_code == 409 and wrong.json()["code"] == "wrong_state"


def test_patch_with_stale_version_is_409_and_overwrites_nothing(world, acme):
    ticket = ticket_at(world, "in_progress@L1")
    ok = acme.patch(
        f"{API}/tickets/{ticket.pk}",
        json.dumps({"title": "Orders stuck", "version": ticket.version}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["version"] == ticket.version + 1
    stale = acme.patch(
        f"{API}/tickets/{ticket.pk}",
        json.dumps({"title": "Something else", "version": ticket.version}),
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ticket.refresh_from_db()
    assert ticket.title == "Orders stuck"


def test_every_workflow_action_on_a_ticket_has_a_route():
    # the action path parameter enumerates exactly the table's actions on tickets
    table = {t.action for t in workflow.TRANSITIONS if t.sources}
    assert {a.value for a in Action} == table == set(ACTION_SERVICES)


def test_action_parameters_of_another_action_are_refused(world):
    ticket = ticket_at(world, "in_progress@L2")
    l2 = client_for(world, "l2")
    answer = post(l2, f"/tickets/{ticket.pk}/actions/escalate", {"reference": "HF-1"})
    assert answer.status_code == 422 and "reference" in answer.json()["fields"]
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, "in_progress")


def test_full_process_through_the_api(world):
    l1, l2, l3 = (client_for(world, k) for k in ("acme_l1", "l2", "l3"))
    tid = post(l1, "/tickets", api_body()).json()["id"]
    post(l1, f"/tickets/{tid}/actions/take", {})
    post(l1, f"/tickets/{tid}/actions/hand_over", {})
    bounced = post(l2, f"/tickets/{tid}/actions/bounce", {"items": ["logs"], "note": "Need it."})
    assert (bounced.json()["level"], bounced.json()["status"]) == (1, "in_progress")
    post(l1, f"/tickets/{tid}/actions/hand_over", {})
    post(l2, f"/tickets/{tid}/actions/take", {})
    refused = post(l2, f"/tickets/{tid}/actions/escalate", {})
    assert refused.status_code == 422 and refused.json()["missing"][0]["code"] == "reproduction"
    upload = l2.post(
        f"{API}/tickets/{tid}/attachments",
        {"file": _file("run.log", PLAIN_LOG), "kind": "log"},
    )
    assert upload.status_code == 201, upload.content
    repro = post(
        l2,
        f"/tickets/{tid}/reproduction",
        {
            "reproduced": True,
            "steps": "Run with order 4711",
            "environment": "staging copy, flow v3",
            "observed": "401 after refresh",
            "analysis": "Token rotation",
            "evidence_attachment_ids": [upload.json()["id"]],
        },
    )
    assert repro.status_code == 201 and repro.json()["escalation_missing"] == []
    assert post(l2, f"/tickets/{tid}/actions/escalate", {}).json()["level"] == 3
    post(l3, f"/tickets/{tid}/actions/take", {})
    fixed = post(l3, f"/tickets/{tid}/actions/deliver_fix", {"reference": "HF-2026-117"})
    assert fixed.json()["status"] == "verifying"
    done = post(l2, f"/tickets/{tid}/actions/verify_fix", {"passed": True, "notes": "Works"})
    assert done.json()["status"] == "resolved"
    kinds = [e["kind"] for e in l2.get(f"{API}/tickets/{tid}/events").json()]
    assert kinds[0] == "created" and kinds[-1] == "fix_verified" and "bounced" in kinds


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_customer_sees_public_messages_only_and_no_events(world):
    ticket = ticket_at(world, "in_progress@L1")
    l1 = client_for(world, "acme_l1")
    post(l1, f"/tickets/{ticket.pk}/messages", {"body": "Internal: key rotated", "internal": True})
    post(l1, f"/tickets/{ticket.pk}/messages", {"body": "We are on it."})
    customer = client_for(world, "acme_customer")
    bodies = [m["body"] for m in customer.get(f"{API}/tickets/{ticket.pk}/messages").json()]
    assert bodies == ["We are on it."]
    assert customer.get(f"{API}/tickets/{ticket.pk}/events").json() == []
    # an internal flag from a customer is refused naming the field, and nothing is stored
    refused = post(customer, f"/tickets/{ticket.pk}/messages", {"body": "x", "internal": True})
    assert refused.status_code == 422 and "internal" in refused.json()["fields"]
    assert not ticket.messages.filter(body="x").exists()


def test_attachment_download_is_never_inline(world, acme):
    ticket = ticket_at(world, "in_progress@L1")
    upload = acme.post(
        f"{API}/tickets/{ticket.pk}/attachments",
        {"file": _file("page.html", b"<html><script>alert(1)</script></html>"), "kind": "other"},
    )
    assert upload.status_code == 201
    download = acme.get(upload.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"


def test_an_image_is_not_a_log_and_oversize_upload_is_413(world, acme, settings):
    ticket = ticket_at(world, "in_progress@L1")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    image = acme.post(
        f"{API}/tickets/{ticket.pk}/attachments", {"file": _file("log.txt", png), "kind": "log"}
    )
    assert image.status_code == 422 and "file" in image.json()["fields"]
    settings.TIERDESK_MAX_UPLOAD_BYTES = 10
    big = acme.post(
        f"{API}/tickets/{ticket.pk}/attachments", {"file": _file("a.log", PLAIN_LOG), "kind": "log"}
    )
    assert big.status_code == 413
    assert Attachment.objects.count() == 0


def test_list_filters_and_cursor_pagination(world, acme):
    for _ in range(5):
        post(acme, "/tickets", api_body())
    post(acme, "/tickets", api_body(title="Invoice export empty", is_blocker=False))
    seen, cursor = [], None
    while True:
        page = acme.get(f"{API}/tickets", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        seen += [t["id"] for t in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6
    assert len(acme.get(f"{API}/tickets", {"blocker": "false"}).json()["items"]) == 1
    assert len(acme.get(f"{API}/tickets", {"q": "invoice"}).json()["items"]) == 1
    assert acme.get(f"{API}/tickets", {"limit": 101}).status_code == 422
    assert acme.get(f"{API}/tickets", {"cursor": "!!"}).status_code == 422
    globex = client_for(world, "globex_l1")
    assert globex.get(f"{API}/tickets").json()["items"] == []


def test_list_query_count_does_not_grow(world, acme, django_assert_max_num_queries):
    for _ in range(3):
        post(acme, "/tickets", api_body())
    with django_assert_max_num_queries(6):
        acme.get(f"{API}/tickets", {"limit": 100})
    for _ in range(9):
        post(acme, "/tickets", api_body())
    with django_assert_max_num_queries(6):
        acme.get(f"{API}/tickets", {"limit": 100})


def test_handover_check_lists_what_is_missing(world, acme):
    tid = post(acme, "/tickets", {**api_body(), "pasted_log": ""}).json()["id"]
    check = acme.get(f"{API}/tickets/{tid}/handover-check").json()
    assert check["complete"] is False and [m["code"] for m in check["missing"]] == ["logs"]


def test_directory_endpoints_are_scoped(world, acme):
    contracts = acme.get(f"{API}/contracts").json()
    assert [c["partner"] for c in contracts] == ["Acme"]
    cid = contracts[0]["id"]
    spaces = acme.get(f"{API}/contracts/{cid}/workspaces").json()
    flows = acme.get(f"{API}/workspaces/{spaces[0]['id']}/flows").json()
    assert flows[0]["name"] == "Orders sync"
    globex = client_for(world, "globex_l1")
    assert globex.get(f"{API}/contracts/{cid}/workspaces").status_code == 404


def test_directory_import_by_partner_admin_is_idempotent(world):
    admin = client_for(world, "acme_admin")
    doc = {
        "partner": "Acme",
        "contracts": [{"id": "a" * 24, "name": "Acme staging", "plan": "basic", "workspaces": []}],
    }
    first = post(admin, "/directory/import", doc).json()
    second = post(admin, "/directory/import", doc).json()
    assert first["created"]["contracts"] == 1 and second["created"]["contracts"] == 0
    other = post(admin, "/directory/import", {**doc, "partner": "Globex"})
    assert other.status_code == 404
    assert post(client_for(world, "acme_l1"), "/directory/import", doc).status_code == 403


def test_session_auth_needs_csrf(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("acme_l1"))
    assert browser.get(f"{API}/me").status_code == 200
    refused = browser.post(
        f"{API}/tickets", json.dumps(api_body()), content_type="application/json"
    )
    assert refused.status_code == 403
    assert Ticket.objects.count() == 0


def test_refused_actions_leave_no_event(world):
    ticket = ticket_at(world, "in_progress@L1")
    before = TicketEvent.objects.filter(ticket=ticket).count()
    acme = client_for(world, "acme_l1")
    post(acme, f"/tickets/{ticket.pk}/actions/resolve", {"resolution": ""})
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
