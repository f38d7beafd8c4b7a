"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit, started
on 127.0.0.1 by tests/oidc_op.py): our side through Django's test client, the provider's
sign-in page through `requests`. Sign-in with just-in-time provisioning and role mapping,
the person matched by verified email within the organisation only, and every refusal
(forged, expired, wrong-audience and wrong-nonce ID tokens, a bad or replayed state, a
role beyond the organisation's, another organisation's person) audited."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client

from tests.oidc_op import CLIENT_ID, CLIENT_SECRET, PEOPLE, Provider, provider_sign_in
from tierdesk.accounts.models import Role, User
from tierdesk.identity.models import AuditEntry, AuditKind, SsoConfig
from tierdesk.identity.second_factor import SESSION_KEY
from tierdesk.identity.services.sso import sso_config_save
from tierdesk.identity.sso.backends import SSO_BACKEND

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider():
    running = Provider(["http://testserver/login/sso/callback/"])
    yield running
    running.stop()


@pytest.fixture
def acme_sso(world, provider):
    provider.set_mode("")
    return sso_config_save(
        actor=world.actor("acme_admin"),
        enabled=True,
        slug="acme",
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["acme-corp.test", "example.test"],
        allowed_roles=[Role.CUSTOMER, Role.L1_AGENT, Role.PARTNER_ADMIN],
        role_claim="roles",
        role_map={"support": Role.L1_AGENT, "it-admins": Role.PARTNER_ADMIN},
    )


def sso(client: Client, username: str):
    """Start at our email form, sign in at the provider, come back: our answer."""
    routed = client.post("/login/sso/", {"email": PEOPLE[username]["email"]})
    assert routed.status_code == 303 and routed["Location"].startswith("/login/acme/?")
    started = client.get("/login/acme/start/")
    assert started.status_code == 302, started.content[:300]
    back = provider_sign_in(started["Location"], username)
    return client.get(back.split("testserver", 1)[1])


def refusals() -> list[str]:
    return [e.detail["reason"] for e in AuditEntry.objects.filter(kind=AuditKind.SSO_REFUSED)]


def test_a_new_agent_is_created_in_the_organisation_with_the_mapped_role(acme_sso, provider):
    # given Acme signs in through its provider, and its provider knows a new agent
    client = Client()
    # when they sign in through single sign-on
    answer = sso(client, "new.agent")
    # then they are in, an L1 agent of Acme named as the provider says
    assert answer.status_code == 302 and answer["Location"] == "/"
    person = User.objects.get(email="new.agent@acme-corp.test")
    assert person.membership.organisation_id == acme_sso.organisation_id
    assert person.membership.role == Role.L1_AGENT and person.full_name == "New Agent"
    assert not person.has_usable_password()
    assert client.session[BACKEND_SESSION_KEY] == SSO_BACKEND
    assert client.get("/").status_code == 200
    kinds = set(AuditEntry.objects.filter(subject=person).values_list("kind", flat=True))
    assert {AuditKind.SSO_PROVISIONED, AuditKind.SSO_SIGNED_IN} <= kinds


@pytest.mark.second_factor
def test_a_single_sign_on_admin_skips_the_local_second_factor(acme_sso):
    # given partner admins need a second factor with a password
    # when a partner admin signs in through their provider (which does MFA)
    client = Client()
    answer = sso(client, "new.admin")
    # then no local code is asked for: the console opens
    person = User.objects.get(email="new.admin@acme-corp.test")
    assert person.membership.role == Role.PARTNER_ADMIN
    assert answer["Location"] == "/" and SESSION_KEY not in client.session
    assert client.get("/").status_code == 200


def test_a_known_person_is_matched_by_email_within_the_organisation(acme_sso, world):
    # given Acme's L1 agent exists already, and the provider says they are "support"
    before = User.objects.count()
    client = Client()
    # when they sign in through single sign-on
    answer = sso(client, "known")
    # then it is the same person, no new one
    assert answer.status_code == 302
    assert User.objects.count() == before
    assert int(client.session["_auth_user_id"]) == world.user("acme_l1").pk


