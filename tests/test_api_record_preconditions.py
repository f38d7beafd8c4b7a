"""Optimistic concurrency on the records that are not tickets: a webhook, an automation
rule, a person and a saved view carry an `ETag` (a digest of what the reader gets) and
honour `If-Match` on their update (412 when stale, nothing written); the problem actions
take the problem's `version` (409 when stale). The document declares all of it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ticket_at
from tests.problems_support import escalated, three_tickets_two_partners
from tierdesk.accounts.services import token_create
from tierdesk.automation import services as automation
from tierdesk.notify import services as notify
from tierdesk.problems import services as problems
from tierdesk.problems.models import ProblemEventKind
from tierdesk.savedviews import services as savedviews
from tierdesk.tickets.models import Status, Ticket

API = "/api/v1"
pytestmark = pytest.mark.django_db


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def patch(client: Client, path: str, body: dict, **headers):
    return client.patch(API + path, json.dumps(body), content_type="application/json", **headers)


def _webhook(world) -> tuple[str, str, dict, dict, str]:
    hook, _ = notify.webhook_create(
        actor=world.actor("acme_admin"), url="https://93.184.215.14/hooks/tierdesk"
    )
    return "acme_admin", f"/webhooks/{hook.pk}", {"description": "ERP"}, {"active": False}, "active"


def _rule(world):
    rule = automation.rule_create(
        actor=world.actor("admin"),
        data={
            "name": "Incidents are urgent",
            "conditions": [{"field": "incident", "op": "eq", "value": True}],
            "steps": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    return (
        "admin",
        f"/automation/rules/{rule.pk}",
        {"name": "Renamed"},
        {"enabled": False},
        "enabled",
    )


def _person(world):
    person = world.user("acme_customer")
    return "acme_admin", f"/people/{person.pk}", {"full_name": "Ada"}, {"full_name": "Bo"}, "name"


def _view(world):
    view = savedviews.view_create(
        actor=world.actor("l2"), name="Mine", queue="all", filters={}, shared=False
    )
    return "l2", f"/saved-views/{view.pk}", {"name": "Blockers"}, {"shared": True}, "shared"


RECORDS = {"webhook": _webhook, "rule": _rule, "person": _person, "saved_view": _view}


@pytest.mark.parametrize("record", RECORDS)
def test_a_stale_if_match_is_412_and_writes_nothing(world, settings, record):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    who, path, first, second, field = RECORDS[record](world)
    client = client_for(world, who)
    # given two integrations that read the record and its ETag
    read = client.get(API + path)
    assert read.status_code == 200
    tag = read["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    # when the first changes it with that ETag
    changed = patch(client, path, first, HTTP_IF_MATCH=tag)
    # then it succeeds and answers the new ETag, the one a fresh read gives
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] != tag and changed["ETag"] == client.get(API + path)["ETag"]
    # when the second writes with the ETag it read before that change
    stale = patch(client, path, second, HTTP_IF_MATCH=tag)
    # then it is refused and nothing of it is written
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert client.get(API + path).json() == changed.json()
    # and with the current ETag (among others, or as a weak tag) it goes through
    current = changed["ETag"]
    again = patch(client, path, second, HTTP_IF_MATCH=f'"x", W/{current}')
    assert again.status_code == 200
    assert again.json()[field] != changed.json()[field]
    # a malformed If-Match names the header; `*` or no If-Match asks for no check
    bad = patch(client, path, first, HTTP_IF_MATCH="not-a-tag")
    assert bad.status_code == 422 and "If-Match" in bad.json()["fields"]
    assert patch(client, path, first, HTTP_IF_MATCH="*").status_code == 200
    assert patch(client, path, second).status_code == 200


def test_a_saved_views_etag_ignores_its_count(world):
    view = savedviews.view_create(
        actor=world.actor("l2"), name="Intake", queue="all", filters={}, shared=False
    )
    client = client_for(world, "l2")
    before = client.get(f"{API}/saved-views/{view.pk}")
    # when a ticket arrives in the view, changing its count but not the view
    ticket_at(world, "new@L2")
    after = client.get(f"{API}/saved-views/{view.pk}")
    # then the count moved and the ETag did not: a write with it still goes through
    assert after.json()["count"] == before.json()["count"] + 1
    assert after["ETag"] == before["ETag"]
    answer = patch(client, f"/saved-views/{view.pk}", {"name": "L2"}, HTTP_IF_MATCH=before["ETag"])
    assert answer.status_code == 200
    # and another person's view stays 404, like a missing one
    assert client_for(world, "acme_l1").get(f"{API}/saved-views/{view.pk}").status_code == 404


def _post(client: Client, path: str, body: dict):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def test_verify_fix_with_a_stale_problem_version_is_409_and_moves_no_ticket(world):
    # given a delivered fix on three tickets, read at its version
    problem, ids = three_tickets_two_partners(world)
    problems.problem_deliver_fix(actor=world.actor("l3"), problem_id=problem.pk, reference="HF-7")
    problem.refresh_from_db()
    read = problem.version
    problems.problem_update(
        actor=world.actor("l3"), problem_id=problem.pk, fields={"workaround": "Reconnect."}
    )
    l2 = client_for(world, "l2")
    path = f"/problems/{problem.pk}/actions/verify_fix"
    # when L2 verifies with the version read before that change
    stale = _post(l2, path, {"passed": True, "version": read})
    # then it is refused and every ticket still waits for verification
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        Status.VERIFYING
    }
    # and with the current version it goes through
    current = l2.get(f"{API}/problems/{problem.pk}").json()["version"]
    assert _post(l2, path, {"passed": True, "version": current}).status_code == 200


def test_apply_workaround_with_a_stale_problem_version_is_409_and_resolves_nothing(world):
    # given an open problem with a public workaround and a linked ticket at L2
    _, problem = escalated(world, "globex")
    problem = problems.problem_update(
        actor=world.actor("l3"),
        problem_id=problem.pk,
        fields={"workaround": "Reconnect daily.", "workaround_public": True},
    )
    waiting = ticket_at(world, "in_progress@L2")
    problems.problem_link_ticket(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )
    l2 = client_for(world, "l2")
    path = f"/problems/{problem.pk}/actions/apply_workaround"
    # when L2 applies it with a version older than the problem's
    stale = _post(l2, path, {"ticket_id": waiting.pk, "version": problem.version - 1})
    # then it is refused: the ticket is not resolved, no workaround event is recorded
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_PROGRESS
    assert not problem.events.filter(kind=ProblemEventKind.WORKAROUND_APPLIED).exists()
    body = {"ticket_id": waiting.pk, "version": problem.version}
    assert _post(l2, path, body).status_code == 200


def test_the_document_declares_etag_if_match_and_412_on_these_records():
    document = Client().get(f"{API}/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/webhooks/{webhook_id}",
        "/api/v1/automation/rules/{rule_id}",
        "/api/v1/people/{user_id}",
        "/api/v1/saved-views/{view_id}",
    ):
        read, write = paths[path]["get"], paths[path]["patch"]
        assert "ETag" in read["responses"]["200"]["headers"], path
        assert "ETag" in write["responses"]["200"]["headers"], path
        assert "If-Match" in {p["name"] for p in write["parameters"]}, path
        assert write["responses"]["412"]["content"], path
    schemas = document["components"]["schemas"]
    for body in ("ProblemVerifyFixIn", "ProblemWorkaroundIn"):
        assert "version" in schemas[body]["properties"], body
