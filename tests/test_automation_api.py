"""The rules API through the real URL stack: who may edit which rule (a matrix of roles ×
rules × operations), the built-in rules' fixed parts, clear 422s, and the dry run."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.automation import services
from tierdesk.automation.models import Builtin, Rule

API = "/api/v1"
pytestmark = pytest.mark.django_db

RULE = {
    "name": "Incidents are urgent",
    "conditions": [{"field": "incident", "op": "eq", "value": True}],
    "steps": [{"type": "set_priority", "priority": "urgent"}],
}


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client: Client, method: str, path: str, body=None):
    call = getattr(client, method)
    if body is None:
        return call(API + path)
    return call(API + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def rules(world):
    """The vendor's built-in close rule, a vendor rule and one rule of each partner."""
    admin = world.actor("admin")
    return {
        "builtin": Rule.objects.get(builtin=Builtin.CLOSE_RESOLVED),
        "vendor": services.rule_create(actor=admin, data={**RULE, "name": "Vendor's"}),
        "acme": services.rule_create(
            actor=admin, data={**RULE, "name": "Acme's", "partner_id": world.acme.pk}
        ),
        "globex": services.rule_create(
            actor=admin, data={**RULE, "name": "Globex's", "partner_id": world.globex.pk}
        ),
    }


# who may read (and edit) which rule: the vendor's admin all; a partner admin their own
# partner's only; everyone else none (403 on the list, 403 on a rule as well)
SEES = {
    "admin": {"builtin", "vendor", "acme", "globex"},
    "acme_admin": {"acme"},
    "globex_admin": {"globex"},
}
NOBODY = ["acme_l1", "l2", "lead", "l3", "acme_customer"]


@pytest.mark.parametrize("who", [*SEES, *NOBODY])
def test_the_matrix_of_roles_rules_and_operations(world, rules, who):
    client = client_for(world, who)
    listed = send(client, "get", "/automation/rules")
    if who in NOBODY:
        assert listed.status_code == 403
        for rule in rules.values():
            for method, body in (("get", None), ("patch", {"enabled": False}), ("delete", None)):
                assert send(client, method, f"/automation/rules/{rule.pk}", body).status_code == 403
            assert send(client, "post", f"/automation/rules/{rule.pk}/dry-run").status_code == 403
        assert send(client, "post", "/automation/rules", RULE).status_code == 403
        assert Rule.objects.filter(enabled=False).count() == 0
        return
    assert listed.status_code == 200
    listed_ids = {r["id"] for r in listed.json()}
    expected = {rules[k].pk for k in SEES[who]}
    assert listed_ids & {r.pk for r in rules.values()} == expected
    if who != "admin":  # a partner admin lists their own partner's rules and nothing else
        assert listed_ids == expected
    for key, rule in rules.items():
        path = f"/automation/rules/{rule.pk}"
        if key in SEES[who]:
            assert send(client, "get", path).status_code == 200
            assert send(client, "post", f"{path}/dry-run").status_code == 200
            assert send(client, "patch", path, {"name": f"{key} edited"}).status_code == 200
        else:  # another partner's, or the vendor's: like a missing rule
            for method, body in (("get", None), ("patch", {"enabled": False}), ("delete", None)):
                answer = send(client, method, path, body)
                assert answer.status_code == 404, (who, key, method)
                assert answer.json()["code"] == "not_found"
            assert send(client, "post", f"{path}/dry-run").status_code == 404
            rule.refresh_from_db()
            assert rule.enabled


def test_a_partner_admins_rule_is_their_partners_and_only_theirs(world):
    client = client_for(world, "acme_admin")
    made = send(client, "post", "/automation/rules", RULE)
    assert made.status_code == 201
    assert made.json()["partner_id"] == world.acme.pk
    other = send(client, "post", "/automation/rules", {**RULE, "partner_id": world.globex.pk})
    assert other.status_code == 422 and "partner_id" in other.json()["fields"]


