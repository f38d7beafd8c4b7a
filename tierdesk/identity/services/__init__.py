"""Every write of identity: `<entity>_<verb>(*, actor, …)`."""

from tierdesk.identity.services.tokens import api_token_create, api_token_revoke

__all__ = ["api_token_create", "api_token_revoke"]
