"""Single sign-on without a provider: the role mapping (pure), the configuration's rules
and who may change it (the matrix: a partner admin only their own organisation, in the
console and the service), the routing by email domain and the organisation's sign-in
address in its brand, and the switch that turns local passwords off."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tierdesk.accounts.models import OrgKind, Role
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.identity.models import AuditEntry, AuditKind, SsoConfig
from tierdesk.identity.services.sso import sso_config_save
from tierdesk.identity.sso.policy import PASSWORDS_OFF_MESSAGE
from tierdesk.identity.sso.roles import RoleRefused, role_from_claim

PASSWORD = "correct horse battery staple"
ISSUER = "https://login.acme-corp.test/realms/support"
SECRET = "s3cret-of-acme-idp"
PARTNER = dict(org_kind=OrgKind.PARTNER, allowed_roles=[Role.CUSTOMER, Role.L1_AGENT])


# --- the role mapping (pure) ---------------------------------------------------------


def test_a_claim_value_maps_to_its_role():
    assert role_from_claim(["x", "support"], role_map={"support": "l1_agent"}, **PARTNER) == (
        "l1_agent"
    )


def test_a_value_naming_a_role_gives_it_and_the_higher_of_two_wins():
    assert role_from_claim("customer l1_agent", role_map={}, **PARTNER) == "l1_agent"


def test_a_value_naming_a_role_beyond_the_organisation_refuses_outright():
    with pytest.raises(RoleRefused) as refused:
        role_from_claim(["l1_agent", "admin"], role_map={}, **PARTNER)
    assert refused.value.code == "role_beyond" and "admin" in refused.value.message


def test_a_mapping_beyond_the_allowed_roles_refuses():
    with pytest.raises(RoleRefused) as refused:
        role_from_claim(["boss"], role_map={"boss": "partner_admin"}, **PARTNER)
    assert refused.value.code == "role_beyond"


def test_nothing_mapped_gives_the_default_role_or_refuses():
    assert role_from_claim(None, role_map={}, default_role="customer", **PARTNER) == "customer"
    with pytest.raises(RoleRefused) as refused:
        role_from_claim(["unknown"], role_map={}, **PARTNER)
    assert refused.value.code == "no_role"


# --- the configuration ---------------------------------------------------------------


def save(actor, **changes):
    values = dict(
        enabled=True,
        slug="acme",
        issuer=ISSUER,
        client_id="tierdesk",
        client_secret=SECRET,
        domains=["acme-corp.test"],
        allowed_roles=[Role.CUSTOMER, Role.L1_AGENT],
        role_map={"support": Role.L1_AGENT},
    )
    return sso_config_save(actor=actor, **{**values, **changes})


@pytest.mark.django_db
def test_a_partner_admin_configures_their_own_organisation(world):
    config = save(world.actor("acme_admin"))
    assert config.organisation_id == world.acme.pk
    assert list(config.domains.values_list("domain", flat=True)) == ["acme-corp.test"]
    entry = AuditEntry.objects.get(kind=AuditKind.SSO_CONFIGURED)
    assert "client_secret" in entry.detail["changed"] and SECRET not in str(entry.detail)


@pytest.mark.django_db
def test_a_partner_admin_cannot_configure_another_organisation(world):
    with pytest.raises(NotFound):
        save(world.actor("acme_admin"), organisation_id=world.globex.pk)
    with pytest.raises(Forbidden):
        save(world.actor("acme_l1"))
    with pytest.raises(Forbidden):
        save(world.actor("acme_customer"))
    assert not SsoConfig.objects.exists()


@pytest.mark.django_db
def test_the_vendors_admin_configures_any_organisation(world):
    config = save(world.actor("admin"), organisation_id=world.globex.pk, slug="globex")
    assert config.organisation_id == world.globex.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allowed_roles": [Role.L1_AGENT, Role.L2_AGENT]}, "allowed_roles"),
        ({"role_map": {"boss": Role.PARTNER_ADMIN}}, "role_map"),
        ({"default_role": Role.PARTNER_ADMIN}, "default_role"),
        ({"slug": "verify"}, "slug"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"issuer": "http://login.acme-corp.test/"}, "issuer"),
        ({"client_id": " "}, "client_id"),
        ({"domains": ["not a domain"]}, "domains"),
        ({"domains": []}, "domains"),
        ({"enabled": False, "passwords_enabled": False}, "passwords_enabled"),
    ],
)
def test_a_configuration_beyond_the_rules_is_refused_naming_the_field(world, changes, field):
    with pytest.raises(InvalidInput) as refused:
        save(world.actor("acme_admin"), **changes)
    assert field in refused.value.fields


@pytest.mark.django_db
def test_a_domain_or_address_of_another_organisation_is_refused(world):
    save(world.actor("acme_admin"))
    with pytest.raises(InvalidInput) as refused:
        save(world.actor("globex_admin"), slug="globex", domains=["acme-corp.test"])
    assert "another organisation" in refused.value.fields["domains"]
    with pytest.raises(InvalidInput) as refused:
        save(world.actor("globex_admin"), domains=["globex.test"])
    assert "slug" in refused.value.fields


@pytest.mark.django_db
def test_an_empty_secret_keeps_the_stored_one(world):
    save(world.actor("acme_admin"))
    save(world.actor("acme_admin"), client_secret="")
    assert SsoConfig.objects.get().client_secret == SECRET


# --- the console page (matrix) -------------------------------------------------------


def console(world, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


FORM = {
    "enabled": "on",
    "slug": "acme",
    "issuer": ISSUER,
    "client_id": "tierdesk",
    "client_secret": SECRET,
    "domains": "acme-corp.test",
    "allowed_roles": ["customer", "l1_agent"],
    "role_claim": "groups",
    "role_map": "support = l1_agent",
    "default_role": "",
    "passwords_enabled": "on",
}


@pytest.mark.django_db
def test_the_console_page_configures_only_the_administrators_own_organisation(world):
    acme = console(world, "acme_admin")
    # a partner admin saves their organisation's (an organisation named in the form is
    # no parameter of the page)
    answer = acme.post(
        "/settings/administration/sso/", {**FORM, "organisation_id": world.globex.pk}
    )
    assert answer.status_code == 302
    config = SsoConfig.objects.get()
    assert config.organisation_id == world.acme.pk and config.role_claim == "groups"
    # the page never shows the secret
    page = acme.get("/settings/administration/sso/").content.decode()
    assert SECRET not in page and "acme-corp.test" in page and "/login/sso/callback/" in page
    # another partner's admin sees their own (empty) configuration, not Acme's
    globex_page = console(world, "globex_admin").get("/settings/administration/sso/")
    assert globex_page.status_code == 200 and "acme-corp.test" not in globex_page.content.decode()
    # agents and customers may not
    for key in ("acme_l1", "acme_customer", "l2", "lead"):
        assert console(world, key).get("/settings/administration/sso/").status_code == 403
        assert console(world, key).post("/settings/administration/sso/", FORM).status_code == 403
    assert SsoConfig.objects.count() == 1
    # and the Django admin (any organisation's) is the vendor's admins' only
    for key in ("acme_admin", "globex_admin", "lead"):
        answer = console(world, key).get("/admin/identity/ssoconfig/")
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


@pytest.mark.django_db
def test_the_console_page_shows_a_refusal_beside_its_field(world):
    form = {**FORM, "role_map": "boss = partner_admin"}
    answer = console(world, "acme_admin").post("/settings/administration/sso/", form)
    assert answer.status_code == 422 and "not an allowed role" in answer.content.decode()


@pytest.mark.django_db
def test_the_vendors_admin_configures_the_vendor_in_the_console(world):
    form = {
        **FORM,
        "slug": "vendor",
        "allowed_roles": ["l2_agent", "admin"],
        "role_map": "support = l2_agent",
    }
    assert console(world, "admin").post("/settings/administration/sso/", form).status_code == 302
    assert SsoConfig.objects.get().organisation_id == world.vendor.pk


@pytest.mark.django_db
def test_the_django_admin_saves_through_the_service(world):
    client = console(world, "admin")
    form = {**FORM, "organisation": world.globex.pk, "slug": "globex", "role_map": "{}"}
    answer = client.post("/admin/identity/ssoconfig/add/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    config = SsoConfig.objects.get()
    assert config.organisation_id == world.globex.pk and config.client_secret == SECRET
    assert AuditEntry.objects.filter(kind=AuditKind.SSO_CONFIGURED).count() == 1
    change = client.get(f"/admin/identity/ssoconfig/{config.pk}/change/").content.decode()
    assert SECRET not in change
    # a change keeps the organisation and, with the secret left empty, the secret
    edited = {**form, "client_secret": "", "role_claim": "groups"}
    answer = client.post(f"/admin/identity/ssoconfig/{config.pk}/change/", edited)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    config.refresh_from_db()
    assert config.role_claim == "groups" and config.client_secret == SECRET
    bad = client.post(
        "/admin/identity/ssoconfig/add/",
        {**form, "organisation": world.acme.pk, "slug": "acme", "allowed_roles": ["admin"]},
    )
    assert bad.status_code == 200 and "cannot grant admin" in bad.content.decode()


# --- routing and the organisation's sign-in address -----------------------------------


@pytest.mark.django_db
def test_an_address_without_single_sign_on_is_told_to_use_its_password(world):
    save(world.actor("acme_admin"), enabled=False, domains=["acme-corp.test"])
    for email in ("someone@elsewhere.test", "someone@acme-corp.test"):
        answer = Client().post("/login/sso/", {"email": email})
        assert answer.status_code == 422
        assert "No single sign-on is set up" in answer.content.decode()


@pytest.mark.django_db
def test_the_organisation_sign_in_address_wears_its_brand(world):
    from tierdesk.accounts.models import Organisation

    Organisation.objects.filter(pk=world.acme.pk).update(primary_colour="#7a1f5c")
    save(world.actor("acme_admin"))
    page = Client().get("/login/acme/").content.decode()
    assert "Sign in to Acme Integrations" in page and "--brand: #7a1f5c" in page
    assert "/login/acme/start/" in page and 'name="password"' in page
    assert Client().get("/login/nobody/").status_code == 404


@pytest.mark.django_db
def test_the_email_form_leads_to_the_organisation_page_which_goes_on_at_once(world):
    save(world.actor("acme_admin"))
    answer = Client().post("/login/sso/", {"email": "Someone@ACME-corp.test", "next": "/x/"})
    assert answer.status_code == 303
    assert answer["Location"] == "/login/acme/?continue=1&next=%2Fx%2F"
    page = Client().get(answer["Location"]).content.decode()
    assert "data-auto-follow" in page and "tierdesk/sso.js" in page
    assert "/login/acme/start/?next=/x/" in page.replace("%2F", "/")
    # reached directly, the page waits for the person to choose
    assert "data-auto-follow" not in Client().get("/login/acme/").content.decode()


@pytest.mark.django_db
def test_an_unreachable_provider_is_said_so_and_audited(world):
    save(world.actor("acme_admin"), issuer="http://127.0.0.1:9/realms/none")
    answer = Client().get("/login/acme/start/")
    assert answer.status_code == 403 and "cannot be reached" in answer.content.decode()
    entry = AuditEntry.objects.get(kind=AuditKind.SSO_REFUSED)
    assert entry.detail["reason"] == "provider_unreachable"


# --- local passwords switched off ----------------------------------------------------


@pytest.fixture
def passwords_off(world):
    return save(world.actor("acme_admin"), passwords_enabled=False)


@pytest.mark.django_db
def test_passwords_off_refuses_every_password_of_the_organisation_alike(world, passwords_off):
    for email, password in [
        (world.user("acme_l1").email, PASSWORD),  # right password
        (world.user("acme_l1").email, "wrong"),  # wrong password
        ("nobody@acme-corp.test", "anything"),  # nobody, in the organisation's domain
    ]:
        answer = Client().post("/login/", {"username": email, "password": password})
        assert answer.status_code == 200
        assert PASSWORDS_OFF_MESSAGE in answer.content.decode()
        assert "_auth_user_id" not in answer.wsgi_request.session
    # every other door refuses the password too
    assert not Client().login(username=world.user("acme_l1").email, password=PASSWORD)
    # another organisation's people are not touched
    answer = Client().post(
        "/login/", {"username": world.user("globex_l1").email, "password": PASSWORD}
    )
    assert answer.status_code == 302


@pytest.mark.django_db
def test_passwords_off_sends_no_reset_mail(world, passwords_off):
    Client().post("/password-reset/", {"email": world.user("acme_l1").email})
    Client().post("/password-reset/", {"email": world.user("globex_l1").email})
    assert [m.to for m in mail.outbox] == [[world.user("globex_l1").email]]
