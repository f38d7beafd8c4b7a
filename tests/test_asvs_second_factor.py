"""ASVS evidence for the second factor that the feature tests do not show on their own:
the admin site sits behind it, and a code has a lifetime."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp

from tests.test_identity_second_factor import PASSWORD, enrol, sign_in
from tierdesk.identity.models import TotpDevice

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]


def test_the_admin_site_asks_a_vendor_admin_for_the_second_factor(world):
    # given the vendor's admin, who has no authenticator yet, signed in with the password
    client = Client()
    sign_in(client, world.user("admin"))
    # when they open the admin site, they are sent to the enrolment first
    page = client.get("/admin/")
    assert page.status_code == 302 and page["Location"].startswith("/settings/second-factor/")
    # when they have enrolled and sign in again, the admin site waits for the code
    enrol(client)
    client.post("/logout/")
    client = Client()
    sign_in(client, world.user("admin"))
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 302 and page["Location"].startswith("/login/verify/")


def test_a_code_from_two_steps_ago_has_expired(world):
    # given an agent with an authenticator, signing in again
    client = Client()
    sign_in(client, world.user("acme_l1"))
    device, _ = enrol(client)
    client.post("/logout/")
    client = Client()
    sign_in(client, world.user("acme_l1"))
    # when they enter the code of 60 seconds ago (one step of tolerance, not two)
    stale = f"{totp(device.bin_key, t0=60):06d}"
    answer = client.post("/login/verify/", {"code": stale})
    # then it is refused and the session is still held at the second factor
    assert answer.status_code == 422
    assert client.get("/")["Location"].startswith("/login/verify/")
    # while the code of the coming step is accepted
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    fresh = f"{totp(device.bin_key, t0=-30):06d}"
    assert client.post("/login/verify/", {"code": fresh}).status_code == 302


def test_a_superuser_without_a_membership_must_enrol_before_the_admin_site(world):
    # given a superuser made with `createsuperuser` (no organisation, no role)
    from tierdesk.accounts.models import User

    root = User.objects.create_superuser(email="root@vendor.example", password=PASSWORD)
    client = Client()
    sign_in(client, root)
    # when they open the admin site, they are sent to the enrolment first
    page = client.get("/admin/")
    assert page.status_code == 302 and page["Location"].startswith("/settings/second-factor/")


def test_recovery_codes_carry_120_random_bits(world):
    # given a person who sets up their second factor
    client = Client()
    sign_in(client, world.user("acme_l1"))
    _device, codes = enrol(client)
    # then each of the ten codes is 24 base32 characters (120 bits), all different
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[A-Z2-7]{6}(-[A-Z2-7]{6}){3}", code) for code in codes), codes


def test_the_identity_audit_trail_cannot_be_deleted_in_the_admin(world, rf):
    from django.contrib import admin as django_admin

    from tierdesk.identity.models import AuditEntry

    # given the admin's page of the identity audit trail, as a superuser sees it
    request = rf.get("/admin/")
    request.user = world.user("admin")
    request.user.is_superuser = True
    model_admin = django_admin.site._registry[AuditEntry]
    # then nobody may add, change or delete an entry
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
