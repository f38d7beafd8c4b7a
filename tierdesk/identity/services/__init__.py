"""Every write of identity: `<entity>_<verb>(*, actor, …)`."""

from tierdesk.identity.services.second_factor import (
    recovery_codes_renew,
    second_factor_begin,
    second_factor_check,
    second_factor_confirm,
    second_factor_reset,
)
from tierdesk.identity.services.tokens import api_token_create, api_token_revoke

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "recovery_codes_renew",
    "second_factor_begin",
    "second_factor_check",
    "second_factor_confirm",
    "second_factor_reset",
]
