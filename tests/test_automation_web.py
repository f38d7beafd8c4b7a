"""The console's automation page: the vendor's admin sees and edits every rule, a partner
admin their own partner's, others are refused; bad JSON is a 422 naming the field; the
dry run lists the tickets a run would change."""

from __future__ import annotations

import json

import pytest

from tests.factories import ticket_at
from tierdesk.automation.models import Builtin, Rule
from tierdesk.tickets import services as tickets

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Incidents are urgent",
    "trigger": "schedule",
    "conditions": json.dumps([{"field": "incident", "op": "eq", "value": True}]),
    "steps": json.dumps([{"type": "set_priority", "priority": "urgent"}]),
}


def test_the_vendor_admin_adds_a_rule_previews_it_and_tunes_a_built_in_one(world, client):
    client.force_login(world.user("admin"))
    page = client.get("/automation/").content.decode()
    assert "Remind a waiting customer after 2 business days" in page
    # bad JSON: the page again, naming the field
    bad = client.post("/automation/new/", {**RULE, "steps": "[{"})
    assert bad.status_code == 422 and "steps: is not valid JSON" in bad.content.decode()
    assert client.post("/automation/new/", RULE).status_code == 302
    rule = Rule.objects.get(name="Incidents are urgent")
    # the dry run lists the incident, and changes nothing
    ticket = ticket_at(world, "in_progress@L1")
    tickets.ticket_update(actor=world.actor("acme_l1"), ticket_id=ticket.pk,
                          changes={"incident": True}, version=None)  # fmt: skip
    preview = client.get(f"/automation/{rule.pk}/dry-run/").content.decode()
    assert f'data-ticket="{ticket.number}"' in preview
    ticket.refresh_from_db()
    assert ticket.priority != "urgent"
    # a built-in rule: parameters and on/off, never its steps
    remind = Rule.objects.get(builtin=Builtin.REMIND_WAITING)
    answer = client.post(
        f"/automation/{remind.pk}/",
        {"name": remind.name, "params": '{"business_days": 3}', "position": "10",
         "steps": '[{"type": "notify", "to": "leads"}]'},
    )  # fmt: skip
    assert answer.status_code == 302
    remind.refresh_from_db()
    assert (remind.params, remind.enabled) == ({"business_days": 3}, False)
    assert remind.steps == [{"type": "send_template", "step": "reminder"}]
    # built-in rules are not deleted
    assert client.post(f"/automation/{remind.pk}/delete/").status_code == 409


def test_a_partner_admin_sees_only_their_partners_rules_and_others_are_refused(world, client):
    client.force_login(world.user("acme_admin"))
    assert client.post("/automation/new/", RULE).status_code == 302
    page = client.get("/automation/").content.decode()
    assert "Incidents are urgent" in page and "Remind a waiting customer" not in page
    remind = Rule.objects.get(builtin=Builtin.REMIND_WAITING)
    assert client.get(f"/automation/{remind.pk}/dry-run/").status_code == 404
    assert client.post(f"/automation/{remind.pk}/", {"name": "x"}).status_code == 404
    for who in ("acme_l1", "l2", "lead"):
        client.force_login(world.user(who))
        assert client.get("/automation/").status_code == 403


def test_the_ticket_page_shows_staff_its_runs_and_tags_and_the_portal_does_not(world, client):
    from tierdesk.automation import services

    services.rule_create(
        actor=world.actor("admin"),
        data={
            "name": "Tag the L1 work",
            "conditions": [{"field": "level", "op": "eq", "value": 1}],
            "steps": [{"type": "add_tag", "tag": "first-level"}],
        },
    )
    ticket = ticket_at(world, "in_progress@L1")
    assert [p.number for p in services.rules_run()] == [ticket.number]
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-tag="first-level"' in page and "Tag the L1 work" in page
    client.force_login(world.user("acme_customer"))
    portal = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "first-level" not in portal and "Tag the L1 work" not in portal