def test_create_update_delete_and_the_answers_shape(world):
    client = client_for(world, "admin")
    made = send(client, "post", "/automation/rules", {**RULE, "plans": ["premium"]})
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {
        "id", "name", "builtin", "partner_id", "enabled", "plans", "trigger", "event",
        "conditions", "steps", "params", "position", "updated_at",
    }  # fmt: skip
    assert (body["builtin"], body["plans"], body["trigger"]) == (None, ["premium"], "schedule")
    path = f"/automation/rules/{body['id']}"
    changed = send(client, "patch", path, {"enabled": False, "position": 5})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert send(client, "delete", path).status_code == 204
    assert send(client, "get", path).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {**RULE, "conditions": [{"field": "colour", "op": "eq", "value": "red"}]},
            "conditions[0]",
        ),
        ({**RULE, "conditions": [{"field": "level", "op": "eq", "value": 7}]}, "conditions[0]"),
        ({**RULE, "steps": []}, "steps"),
        ({**RULE, "steps": [{"type": "delete_everything"}]}, "steps[0]"),
        ({**RULE, "steps": [{"type": "run_action", "action": "escalate"}]}, "steps[0]"),
        ({**RULE, "steps": [{"type": "add_tag", "tag": "no spaces!"}]}, "steps[0]"),
        ({**RULE, "trigger": "event", "event": "exploded"}, "event"),
        ({**RULE, "trigger": "event"}, "event"),
    ],
)
def test_bad_rules_are_422_naming_the_field(world, body, field):
    answer = send(client_for(world, "admin"), "post", "/automation/rules", body)
    assert answer.status_code == 422
    assert field in answer.json()["fields"], answer.json()


def test_a_built_in_rule_keeps_its_actions_and_is_turned_off_not_deleted(world):
    client = client_for(world, "admin")
    remind = Rule.objects.get(builtin=Builtin.REMIND_WAITING)
    path = f"/automation/rules/{remind.pk}"
    fixed = send(client, "patch", path, {"steps": [{"type": "notify", "to": "leads"}]})
    assert fixed.status_code == 422 and "steps" in fixed.json()["fields"]
    bad = send(client, "patch", path, {"params": {"business_days": 0}})
    assert bad.status_code == 422 and "params" in bad.json()["fields"]
    unknown = send(client, "patch", path, {"params": {"weeks": 2}})
    assert unknown.status_code == 422
    tuned = send(client, "patch", path, {"params": {"business_days": 3}, "plans": ["premium"]})
    assert tuned.status_code == 200 and tuned.json()["params"] == {"business_days": 3}
    deleted = send(client, "delete", path)
    assert deleted.status_code == 409 and deleted.json()["code"] == "builtin_rule"
    assert send(client, "patch", path, {"enabled": False}).json()["enabled"] is False


def test_the_dry_run_lists_the_open_tickets_a_rule_acts_on_and_changes_nothing(world):
    client = client_for(world, "admin")
    rule = send(client, "post", "/automation/rules", RULE).json()
    ticket = ticket_at(world, "in_progress@L1")
    ticket_at(world, "in_progress@L1")  # not an incident
    from tierdesk.tickets import services as tickets

    tickets.ticket_update(actor=world.actor("acme_l1"), ticket_id=ticket.pk,
                          changes={"incident": True}, version=None)  # fmt: skip
    answer = send(client, "post", f"/automation/rules/{rule['id']}/dry-run")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [(i["ticket_id"], i["number"]) for i in items] == [(ticket.pk, ticket.number)]
    assert items[0]["steps"] == RULE["steps"]
    ticket.refresh_from_db()
    assert ticket.priority != "urgent"
    # the whole next run too
    everything = send(client, "post", "/automation/dry-run").json()["items"]
    assert ticket.number in [i["number"] for i in everything]


def test_a_partner_rule_assigns_only_to_the_partners_people_and_only_at_l1(world):
    client = client_for(world, "acme_admin")
    to_l2 = {**RULE, "steps": [{"type": "assign", "assignee_id": world.user("l2").pk}]}
    refused = send(client, "post", "/automation/rules", to_l2)
    assert refused.status_code == 422 and "steps[0]" in refused.json()["fields"]
    # setting the priority: the partner's L1 tickets only (where its admins may edit)
    rule = send(client, "post", "/automation/rules", RULE).json()
    from tierdesk.tickets import services as tickets

    at_l1, at_l2 = ticket_at(world, "in_progress@L1"), ticket_at(world, "in_progress@L2")
    for t, agent in ((at_l1, "acme_l1"), (at_l2, "l2")):
        tickets.ticket_update(actor=world.actor(agent), ticket_id=t.pk,
                              changes={"incident": True}, version=None)  # fmt: skip
    items = send(client, "post", f"/automation/rules/{rule['id']}/dry-run").json()["items"]
    assert [i["number"] for i in items] == [at_l1.number]
