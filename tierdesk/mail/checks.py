"""Deployment checks for mail (`tierdesk check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_inbound_authentication(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without a trusted MTA or DKIM checked here, no inbound mail is authenticated:
    every registered sender's mail waits in Held mail for review."""
    if settings.TIERDESK_MAIL_AUTHSERV_IDS or settings.TIERDESK_MAIL_DKIM_VERIFY:
        return []
    return [
        checks.Warning(
            "No inbound mail can be authenticated: mail from customers and staff is held "
            "for review.",
            hint="Set TIERDESK_MAIL_AUTHSERV_IDS to the authserv-id of the MTA that adds "
            "Authentication-Results (or TIERDESK_MAIL_DKIM_VERIFY=true); see docs/email.md.",
            id="tierdesk.mail.W001",
        )
    ]
