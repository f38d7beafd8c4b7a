"""Single sign-on in a real browser against a real OpenID Connect provider
(django-oauth-toolkit, started on 127.0.0.1 by tests/oidc_op.py): the partner's sign-in
address in its brand, the provider's own sign-in page, back into Tierdesk as a person
created just in time with the role the claim maps to; the sign-in page routed by the
email's domain; and refusals — a forged, expired, wrong-audience or wrong-nonce ID token,
a bad state, a role beyond the organisation's — each shown with its reason, nobody signed
in. Local passwords switched off answer with one message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACME_PRIMARY, PASSWORD, brand_colour
from tests.oidc_op import CLIENT_ID, CLIENT_SECRET, OP_PASSWORD, PEOPLE, Provider
from tierdesk.accounts.models import Role, User
from tierdesk.identity.models import AuditEntry, AuditKind
from tierdesk.identity.services.sso import sso_config_save

pytestmark = [
    pytest.mark.browser,
    pytest.mark.second_factor,  # the production second-factor rule applies
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="module")
def provider(live_server):
    running = Provider([live_server.url.rstrip("/") + "/login/sso/callback/"])
    yield running
    running.stop()


@pytest.fixture
def acme_sso(branded, provider):
    provider.set_mode("")
    return sso_config_save(
        actor=branded.actor("acme_admin"),
        enabled=True,
        slug="acme",
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["acme-corp.test"],
        allowed_roles=[Role.CUSTOMER, Role.L1_AGENT, Role.PARTNER_ADMIN],
        role_claim="roles",
        role_map={"support": Role.L1_AGENT, "it-admins": Role.PARTNER_ADMIN},
    )


def at_provider(page: Page, username: str) -> None:
    """The provider's own sign-in page: the person signs in there."""
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(OP_PASSWORD)
    page.get_by_role("button", name="Log in at the provider").click()


def test_sign_in_at_the_partners_address_creates_the_agent(page, site, acme_sso, screens):
    # given Acme's sign-in address, in Acme's brand before anyone signs in
    page.goto(f"{site}/login/acme/")
    expect(page.get_by_role("heading", name="Sign in to Acme Integrations")).to_be_visible()
    assert brand_colour(page) == ACME_PRIMARY
    screens.shot(page, "sso partner sign-in address")
    # when a new agent of Acme goes to Acme's provider and signs in there
    page.get_by_role("link", name="single sign-on").click()
    at_provider(page, "new.agent")
    # then they are in Tierdesk's console as a new L1 agent of Acme
    expect(page).to_have_url(re.compile(re.escape(site) + r"/$"))
    expect(page.locator(".user-menu .who")).to_contain_text("New Agent · L1 agent")
    person = User.objects.get(email=PEOPLE["new.agent"]["email"])
    assert person.membership.organisation_id == acme_sso.organisation_id
    assert person.membership.role == Role.L1_AGENT
    screens.shot(page, "sso signed in")


def test_the_email_routes_to_the_provider_and_an_admin_skips_the_local_code(
    page, site, acme_sso, screens
):
    # given partner admins need a second factor when they sign in with a password
    page.goto(f"{site}/login/")
    # when a new admin enters their email and continues with single sign-on
    page.get_by_label("Email").fill(PEOPLE["new.admin"]["email"])
    page.get_by_role("button", name="Continue with single sign-on").click()
    at_provider(page, "new.admin")
    # then they are a partner admin, without a local code (their provider does MFA)
    expect(page.locator(".user-menu .who")).to_contain_text("Partner admin")
    assert "/second-factor" not in page.url and "/login/" not in page.url
    page.goto(f"{site}/settings/administration/sso/")
    expect(page.get_by_role("heading", name="Single sign-on")).to_be_visible()
    expect(page.get_by_label("Issuer URL")).to_have_value(acme_sso.issuer)
    expect(page.get_by_label("Client secret")).to_have_value("")
    screens.shot(page, "sso console settings")


def test_a_role_beyond_the_organisation_is_refused(page, site, acme_sso, screens):
    page.goto(f"{site}/login/sso/")
    page.get_by_label("Work email address").fill(PEOPLE["grabber"]["email"])
    page.get_by_role("button", name="Continue").click()
    at_provider(page, "grabber")
    expect(page.get_by_role("alert")).to_contain_text("may not grant through single sign-on")
    screens.shot(page, "sso role beyond refused")
    assert not User.objects.filter(email=PEOPLE["grabber"]["email"]).exists()
    page.goto(f"{site}/")
    expect(page).to_have_url(re.compile(r"/login/"))


@pytest.mark.parametrize("mode", ["forged", "expired", "wrong_audience", "wrong_nonce"])
def test_an_id_token_that_fails_a_check_is_refused(page, site, acme_sso, provider, mode):
    # given the provider answers with a bad ID token
    provider.set_mode(mode)
    # when a person signs in through it
    page.goto(f"{site}/login/acme/")
    page.get_by_role("link", name="single sign-on").click()
    at_provider(page, "new.agent")
    # then Tierdesk refuses, and nobody is signed in or created
    expect(page.get_by_role("alert")).to_contain_text("did not pass our checks")
    assert not User.objects.filter(email=PEOPLE["new.agent"]["email"]).exists()
    page.goto(f"{site}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    refused = AuditEntry.objects.get(kind=AuditKind.SSO_REFUSED)
    assert refused.detail["reason"].startswith("id_token_")


def test_a_bad_state_is_refused(page, site, acme_sso):
    # given a sign-in started at the provider
    page.goto(f"{site}/login/acme/")
    page.get_by_role("link", name="single sign-on").click()
    expect(page).to_have_url(re.compile(r"127\.0\.0\.1"))
    # when a callback with a state this browser never got arrives
    page.goto(f"{site}/login/sso/callback/?code=stolen&state=not-ours")
    # then it is refused
    expect(page.get_by_role("alert")).to_contain_text("not started here")
    assert AuditEntry.objects.get(kind=AuditKind.SSO_REFUSED).detail["reason"] == "bad_state"


def test_passwords_off_refuse_with_one_message(page, site, branded, acme_sso):
    sso_config_save(
        actor=branded.actor("acme_admin"),
        enabled=True,
        slug="acme",
        issuer=acme_sso.issuer,
        client_id=CLIENT_ID,
        domains=["acme-corp.test"],
        allowed_roles=acme_sso.allowed_roles,
        role_map=acme_sso.role_map,
        passwords_enabled=False,
    )
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill(branded.user("acme_l1").email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("signs in through its identity provider")
    # the organisation's address offers no password form any more
    page.goto(f"{site}/login/acme/")
    expect(page.get_by_label("Password")).to_have_count(0)
