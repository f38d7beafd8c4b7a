"""Self-administration: invitations by a signed, expiring link through the mail outbox;
changing names, roles and contracts; deactivation (sessions, tokens, tickets); and the
matrix: a partner admin administers only their own organisation's people, tokens and
webhooks, through the console and the API."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import ACME_CONTRACT, GLOBEX_CONTRACT, ticket_at
from tierdesk.accounts.models import ApiToken, Role, User
from tierdesk.accounts.services import token_create
from tierdesk.core import clock
from tierdesk.identity.models import AuditEntry, AuditKind, Invitation
from tierdesk.mail.models import OutboundMail
from tierdesk.notify import services as webhook_services
from tierdesk.notify.models import Webhook
from tierdesk.tickets.models import EventKind

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.215.14/hooks/tierdesk"
PASSWORD = "a long enough passphrase 42"


def console(world, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


def api(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def link_in(mail: OutboundMail) -> str:
    return re.search(r"https?://\S+/invitation/[^\s/]+/", mail.text_body).group(0)


def test_an_invitation_goes_out_by_mail_and_the_link_makes_the_person(world):
    # given Acme's partner admin on the administration page
    admin = console(world, "acme_admin")
    assert admin.get("/settings/administration/").status_code == 200
    # when they invite a customer tied to an Acme contract
    answer = admin.post(
        "/settings/administration/",
        {
            "email": "Kim@Customer.example",
            "full_name": "Kim Lee",
            "role": "customer",
            "contract_ids": ACME_CONTRACT,
        },
    )
    assert answer.status_code == 302, answer.content
    # then a mail with a signed link is in the outbox, in Acme's brand
    mail = OutboundMail.objects.get(to_email="kim@customer.example")
    assert mail.kind == "invitation" and "Acme Integrations" in mail.subject
    path = link_in(mail).split("://", 1)[1].split("/", 1)[1]
    # when Kim follows it and chooses a password
    page = Client().get(f"/{path}")
    assert page.status_code == 200 and "Acme Integrations" in page.content.decode()
    done = Client().post(
        f"/{path}", {"full_name": "Kim Lee", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.status_code == 302
    # then Kim is an Acme customer on that contract, and the link is used up
    kim = User.objects.get(email="kim@customer.example")
    assert kim.membership.role == Role.CUSTOMER
    assert list(kim.membership.contracts.values_list("platform_id", flat=True)) == [ACME_CONTRACT]
    assert Client().get(f"/{path}").status_code == 404
    kinds = set(AuditEntry.objects.values_list("kind", flat=True))
    assert {AuditKind.PERSON_INVITED, AuditKind.PERSON_JOINED} <= kinds


def test_a_forged_or_expired_invitation_link_is_refused(world, monkeypatch):
    admin = console(world, "acme_admin")
    admin.post("/settings/administration/", {"email": "a@b.example", "role": "l1_agent"})
    path = "/" + link_in(OutboundMail.objects.get()).split("/", 3)[3]
    # a link with one character changed is refused
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    assert Client().get(forged).status_code == 404
    # after the invitation's days the link is refused
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr("tierdesk.core.clock.now", lambda: later)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    assert Client().get(path).status_code == 404
    assert not User.objects.filter(email="a@b.example").exists()


def test_a_partner_admin_cannot_invite_beyond_what_a_partner_may_hold(world):
    admin = api(world, "acme_admin")
    answer = admin.post(
        "/api/v1/people/invitations",
        json.dumps({"email": "x@y.example", "role": "l2_agent"}),
        content_type="application/json",
    )
    assert answer.status_code == 422 and "role" in answer.json()["fields"]
    answer = admin.post(
        "/api/v1/people/invitations",
        json.dumps({"email": "x@y.example", "role": "customer", "contract_ids": [GLOBEX_CONTRACT]}),
        content_type="application/json",
    )
    assert answer.status_code == 422 and "contract_ids" in answer.json()["fields"]
    assert Invitation.objects.count() == 0 and OutboundMail.objects.count() == 0


def test_deactivating_ends_sessions_and_tokens_and_hands_tickets_back(world):
    # given an Acme agent with a session, a token and a ticket they work on
    agent = world.user("acme_l1")
    session = console(world, "acme_l1")
    assert session.get("/").status_code == 200
    _, token = token_create(email=agent.email)
    ticket = ticket_at(world, "in_progress@L1")
    assert ticket.assignee == agent
    # when their partner admin deactivates them
    answer = console(world, "acme_admin").post(
        f"/settings/administration/people/{agent.pk}/", {"action": "deactivate"}
    )
    assert answer.status_code == 302
    # then their session is gone, their token refused, their ticket back in the queue
    assert session.get("/").status_code == 302
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(agent.pk)
    ]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get(user=agent).revoked_at is not None
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.status == "in_progress"
    event = ticket.events.order_by("-pk").first()
    assert event.kind == EventKind.UNASSIGNED and "deactivated" in event.reason
    entry = AuditEntry.objects.get(kind=AuditKind.PERSON_DEACTIVATED)
    assert entry.detail["tickets"] == [ticket.pk]


def test_changing_a_role_stays_within_the_organisation_and_is_audited(world):
    customer = world.user("acme_customer")
    admin = api(world, "acme_admin")
    ok = admin.patch(
        f"/api/v1/people/{customer.pk}",
        json.dumps({"role": "l1_agent", "contract_ids": []}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["role"] == "l1_agent"
    refused = admin.patch(
        f"/api/v1/people/{customer.pk}",
        json.dumps({"role": "admin"}),
        content_type="application/json",
    )
    assert refused.status_code == 422 and "role" in refused.json()["fields"]
    assert User.objects.get(pk=customer.pk).membership.role == Role.L1_AGENT
    assert AuditEntry.objects.filter(kind=AuditKind.PERSON_UPDATED, subject=customer).count() == 1
    # nobody changes their own role or deactivates themselves
    me = world.user("acme_admin")
    own = admin.patch(
        f"/api/v1/people/{me.pk}", json.dumps({"role": "l1_agent"}), content_type="application/json"
    )
    assert own.status_code == 409
    assert admin.post(f"/api/v1/people/{me.pk}/deactivate").status_code == 409


def test_agents_and_customers_administer_nobody(world):
    for key in ("acme_l1", "acme_customer", "l2", "lead"):
        client = console(world, key)
        assert client.get("/settings/administration/").status_code == 403, key
        target = world.user("acme_customer").pk
        assert client.get(f"/api/v1/people/{target}").status_code == 403, key
    # and the Administration entry is shown only to those who administer
    assert b"Administration" not in console(world, "acme_l1").get("/").content
    assert b"Administration" in console(world, "acme_admin").get("/").content


def test_matrix_a_partner_admin_administers_only_their_own_organisation(world, settings):
    """Every surface, own organisation allowed, the other one 404 with nothing changed."""
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    own, other = world.user("acme_l1"), world.user("globex_l1")
    own_token, _ = token_create(email=own.email)
    other_token, _ = token_create(email=other.email)
    own_hook, _ = webhook_services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    other_hook, _ = webhook_services.webhook_create(
        actor=world.actor("globex_admin"), url=PUBLIC_URL
    )
    web, rest = console(world, "acme_admin"), api(world, "acme_admin")
    body = {"content_type": "application/json"}

    surfaces = {
        "console: person page": lambda uid, tid, hid: web.get(
            f"/settings/administration/people/{uid}/"
        ),
        "console: rename": lambda uid, tid, hid: web.post(
            f"/settings/administration/people/{uid}/",
            {"action": "save", "full_name": "Renamed", "role": "l1_agent", "contract_ids": ""},
        ),
        "console: reset second factor": lambda uid, tid, hid: web.post(
            f"/settings/administration/people/{uid}/", {"action": "reset_second_factor"}
        ),
        "console: revoke token": lambda uid, tid, hid: web.post(f"/settings/tokens/{tid}/revoke/"),
        "api: person_get": lambda uid, tid, hid: rest.get(f"/api/v1/people/{uid}"),
        "api: person_update": lambda uid, tid, hid: rest.patch(
            f"/api/v1/people/{uid}", json.dumps({"full_name": "Renamed"}), **body
        ),
        "api: token_get": lambda uid, tid, hid: rest.get(f"/api/v1/tokens/{tid}"),
        "api: token_revoke": lambda uid, tid, hid: rest.delete(f"/api/v1/tokens/{tid}"),
        "api: webhook_get": lambda uid, tid, hid: rest.get(f"/api/v1/webhooks/{hid}"),
        "api: person_deactivate": lambda uid, tid, hid: rest.post(
            f"/api/v1/people/{uid}/deactivate"
        ),
        "api: webhook_delete": lambda uid, tid, hid: rest.delete(f"/api/v1/webhooks/{hid}"),
    }
    for name, call in surfaces.items():
        # another organisation's person, token or hook: 404, like a missing one
        answer = call(other.pk, other_token.pk, other_hook.pk)
        assert answer.status_code == 404, (name, answer.status_code)
        # their own organisation's: allowed
        answer = call(own.pk, own_token.pk, own_hook.pk)
        assert answer.status_code in (200, 204, 302), (name, answer.status_code)
    # and nothing of Globex changed
    other.refresh_from_db()
    assert other.is_active and other.full_name != "Renamed"
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None
    assert Webhook.objects.filter(pk=other_hook.pk).exists()
    # while Acme's did
    own.refresh_from_db()
    assert not own.is_active and own.full_name == "Renamed"
    # the lists show Acme only
    listed = {p["id"] for p in rest.get("/api/v1/people").json()}
    assert other.pk not in listed and own.pk in listed
    page = web.get("/settings/administration/").content.decode()
    assert other.email not in page and own.email in page


def test_a_partner_admin_changes_their_own_brand_only(world):
    from tierdesk.accounts.models import Organisation

    web = console(world, "acme_admin")
    answer = web.post(
        "/settings/administration/brand/",
        {
            "action": "brand",
            "display_name": "Acme Support",
            "sender_name": "Acme Help",
            "primary_colour": "#112233",
            "accent_colour": "#445566",
            "logo": "",
        },
    )
    assert answer.status_code == 302
    acme, globex = (
        Organisation.objects.get(pk=world.acme.pk),
        Organisation.objects.get(pk=world.globex.pk),
    )
    assert acme.display_name == "Acme Support" and acme.primary_colour == "#112233"
    assert globex.display_name == "Globex Cloud"
    # bad input names the field and changes nothing
    bad = web.post(
        "/settings/administration/brand/",
        {
            "action": "brand",
            "display_name": "X",
            "sender_name": "",
            "primary_colour": "red",
            "accent_colour": "#445566",
            "logo": "<script>alert(1)</script>",
        },
    )
    assert bad.status_code == 422
    assert Organisation.objects.get(pk=world.acme.pk).display_name == "Acme Support"
    # agents cannot reach the page
    assert console(world, "acme_l1").get("/settings/administration/brand/").status_code == 403


def test_a_new_sender_address_is_used_only_once_its_link_is_followed(world):
    from tierdesk.accounts.models import Organisation

    web = console(world, "acme_admin")
    web.post(
        "/settings/administration/brand/",
        {"action": "sender", "sender_email": "help@acme.example"},
    )
    mail = OutboundMail.objects.get(to_email="help@acme.example")
    path = (
        "/" + re.search(r"https?://\S+/sender/[^\s/]+/", mail.text_body).group(0).split("/", 3)[3]
    )
    assert Organisation.objects.get(pk=world.acme.pk).sender_email != "help@acme.example"
    # following the link (a GET, as a mail scanner would) confirms nothing
    assert Client().get(path).status_code == 200
    assert Organisation.objects.get(pk=world.acme.pk).sender_email != "help@acme.example"
    # the button does
    assert Client().post(path).status_code == 302
    assert Organisation.objects.get(pk=world.acme.pk).sender_email == "help@acme.example"
    assert Client().post(path).status_code == 404
