"""ASVS evidence for the second factor that the feature tests do not show on their own:
the admin site sits behind it, and a code has a lifetime."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp

from tests.test_identity_second_factor import enrol, sign_in
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
