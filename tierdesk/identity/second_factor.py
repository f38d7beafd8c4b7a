"""The second factor: who needs one, and where a signed-in session stands.

At sign-in (Django's `user_logged_in`) the session is marked `verify` (the person has a
confirmed TOTP device: the next page asks for a code) or `enrol` (they need one and have
none: the next page is the enrolment), or not at all. A session signed in through single
sign-on is never marked: the organisation's identity provider does the second factor.
`SecondFactorMiddleware` reads only that mark, so pages cost no query for it. A policy
made stricter applies from the next sign-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tierdesk.accounts.models import Membership, User
from tierdesk.identity.models import IdentityPolicy, TotpDevice
from tierdesk.identity.sso.backends import SSO_BACKEND

SESSION_KEY = "identity_second_factor"
VERIFY, ENROL = "verify", "enrol"


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user: User) -> bool:
    """Admins, support leads and partner admins (TIERDESK_SECOND_FACTOR_ROLES) always;
    anyone who may use the Django admin (a superuser made by `createsuperuser` has no
    membership) always; everyone else when their organisation's policy says so."""
    if (user.is_staff or user.is_superuser) and settings.TIERDESK_SECOND_FACTOR_ROLES:
        return True
    membership = Membership.objects.filter(user=user).only("role", "organisation_id").first()
    if membership is None:
        return False
    if membership.role in settings.TIERDESK_SECOND_FACTOR_ROLES:
        return True
    return IdentityPolicy.objects.filter(
        organisation_id=membership.organisation_id, require_second_factor=True
    ).exists()


def pending_step(user: User) -> str | None:
    if has_second_factor(user):
        return VERIFY
    if second_factor_required(user):
        return ENROL
    return None


@receiver(user_logged_in, dispatch_uid="identity_second_factor_mark")
def _mark_session(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if getattr(user, "otp_device", None) is not None:
        return  # signed in through a second factor already
    if request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND:
        # Signed in through the organisation's identity provider, which does the MFA.
        request.session.pop(SESSION_KEY, None)
        return
    step = pending_step(user)
    if step is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = step
