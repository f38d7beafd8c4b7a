"""Who hears of a ticket event, and as what. One entry per person (the most specific kind
wins), never the person who acted, only active staff; `services` then checks each one's
access to the ticket and their preferences.

| event | who | kind |
|---|---|---|
| assigned (by a lead, a partner admin, round robin) | the new assignee | assigned |
| returned to L2 | the assignee | assigned |
| the customer replied (or wrote) | the assignee; the partner's L1 agent | customer replied |
| bounced | the handing-over agent (the assignee) | bounced |
| fix delivered | the L2 assignee | fix delivered |
| fix failed | the L3 assignee | fix failed |
| reopened | the assignee; the partner's L1 agent | reopened |
| resolved, fix verified | the partner's L1 agent | resolved |
| internal note with `@name` | each person mentioned who may see the ticket | mentioned |
| anything | the ticket's followers | followed |

"The partner's L1 agent" is whoever handed the ticket over, else whoever opened it, when
that person is L1 staff of the ticket's partner: they are told when their customer
replies and when their ticket comes back or is resolved, at whatever level it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tierdesk.accounts.models import Role, User
from tierdesk.core.actor import SYSTEM
from tierdesk.notifications import mentions
from tierdesk.notifications.models import Follow, NotificationKind
from tierdesk.tickets import ui_text
from tierdesk.tickets.access import visible_messages
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

K = NotificationKind
STAFF_ROLES = frozenset(Role.values) - {Role.CUSTOMER}
EXCERPT = 160
# The events the partner's L1 agent hears of (the only ones that look them up).
PARTNER_AGENT_HEARS = frozenset(
    {
        EventKind.CUSTOMER_REPLIED,
        EventKind.MESSAGE_ADDED,
        EventKind.REOPENED,
        EventKind.RESOLVED,
        EventKind.FIX_VERIFIED,
    }
)


@dataclass(frozen=True)
class Planned:
    user: User
    kind: str
    text: str


def partner_agent(ticket: Ticket) -> User | None:
    """The L1 person of the ticket's partner who handed it over, else who opened it."""
    for user in (ticket.handed_over_by, ticket.created_by):
        membership = getattr(user, "membership", None) if user is not None else None
        if (
            membership is not None
            and membership.role in mentions.PARTNER_STAFF
            and membership.organisation_id == ticket.partner_id
        ):
            return user
    return None


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _message(event: TicketEvent) -> str:
    message_id = (event.data or {}).get("message_id")
    if not message_id:
        return ""
    body = visible_messages(SYSTEM, event.ticket).filter(pk=message_id).values_list("body")
    found = body.first()
    return found[0] if found else ""


def texts(event: TicketEvent, by: str) -> dict[str, str]:
    """What each kind says about this event (in the active language)."""
    ref = event.ticket.reference
    reason = f": {_excerpt(event.reason)}" if event.reason else ""
    return {
        K.ASSIGNED: (
            _("%(by)s assigned %(ref)s to you") % {"by": by, "ref": ref}
            if event.kind == EventKind.ASSIGNED
            else _("%(ref)s is yours again (%(what)s)")
            % {"ref": ref, "what": ui_text.label("event", event.kind)}
        )
        + reason,
        K.CUSTOMER_REPLIED: _("The customer replied on %(ref)s") % {"ref": ref},
        K.BOUNCED: _("%(ref)s bounced back to you") % {"ref": ref} + reason,
        K.FIX_DELIVERED: _("A fix for %(ref)s was delivered: verify it") % {"ref": ref},
        K.FIX_FAILED: _("The fix for %(ref)s failed verification") % {"ref": ref} + reason,
        K.REOPENED: _("%(ref)s was reopened") % {"ref": ref} + reason,
        K.RESOLVED: _("%(ref)s was resolved") % {"ref": ref},
        K.MENTIONED: _("%(by)s mentioned you on %(ref)s") % {"by": by, "ref": ref},
        K.AT_RISK: _("The customer's support access on %(ref)s ends soon (workspace %(ws)s)")
        % {"ref": ref, "ws": (event.data or {}).get("workspace_id", "")},
        K.FOLLOWED: _("%(ref)s: %(what)s by %(by)s")
        % {"ref": ref, "what": ui_text.label("event", event.kind), "by": by},
    }


def plan(event: TicketEvent) -> list[tuple[User, str]]:
    """(person, kind) for one event, before access and preferences."""
    ticket, kind, data = event.ticket, event.kind, event.data or {}
    assignee = ticket.assignee
    l1 = partner_agent(ticket) if kind in PARTNER_AGENT_HEARS else None
    wanted: list[tuple[User | None, str]] = []
    if kind == EventKind.ASSIGNED or kind == EventKind.RETURNED_TO_L2:
        wanted.append((assignee, K.ASSIGNED))
    elif kind == EventKind.CUSTOMER_REPLIED or (
        kind == EventKind.MESSAGE_ADDED and event.actor_role == Role.CUSTOMER
    ):
        wanted += [(assignee, K.CUSTOMER_REPLIED), (l1, K.CUSTOMER_REPLIED)]
    elif kind == EventKind.BOUNCED:
        wanted.append((assignee, K.BOUNCED))
    elif kind == EventKind.FIX_DELIVERED:
        wanted.append((assignee, K.FIX_DELIVERED))
    elif kind == EventKind.FIX_FAILED:
        wanted.append((assignee, K.FIX_FAILED))
    elif kind == EventKind.REOPENED:
        wanted += [(assignee, K.REOPENED), (l1, K.REOPENED)]
    elif kind == EventKind.RESOLVED or (kind == EventKind.FIX_VERIFIED and data.get("passed")):
        wanted.append((l1, K.RESOLVED))
    elif kind == EventKind.ACCESS_EXPIRING:
        wanted.append((assignee, K.AT_RISK))
    elif kind == EventKind.NOTE_ADDED:
        wanted += [(u, K.MENTIONED) for u in mentions.mentioned(ticket, _message(event))]
    followers = Follow.objects.filter(ticket=ticket).select_related("user__membership")
    wanted += [(f.user, K.FOLLOWED) for f in followers.order_by("pk")]
    seen: set[int] = set()
    out: list[tuple[User, str]] = []
    for user, which in wanted:
        if user is None or user.pk in seen or user.pk == event.actor_id or not user.is_active:
            continue
        membership = getattr(user, "membership", None)
        if membership is None or membership.role not in STAFF_ROLES:
            continue
        seen.add(user.pk)
        out.append((user, which))
    return out