def test_a_person_of_another_organisation_is_refused(acme_sso, world):
    # given Globex's agent, whose address Acme's provider also vouches for
    client = Client()
    # when they sign in through Acme's provider
    answer = sso(client, "stranger")
    # then they are refused, and nothing of theirs changes
    assert answer.status_code == 403
    assert "another organisation" in answer.content.decode()
    assert world.user("globex_l1").membership.organisation_id == world.globex.pk
    assert "_auth_user_id" not in client.session
    assert refusals() == ["other_organisation"]


def test_a_role_claim_beyond_the_organisation_is_refused_and_audited(acme_sso):
    # given the provider names l2_agent, a role only the vendor holds
    client = Client()
    # when that person signs in
    answer = sso(client, "grabber")
    # then they are refused with a clear message, no one is created, it is audited
    assert answer.status_code == 403
    assert "may not grant" in answer.content.decode()
    assert not User.objects.filter(email="grabber@acme-corp.test").exists()
    entry = AuditEntry.objects.get(kind=AuditKind.SSO_REFUSED)
    assert entry.detail["reason"] == "role_beyond" and entry.detail["claim"] == ["l2_agent"]


def test_a_mapped_role_the_organisation_no_longer_allows_is_refused(acme_sso, world, provider):
    # given Acme allows only agents and customers through single sign-on now
    SsoConfig.objects.filter(pk=acme_sso.pk).update(
        allowed_roles=[Role.CUSTOMER, Role.L1_AGENT], role_map={"it-admins": "partner_admin"}
    )
    # when the provider's "it-admins" person signs in
    answer = sso(Client(), "new.admin")
    # then they are refused rather than given a lesser role
    assert answer.status_code == 403
    assert refusals() == ["role_beyond"]


def test_an_unverified_address_is_refused(acme_sso):
    answer = sso(Client(), "unverified")
    assert answer.status_code == 403
    assert refusals() == ["email_unverified"]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("forged", "id_token_bad_signature"),
        ("expired", "id_token_expired_token"),
        ("wrong_audience", "id_token_invalid_claim"),
        ("wrong_nonce", "id_token_invalid_claim"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(acme_sso, provider, mode, reason):
    # given the provider answers with an ID token that is forged, expired, for another
    # client, or for another sign-in
    provider.set_mode(mode)
    client = Client()
    # when a person signs in
    answer = sso(client, "new.agent")
    # then nobody is signed in or created, and the refusal is audited with its reason
    assert answer.status_code == 403
    assert "did not pass our checks" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="new.agent@acme-corp.test").exists()
    assert refusals() == [reason]


def test_a_bad_or_replayed_state_is_refused(acme_sso, provider):
    client = Client()
    started = client.get("/login/acme/start/")
    back = provider_sign_in(started["Location"], "new.agent").split("testserver", 1)[1]
    # a state this session never started
    tampered = back.replace("state=", "state=x")
    assert client.get(tampered).status_code == 403
    # the real one works once
    assert client.get(back).status_code == 302
    # and not a second time (another browser replaying it: no session, no state)
    assert Client().get(back).status_code == 403
    assert refusals() == ["bad_state", "bad_state"]


def test_the_client_secret_is_encrypted_at_rest_and_never_logged(acme_sso, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    sso(client, "new.agent")
    assert CLIENT_SECRET not in caplog.text and "code_verifier" not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM identity_ssoconfig WHERE id = %s", [acme_sso.pk])
        stored = cursor.fetchone()[0]
    assert CLIENT_SECRET not in stored and stored.startswith("gAAAAA")
    assert SsoConfig.objects.get(pk=acme_sso.pk).client_secret == CLIENT_SECRET


def test_a_discovery_naming_another_issuer_is_refused(acme_sso, provider):
    # given the configured issuer is not the one the provider's discovery names
    SsoConfig.objects.filter(pk=acme_sso.pk).update(
        issuer=provider.issuer.replace("127.0.0.1", "localhost")
    )
    # when a sign-in starts, it stops before the provider
    answer = Client().get("/login/acme/start/")
    assert answer.status_code == 403
    assert refusals() == ["issuer_mismatch"]
