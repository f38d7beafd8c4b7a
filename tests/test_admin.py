"""The Django admin for vendor admins: every model reachable, records written by services
read-only, ticket status and level never editable, edits going through the services."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import new_ticket, ticket_at
from tierdesk.accounts.models import ApiToken, Organisation, User
from tierdesk.accounts.services import token_create, user_create
from tierdesk.directory.services import directory_import
from tierdesk.tickets.models import EventKind, Status, TicketEvent

OUR_APPS = {"accounts", "directory", "tickets"}


def _our_models():
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.user("admin"))
    return client


@pytest.fixture
def escalated(world):
    return ticket_at(world, "in_progress@L3")


def test_every_domain_model_is_registered():
    # given the admin site; then each model of our apps has a page
    names = {m.__name__ for m in _our_models()}
    assert {
        "Organisation",
        "User",
        "ApiToken",
        "Contract",
        "Workspace",
        "Flow",
        "Ticket",
        "Message",
        "Attachment",
        "Handover",
        "Reproduction",
        "Fix",
        "TicketEvent",
    } <= names


def test_admin_sees_every_changelist(admin_client, escalated, world):
    # given a ticket with messages, attachments, a handover, a reproduction and events
    token_create(email=world.user("acme_l1").email, name="helpdesk")
    assert admin_client.get("/admin/").status_code == 200
    for model in _our_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        # when the admin opens the list (and searches it)
        response = admin_client.get(url)
        searched = admin_client.get(url, {"q": "orders 4711"})
        # then it renders
        assert response.status_code == 200, url
        assert searched.status_code == 200, url


def test_ticket_change_page_shows_the_conversation_and_trail(admin_client, escalated):
    # when the admin opens an escalated ticket
    response = admin_client.get(reverse("admin:tickets_ticket_change", args=[escalated.pk]))
    # then the page shows it with its attachments (through the checked view) and events
    assert response.status_code == 200
    body = response.content.decode()
    assert escalated.title in body
    assert reverse("attachment", args=[escalated.attachments.first().pk]) in body
    assert "audit trail" in body.lower()


def test_ticket_status_and_level_are_read_only(admin_client, escalated):
    # given the ticket's admin form
    ticket_admin = admin.site._registry[type(escalated)]
    request = RequestFactory().get("/")
    request.user = User.objects.get(email="admin@example.test")
    # then status and level are not form fields, only displayed
    readonly = ticket_admin.get_readonly_fields(request, escalated)
    assert {"status", "level", "assignee", "version"} <= set(readonly)
    form = ticket_admin.get_form(request, escalated)
    assert "status" not in form.base_fields and "level" not in form.base_fields


def _post_ticket(client, ticket, **overrides):
    data = {
        "title": ticket.title,
        "priority": ticket.priority,
        "loaded_version": ticket.version,
        "status": Status.CLOSED,  # not a form field: must be ignored
        "level": 1,
        **{f"{p}-TOTAL_FORMS": "0" for p in ("messages", "attachments", "events")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("messages", "attachments", "events")},
    }
    data.update(overrides)
    return client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), data)


def test_admin_edit_goes_through_the_service(admin_client, escalated):
    # when the admin corrects the title (and tries to smuggle in a status)
    response = _post_ticket(admin_client, escalated, title="Orders sync: 401 after refresh")
    # then the title changed, status and level did not, the version moved, an event exists
    assert response.status_code == 302
    before = (escalated.level, escalated.status, escalated.version)
    escalated.refresh_from_db()
    assert escalated.title == "Orders sync: 401 after refresh"
    assert (escalated.level, escalated.status) == before[:2]
    assert escalated.version == before[2] + 1
    last = escalated.events.order_by("-pk").first()
    assert last.kind == EventKind.UPDATED and last.data["fields"] == ["title"]
    assert last.data["changes"]["title"][1] == "Orders sync: 401 after refresh"


def test_admin_edit_on_a_stale_version_is_refused(admin_client, escalated):
    # given a page loaded before someone else changed the ticket
    stale = escalated.version - 1
    # when the admin saves
    response = _post_ticket(admin_client, escalated, title="Overwrite", loaded_version=stale)
    # then the form says why and nothing is written
    assert response.status_code == 200
    assert "changed since you loaded it" in response.content.decode()
    escalated.refresh_from_db()
    assert escalated.title != "Overwrite"


def test_ticket_events_cannot_be_added_changed_or_deleted(admin_client, escalated):
    # given the event admin and a superuser request
    event_admin = admin.site._registry[TicketEvent]
    request = RequestFactory().get("/")
    request.user = User.objects.get(email="admin@example.test")
    event = escalated.events.first()
    # then no permission allows writing
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request, event)
    assert not event_admin.has_delete_permission(request, event)
    # and a POST to the change page does not alter the event
    url = reverse("admin:tickets_ticketevent_change", args=[event.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"reason": "rewritten"})
    event.refresh_from_db()
    assert event.reason != "rewritten"
    delete = reverse("admin:tickets_ticketevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_tokens_are_never_shown(admin_client, world):
    # given a token created for an agent
    record, token = token_create(email=world.user("acme_l1").email)
    # when the admin lists and opens tokens
    listing = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    detail = admin_client.get(reverse("admin:accounts_apitoken_change", args=[record.pk]))
    # then the secret appears nowhere, and tokens cannot be added here
    assert token not in listing.content.decode() and token not in detail.content.decode()
    add = admin_client.get(reverse("admin:accounts_apitoken_add"))
    assert add.status_code == 403


def test_revoke_action_revokes_through_the_service(admin_client, world):
    # given an active token
    record, _ = token_create(email=world.user("acme_l1").email)
    # when the admin runs the revoke action
    admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [record.pk]},
    )
    # then it is revoked
    record.refresh_from_db()
    assert record.revoked_at is not None


def test_adding_a_person_follows_the_service_rules(admin_client, world):
    # when the admin gives a partner's person a vendor-only role
    url = reverse("admin:accounts_user_add")
    data = {"email": "eve@acme.example", "organisation": world.acme.pk, "role": "l2_agent"}
    refused = admin_client.post(url, data)
    # then the form shows the service's reason and nobody is created
    assert refused.status_code == 200
    assert "a partner cannot hold the role l2_agent" in refused.content.decode()
    assert not User.objects.filter(email="eve@acme.example").exists()
    # when the role fits the partner
    accepted = admin_client.post(url, {**data, "role": "l1_agent"})
    # then the person exists with that membership and is not staff
    assert accepted.status_code == 302
    eve = User.objects.get(email="eve@acme.example")
    assert eve.membership.role == "l1_agent" and eve.membership.organisation == world.acme
    assert not eve.is_staff and not eve.has_usable_password()


def test_adding_an_admin_person_makes_them_staff(admin_client, world):
    # when the admin adds a vendor admin
    admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "root@vendor.example",
            "organisation": world.vendor.pk,
            "role": "admin",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    # then they can reach the admin
    person = User.objects.get(email="root@vendor.example")
    assert person.is_staff and person.is_superuser


def test_a_second_vendor_is_refused(admin_client, world):
    # when the admin adds another vendor organisation
    response = admin_client.post(
        reverse("admin:accounts_organisation_add"),
        {
            "name": "Other vendor",
            "kind": "vendor",
            "primary_colour": "#112233",
            "accent_colour": "#445566",
        },
    )
    # then the service's refusal is shown and nothing is created
    assert response.status_code == 200
    assert "There is a vendor organisation already" in response.content.decode()
    assert not Organisation.objects.filter(name="Other vendor").exists()


def test_non_staff_people_are_sent_to_the_login(client, world):
    # given an L1 agent and an L2 agent, signed in (neither is staff)
    for key in ("acme_l1", "l2"):
        client.force_login(world.user(key))
        # when they open the admin
        response = client.get("/admin/")
        # then they are redirected to the admin login
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    response = client.get(reverse("admin:tickets_ticket_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert ApiToken.objects.count() == 0


def _more_tickets(world):
    for partner in ("acme", "globex", "vendor"):
        new_ticket(world, partner)


def _more_people(world):
    for n in range(3):
        user_create(email=f"extra{n}@acme.example", organisation=world.acme, role="customer")


def _more_flows(world):
    flows = [{"id": f"cc00000000000000000000{n:02d}", "name": f"Flow {n}"} for n in range(3)]
    directory_import(
        docs=[
            {
                "partner": "Acme",
                "contracts": [
                    {
                        "id": "cc0000000000000000000100",
                        "name": "Extra",
                        "workspaces": [{"id": "cc0000000000000000000200", "flows": flows}],
                    }
                ],
            }
        ]
    )


@pytest.mark.parametrize(
    ("url_name", "grow"),
    [
        ("admin:tickets_ticket_changelist", _more_tickets),
        ("admin:tickets_ticketevent_changelist", _more_tickets),
        ("admin:accounts_user_changelist", _more_people),
        ("admin:directory_flow_changelist", _more_flows),
    ],
)
def test_list_pages_do_not_query_per_row(admin_client, world, url_name, grow):
    # given a list page with the world's rows
    url = reverse(url_name)
    new_ticket(world)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    # when more rows exist and the page is shown again
    grow(world)
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200
    # then it took no more queries than before
    assert len(more) <= len(few), [q["sql"] for q in more.captured_queries]
