"""How the portal words what the process knows: statuses in the customer's terms (the
levels and verification are support's business) and who wrote a message."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierdesk.accounts.models import Role
from tierdesk.tickets.models import Status

L1_ROLES = (Role.L1_AGENT, Role.PARTNER_ADMIN)

register = template.Library()

# status -> (the customer's word, the badge's style)
CUSTOMER_STATUS = {
    Status.NEW: (gettext_lazy("Received"), "new"),
    Status.IN_PROGRESS: (gettext_lazy("In progress"), "in_progress"),
    Status.VERIFYING: (gettext_lazy("In progress"), "in_progress"),
    Status.WAITING_ON_CUSTOMER: (gettext_lazy("Waiting for your reply"), "waiting_on_customer"),
    Status.RESOLVED: (gettext_lazy("Resolved"), "resolved"),
    Status.CLOSED: (gettext_lazy("Closed"), "closed"),
}


@register.inclusion_tag("portal/_status.html")
def customer_status(status: str) -> dict:
    label, style = CUSTOMER_STATUS.get(status, (status, "new"))
    return {"label": label, "style": style}


@register.simple_tag(takes_context=True)
def author_label(context, message) -> str:
    """ "You" for the customer's own messages; the name of the L1 agent of the
    customer's own organisation (their partner's, or the vendor's for its direct
    customers) who talks with them; otherwise the brand's support team, so no customer
    learns which engineer (L2, L3) worked their ticket."""
    actor = context["actor"]
    author = message.author
    if author is None:
        return _("%(brand)s Support") % {"brand": context["brand"]["name"]}
    if author.pk == actor.user_id:
        return _("You")
    membership = getattr(author, "membership", None)
    if (
        membership is not None
        and membership.organisation_id == actor.org_id
        and membership.role in L1_ROLES
    ):
        return str(author)
    return _("%(brand)s Support") % {"brand": context["brand"]["name"]}
