"""The notifications app and mail.

The mail app already mails agents about their tickets (assigned, customer replied,
bounced, at risk…); `register()` gives it a filter so those mails follow each person's
"by mail" preference. For what the mail app does not send — mentions, news for the
partner's L1 agent, followed tickets — `send()` writes the mail row here, through the
mail app's outbound door, in the same transaction.
"""

from __future__ import annotations

from tierdesk.accounts.models import User
from tierdesk.mail import notifications as mail
from tierdesk.mail.models import MailKind
from tierdesk.mail.outbound import dedup_key, write
from tierdesk.notifications.models import NotificationKind
from tierdesk.tickets.models import EventKind, TicketEvent

K = NotificationKind

# The kind of preference behind each agent mail of the mail app (None: not governed).
_OF_EVENT = {
    EventKind.FIX_DELIVERED: K.FIX_DELIVERED,
    EventKind.FIX_FAILED: K.FIX_FAILED,
    EventKind.REOPENED: K.REOPENED,
}
_OF_MAIL = {
    MailKind.ASSIGNED: K.ASSIGNED,
    MailKind.CUSTOMER_REPLIED: K.CUSTOMER_REPLIED,
    MailKind.BOUNCED: K.BOUNCED,
    MailKind.AT_RISK: K.AT_RISK,
    MailKind.BREACHED: K.AT_RISK,
}


def preference_kind(mail_kind: str, event: TicketEvent | None) -> str | None:
    if mail_kind == MailKind.ASSIGNED and event is not None and event.kind in _OF_EVENT:
        return _OF_EVENT[event.kind]
    return _OF_MAIL.get(mail_kind)


def wants_mail(user: User, mail_kind: str, event: TicketEvent | None) -> bool:
    """The mail app's filter: does `user` want this agent mail?"""
    kind = preference_kind(mail_kind, event)
    if kind is None:
        return True
    from tierdesk.notifications.services import choices_of

    return choices_of([user.pk])[(user.pk, kind)][1]


def register() -> None:
    mail.add_recipient_filter(wants_mail)


def _mailed_by_the_mail_app(user: User, kind: str, event: TicketEvent) -> bool:
    """The mail app mails the assignee about these; the rest are ours to mail."""
    if kind in (K.MENTIONED, K.RESOLVED, K.FOLLOWED) or event.kind == EventKind.ACCESS_EXPIRING:
        return False
    if kind in (K.CUSTOMER_REPLIED, K.REOPENED):
        return event.ticket.assignee_id == user.pk
    return True


def send(*, user: User, kind: str, event: TicketEvent, text: str) -> None:
    """Write the mail of one notification the mail app does not send, in the caller's
    transaction (its key makes a replay harmless)."""
    if _mailed_by_the_mail_app(user, kind, event):
        return
    mail_kind = MailKind.MENTIONED if kind == K.MENTIONED else MailKind.NOTICE
    draft = mail.agent_draft(mail_kind, user, event.ticket, text=text)
    write(draft, key=dedup_key("nt", event.pk, kind, user.email), now=event.created_at)


def send_notice(*, user: User, ticket, text: str, quote: str, key: str) -> None:
    """The mail of a notification that tells of no ticket event (a low rating): a notice
    quoting `quote`, in the caller's transaction, written once per `key`."""
    draft = mail.agent_draft(MailKind.NOTICE, user, ticket, quote=quote, text=text)
    write(draft, key=dedup_key(key, user.email))
