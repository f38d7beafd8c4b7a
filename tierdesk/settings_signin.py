"""Settings of signing in: backends, sign-in abuse, reset and token throttles, the second
factor, invitations. Star-imported by settings.py (kept apart for its length)."""

from __future__ import annotations

import os
from datetime import timedelta

from tierdesk.envvars import env_int, env_list

# Sign-in abuse (django-axes, attempts kept in the database so every web process sees
# them): an email address is locked after TIERDESK_SIGNIN_ACCOUNT_LIMIT failures, a
# client address after TIERDESK_SIGNIN_ADDRESS_LIMIT; a locked sign-in answers exactly
# like a wrong password, whether the account exists or not (accounts/throttle.py).
AUTHENTICATION_BACKENDS = [
    "tierdesk.accounts.throttle.SignInLockoutBackend",
    # Refuses the password of anyone whose organisation switched passwords off (SSO only).
    "tierdesk.identity.sso.backends.PasswordSwitchBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The backend of sessions signed in through single sign-on (identity/sso/).
    "tierdesk.identity.sso.backends.SsoBackend",
]
# Single sign-on (OpenID Connect, per organisation: identity/sso/): seconds to wait for
# the identity provider, and the clock skew allowed on the ID token's times.
TIERDESK_SSO_TIMEOUT = env_int("TIERDESK_SSO_TIMEOUT", 10)
TIERDESK_SSO_LEEWAY = env_int("TIERDESK_SSO_LEEWAY_SECONDS", 60)
TIERDESK_SIGNIN_ACCOUNT_LIMIT = env_int("TIERDESK_SIGNIN_ACCOUNT_LIMIT", 5)
TIERDESK_SIGNIN_ADDRESS_LIMIT = env_int("TIERDESK_SIGNIN_ADDRESS_LIMIT", 30)
AXES_ENABLED = True
AXES_HANDLER = "tierdesk.accounts.throttle.SignInAttempts"
AXES_FAILURE_LIMIT = TIERDESK_SIGNIN_ACCOUNT_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIERDESK_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "tierdesk.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "tierdesk.core.security.client_address"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in forms post the email as "username"
AXES_USERNAME_CALLABLE = "tierdesk.accounts.throttle.attempted_email"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = True
TIERDESK_RESET_EMAIL_LIMIT = env_int("TIERDESK_RESET_EMAIL_LIMIT", 3)
TIERDESK_RESET_ADDRESS_LIMIT = env_int("TIERDESK_RESET_ADDRESS_LIMIT", 10)
TIERDESK_RESET_WINDOW = timedelta(minutes=env_int("TIERDESK_RESET_WINDOW_MINUTES", 60))
# A reset link works once (it signs the password hash it changes) and for this long.
PASSWORD_RESET_TIMEOUT = 60 * env_int("TIERDESK_RESET_LINK_MINUTES", 60)
TIERDESK_TOKEN_FAILURE_LIMIT = env_int("TIERDESK_TOKEN_FAILURE_LIMIT", 20)
TIERDESK_TOKEN_WINDOW = timedelta(seconds=env_int("TIERDESK_TOKEN_WINDOW_SECONDS", 300))
# An expiring API token's person is mailed this many days before it ends (0: never).
TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS = env_int("TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS", 7)
# The second factor (identity/second_factor.py): roles that always need one; wrong codes
# a person may enter per window before every code is refused until the window passes.
TIERDESK_SECOND_FACTOR_ROLES = env_list(
    "TIERDESK_SECOND_FACTOR_ROLES", "admin,support_lead,partner_admin"
)
TIERDESK_OTP_FAILURE_LIMIT = env_int("TIERDESK_OTP_FAILURE_LIMIT", 5)
TIERDESK_OTP_WINDOW = timedelta(minutes=env_int("TIERDESK_OTP_WINDOW_MINUTES", 15))
TIERDESK_OTP_ISSUER = os.environ.get("TIERDESK_OTP_ISSUER", "Tierdesk")
TIERDESK_INVITATION_TTL = timedelta(days=env_int("TIERDESK_INVITATION_DAYS", 7))
