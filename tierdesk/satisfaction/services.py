"""Rating the help: from the signed link in the resolved mail (no sign-in, one use,
expiring) or in the portal. A low rating (`TIERDESK_LOW_RATING`) tells the support leads
through the notifications app (in the app and by mail, by each lead's preferences), and
staff may reopen the conversation from the ticket (`reopen_after_rating`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tierdesk.accounts.models import Membership, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden, InvalidInput, WrongState
from tierdesk.mail.outbound import dedup_key
from tierdesk.satisfaction.models import Rating, UsedRatingLink
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status, Ticket, TicketEvent

SALT = "tierdesk.satisfaction.rating-link"
COMMENT_MAX = 2000


def is_low(score: int) -> bool:
    """A score at or below `TIERDESK_LOW_RATING` (0: none is low)."""
    return score <= settings.TIERDESK_LOW_RATING


class LinkRefused(Forbidden):
    """A rating link that is forged, used already or expired."""


def _max_age() -> int:
    return settings.TIERDESK_RATING_LINK_DAYS * 86400


def link_token(*, ticket: Ticket, user: User) -> str:
    """A signed token naming the ticket, its resolution, the customer and when it was
    issued (the clock's time, so expiry follows the product's clock)."""
    payload = {
        "t": ticket.pk,
        "u": user.pk,
        "r": ticket.resolved_at.isoformat() if ticket.resolved_at else "",
        "at": int(clock.now().timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def link_url(*, ticket: Ticket, user: User) -> str:
    return f"{settings.TIERDESK_MAIL_BASE_URL}/rate/{link_token(ticket=ticket, user=user)}/"


@dataclass(frozen=True)
class LinkTarget:
    ticket: Ticket
    customer: User


def check_link(token: str) -> LinkTarget:
    """The ticket and customer a token is for; LinkRefused when forged, expired, used or
    no longer for this ticket's resolution."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise LinkRefused("This link has expired.") from None
    except signing.BadSignature:
        raise LinkRefused("This link is not valid.") from None
    if clock.now().timestamp() - int(payload.get("at", 0)) > _max_age():
        raise LinkRefused("This link has expired.")
    if UsedRatingLink.objects.filter(digest=_digest(token)).exists():
        raise LinkRefused("This link was used already.")
    ticket = get_ticket(SYSTEM, int(payload["t"]))
    customer = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    resolved = ticket.resolved_at.isoformat() if ticket.resolved_at else ""
    if customer is None or ticket.customer_id != customer.pk or resolved != payload.get("r"):
        raise LinkRefused("This link is not valid any more.")
    return LinkTarget(ticket=ticket, customer=customer)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def rating_from_link(*, token: str, score: object, comment: str = "") -> Rating:
    """Rate from the mail's link, without signing in; the link works once."""
    target = check_link(token)
    score, comment = _check(score, comment)
    try:
        with transaction.atomic():
            UsedRatingLink.objects.create(digest=_digest(token), used_at=clock.now())
    except IntegrityError:
        raise LinkRefused("This link was used already.") from None
    return _record(target.ticket, target.customer, score, comment)


@transaction.atomic
def rating_submit(*, actor: Actor, ticket_id: int, score: object, comment: str = "") -> Rating:
    """The customer rates their resolved ticket in the portal."""
    if not actor.is_customer or actor.user is None:
        raise Forbidden("Only the customer rates the help they got.")
    ticket = get_ticket(actor, ticket_id, for_update=True)
    if ticket.customer_id != actor.user_id:
        raise Forbidden("Only the customer who reported it rates it.")
    score, comment = _check(score, comment)
    return _record(ticket, actor.user, score, comment)


def _check(score: object, comment: str) -> tuple[int, str]:
    try:
        value = int(str(score))
    except (TypeError, ValueError):
        raise InvalidInput({"score": "must be a whole number from 1 to 5"}) from None
    if not 1 <= value <= 5:
        raise InvalidInput({"score": "must be a whole number from 1 to 5"})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX or "\x00" in comment:
        raise InvalidInput({"comment": f"must be at most {COMMENT_MAX} characters of text"})
    return value, comment


