"""Mail that tells a person about their own authentication: a factor of theirs changed
(ASVS 2.5.5), a sign-in code of theirs was entered a second time (2.8.5), an API token of
theirs ends soon (2.3.3).

Each mail is an outbound mail row (`mail.outbound`) written in the caller's transaction,
so it exists exactly when the change does; the worker sends it. It wears the person's
brand (their partner's, else the vendor's) and speaks their language. It says what
changed, when (in the person's time zone), from which client address when the person
made the change themselves (an administrator's address is not handed on; their name is)
and what to do if it was not them. It never carries a secret: a token is named by its
name and prefix, never its value; no code, key or password is ever in it. An address
that opted out of notifications still gets these (`Draft.security`).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk.accounts.models import ApiToken, User
from tierdesk.core import clock

SECURITY_MAIL_KIND = "security_notice"
EXPIRY_MAIL_KIND = "token_expiring"


class Change(StrEnum):
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOTP_ENROLLED = "totp_enrolled"
    TOTP_REMOVED = "totp_removed"
    RECOVERY_RENEWED = "recovery_renewed"
    TOKEN_CREATED = "token_created"
    TOTP_REUSED = "totp_reused"


def _link(name: str) -> str:
    return settings.TIERDESK_MAIL_BASE_URL.rstrip("/") + reverse(name)


def _local(moment: datetime, user: User) -> str:
    try:
        zone = ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except Exception:
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _sender(person: User):
    from tierdesk.mail import outbound

    return outbound.sender_for(outbound.brand_org_for(person, None))


def _what(change: Change, *, brand: str, email: str, by: str) -> tuple[str, str]:
    """The subject and the sentence saying what happened (in the active language)."""
    names = {"brand": brand, "email": email, "who": by}
    if change == Change.PASSWORD_CHANGED:
        title = _("Your %(brand)s password was changed")
        line = _(
            "The password of your account %(email)s was changed, and every other session "
            "was signed out."
        )
    elif change == Change.PASSWORD_RESET:
        title = _("Your %(brand)s password was changed")
        line = _(
            "The password of your account %(email)s was set anew with a reset link mailed "
            "to this address, and every other session was signed out."
        )
    elif change == Change.TOTP_ENROLLED:
        title = _("A second factor was set up for your %(brand)s account")
        line = _(
            "An authenticator app was set up as the second factor of your account "
            "%(email)s, with new recovery codes."
        )
    elif change == Change.TOTP_REMOVED and by:
        title = _("The second factor of your %(brand)s account was reset")
        line = _(
            "%(who)s, an administrator, removed the authenticator app and the recovery "
            "codes of your account %(email)s. At your next sign-in you set up a second "
            "factor again if one is required of you."
        )
    elif change == Change.TOTP_REMOVED:
        title = _("The second factor of your %(brand)s account was removed")
        line = _(
            "The authenticator app and the recovery codes of your account %(email)s were "
            "removed: signing in asks for the password only, until a second factor is set "
            "up again."
        )
    elif change == Change.RECOVERY_RENEWED:
        title = _("New recovery codes for your %(brand)s account")
        line = _(
            "New recovery codes were made for your account %(email)s; the old ones no longer work."
        )
    elif change == Change.TOKEN_CREATED:
        title = _("A new API token for your %(brand)s account")
        line = _("A new API token was made for your account %(email)s. It acts as you.")
    else:  # Change.TOTP_REUSED
        title = _("A sign-in code of your %(brand)s account was entered twice")
        line = _(
            "A code from your authenticator app that had already been used to sign in to "
            "your account %(email)s was entered again, and refused."
        )
    return title % names, line % names


def _advice(change: Change) -> tuple[str, str, str]:
    """What to do if it was not them: a sentence, a link and its label."""
    if change == Change.TOKEN_CREATED:
        return (
            _(
                "If you did not ask for this token, revoke it on your API tokens page, "
                "change your password and tell your administrator."
            ),
            _link("identity:tokens"),
            _("Your API tokens"),
        )
    if change == Change.TOTP_REUSED:
        return (
            _(
                "If it was not you (a code typed twice), someone knows your password and "
                "saw a code: change your password at once, then tell your administrator."
            ),
            _link("password_reset"),
            _("Choose a new password"),
        )
    return (
        _(
            "If this was not you, choose a new password at once with the link below and "
            "tell your administrator."
        ),
        _link("password_reset"),
        _("Choose a new password"),
    )


def tell_factor_change(
    person: User,
    change: Change,
    *,
    address: str = "",
    by: User | None = None,
    token: ApiToken | None = None,
    key: str = "",
    now: datetime | None = None,
):
    """Write the mail telling `person` that `change` happened. `address` is the client
    address it came from (told only when the person made the change themselves, `by`
    None or them); `by`, an administrator who made it for them; `token`, the API token
    made. `key` makes a repeated trigger write one mail (default: every call writes
    one). Returns the mail row, or None when its key was written already."""
    from tierdesk.mail import outbound

    now = now or clock.now()
    sender = _sender(person)
    admin = by is not None and by.pk != person.pk
    with translation.override(person.language or "en"):
        title, line = _what(
            change, brand=sender.brand.name, email=person.email, by=str(by) if admin else ""
        )
        advice, link, label = _advice(change)
        facts = [(_("When"), _local(now, person))]
        if address and not admin:
            facts.append((_("From address"), address))
        if admin:
            facts.append((_("Made by"), str(by)))
        if token is not None:
            facts += _token_facts(token, person)
        draft = outbound.Draft(
            kind=SECURITY_MAIL_KIND,
            to_email=person.email,
            recipient=person,
            sender=sender,
            title=title,
            greeting=_("Hello %(name)s,") % {"name": person.full_name or person.email},
            lines=[line, advice],
            facts=facts,
            link=link,
            link_label=label,
            footer=_("A security notice: it goes out whenever your sign-in changes."),
            reply_hint=False,
            security=True,
        )
    key = key or outbound.dedup_key("security", person.pk, change, secrets.token_hex(8))
    return outbound.write(draft, key=key, now=now)


def _token_facts(token: ApiToken, person: User) -> list[tuple[str, str]]:
    facts = [
        (_("Token"), f"{token.name} ({token.prefix}…)"),
        (_("Scopes"), ", ".join(token.scopes)),
    ]
    if token.expires_at is not None:
        facts.append((_("Expires"), _local(token.expires_at, person)))
    return facts


def tell_token_expiring(token: ApiToken, *, now: datetime):
    """Write the mail telling a token's person it ends soon and how to renew it, once
    per token and expiry (its key). Returns the row, or None if it was written already."""
    from tierdesk.mail import outbound

    person = token.user
    sender = _sender(person)
    with translation.override(person.language or "en"):
        names = {
            "brand": sender.brand.name,
            "name": token.name,
            "prefix": token.prefix,
            "email": person.email,
            "when": _local(token.expires_at, person),
        }
        draft = outbound.Draft(
            kind=EXPIRY_MAIL_KIND,
            to_email=person.email,
            recipient=person,
            sender=sender,
            title=_("Your %(brand)s API token “%(name)s” expires on %(when)s") % names,
            greeting=_("Hello %(name)s,") % {"name": person.full_name or person.email},
            lines=[
                _(
                    "The API token “%(name)s” (beginning %(prefix)s) of your account "
                    "%(email)s stops working on %(when)s; after that every call made with "
                    "it is refused."
                )
                % names,
                _(
                    "To keep what uses it working, make a new token before then: on your "
                    "API tokens page (the link below) or with POST /api/v1/tokens, with the "
                    "scopes it needs. Put the new token where the old one is used, then "
                    "revoke the old one. A token cannot be extended."
                ),
                _("If you no longer need it, there is nothing to do: it simply ends."),
            ],
            facts=_token_facts(token, person),
            link=_link("identity:tokens"),
            link_label=_("Your API tokens"),
            reply_hint=False,
            security=True,
        )
    key = outbound.dedup_key(EXPIRY_MAIL_KIND, token.pk, token.expires_at.isoformat())
    return outbound.write(draft, key=key, now=now)
