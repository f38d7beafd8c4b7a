"""Authentication backends of single sign-on.

* `PasswordSwitchBackend` sits before Django's ModelBackend: a password sign-in of
  someone whose organisation switched passwords off is refused there (PermissionDenied
  stops every later backend), so no surface — the sign-in page, the Django admin's, a
  password check — lets a password in.
* `SsoBackend` is the backend a single sign-on session is logged in with: it
  authenticates only the person the SSO callback hands it, and restores the session's
  person like ModelBackend. The second factor is skipped for such sessions
  (`identity/second_factor.py`): the identity provider does the person's MFA."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from tierdesk.identity.sso.policy import passwords_refused

SSO_BACKEND = "tierdesk.identity.sso.backends.SsoBackend"


class PasswordSwitchBackend:
    """Only `authenticate`: no `get_user`, so no session is ever restored through it
    (Django's test client picks the first backend that has one)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and password is not None and passwords_refused(username):
            raise PermissionDenied("passwords are off for this organisation")
        return None


class SsoBackend(ModelBackend):
    def authenticate(self, request, sso_user=None, **kwargs):
        if sso_user is not None and self.user_can_authenticate(sso_user):
            return sso_user
        return None