def _record(ticket: Ticket, customer: User, score: int, comment: str) -> Rating:
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        raise WrongState("Only a resolved ticket can be rated.")
    if Rating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).exists():
        raise WrongState("This resolution was rated already.")
    rating = Rating.objects.create(
        ticket=ticket,
        resolved_at=ticket.resolved_at,
        customer=customer,
        score=score,
        comment=comment,
        level=ticket.resolved_level,
        partner_id=ticket.partner_id,
        agent=ticket.resolved_by,
        created_at=clock.now(),
    )
    if is_low(score):
        _tell_leads(ticket, rating)
    return rating


def _tell_leads(ticket: Ticket, rating: Rating) -> None:
    """Each active support lead who may see the ticket: a notification and/or a mail, as
    they chose for "low_rating". The comment is quoted to them (staff) only."""
    from tierdesk.notifications.models import NotificationKind
    from tierdesk.notifications.services import tell_people

    leads = Membership.objects.filter(role=Role.SUPPORT_LEAD, user__is_active=True)
    users = [m.user for m in leads.select_related("user").order_by("user_id")]
    comment = " ".join(rating.comment.split())
    excerpt = f" “{comment[:120]}{'…' if len(comment) > 120 else ''}”" if comment else ""

    def text() -> str:
        return _("%(ref)s: the customer rated the help %(score)s of 5.") % {
            "ref": ticket.reference, "score": rating.score,
        } + excerpt  # fmt: skip

    tell_people(
        users=users,
        ticket=ticket,
        kind=NotificationKind.LOW_RATING,
        text=text,
        mail_text=f"the customer rated the help on this ticket {rating.score} of 5",
        mail_key=dedup_key("rating", rating.pk),
        quote=rating.comment,
    )


def reopen_offer(actor: Actor, ticket: Ticket) -> Rating | None:
    """The low rating of the ticket's current resolution, when `actor` (staff) may reopen
    the conversation over it: the ticket is resolved, within the reopen period, and the
    workflow lets the actor's role reopen."""
    from tierdesk.tickets.workflow import allowed_actions

    if actor.is_customer or ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    rating = Rating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()
    if rating is None or not is_low(rating.score):
        return None
    return rating if "reopen" in allowed_actions(actor, ticket) else None


@transaction.atomic
def reopen_after_rating(*, actor: Actor, ticket_id: int) -> Ticket:
    """Reopen the conversation after a low rating: the ticket goes back to in progress at
    the level that resolved it, with whoever resolved it (`tickets.services.ticket_reopen`,
    a `reopened` event whose reason names the score, never the customer's comment).
    Refused: Forbidden for customers, WrongState without a low rating of the current
    resolution; the workflow's own refusals (role, reopen period) as usual."""
    from tierdesk.tickets.services import ticket_reopen

    if actor.is_customer:
        raise Forbidden("Staff reopen the conversation after a rating.")
    ticket = get_ticket(actor, ticket_id, for_update=True)
    low = None
    if ticket.status == Status.RESOLVED and ticket.resolved_at is not None:
        low = Rating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()
    if low is None or not is_low(low.score):
        raise WrongState("This resolution has no low rating to answer.")
    reason = f"Reopened after the customer's rating of {low.score} of 5."
    return ticket_reopen(actor=actor, ticket_id=ticket.pk, reason=reason)


def resolved_mail_lines(kind: str, user: User, ticket: Ticket, event: TicketEvent) -> list[str]:
    """The rating link, in the resolved mail to the customer."""
    from tierdesk.mail.models import MailKind

    if kind != MailKind.RESOLVED or ticket.customer_id != user.pk:
        return []
    link = link_url(ticket=ticket, user=user)
    return [f"How did we do? Rate our help (no sign-in needed): {link}"]
