"""Who may administer whom, and what a token may do — the one place it is decided.

| actor | administers |
|---|---|
| admin (of the vendor) | every person and every token |
| partner_admin (of a partner) | the people of their own organisation and their tokens |
| everyone else | themselves: their own tokens |

A token acts as its person, within its scopes (`required_scope`):

| request | scope |
|---|---|
| `GET`, `HEAD`, `OPTIONS` | `read` |
| any other method | `write` |
| under `/api/v1/` tokens, webhooks, people, automation | `admin` |

Another organisation's person or token answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import ApiToken, Organisation, OrgKind, Role, TokenScope, User
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.identity.models import Invitation

API_PREFIX = "/api/v1/"
# The API's administration resources: only a token with the admin scope reaches them.
ADMIN_RESOURCES = ("tokens", "webhooks", "people", "automation")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_scope(method: str, path: str) -> str:
    """The scope a bearer token needs for one API request."""
    rest = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path.lstrip("/")
    if rest.split("/", 1)[0] in ADMIN_RESOURCES:
        return TokenScope.ADMIN
    return TokenScope.READ if method.upper() in READ_METHODS else TokenScope.WRITE


def token_permit(record: ApiToken, *, method: str, path: str) -> None:
    """Raises Forbidden (`insufficient_scope`) when the token lacks the request's scope."""
    needed = required_scope(method, path)
    if needed not in (record.scopes or []):
        raise Forbidden(
            f"This token lacks the {needed} scope this request needs.", code="insufficient_scope"
        )


def may_administer(actor: Actor) -> bool:
    """Admins of the vendor and partner admins administer people, tokens and brands."""
    if actor.org_id is None:
        return False
    if actor.role == Role.PARTNER_ADMIN:
        return actor.org_kind == OrgKind.PARTNER
    return actor.role == Role.ADMIN and actor.is_vendor


def token_scopes_allowed(actor_or_role: Actor | str) -> list[str]:
    """The scopes a person's token may hold: admin only for people who administer."""
    role = actor_or_role if isinstance(actor_or_role, str) else actor_or_role.role
    if role in (Role.ADMIN, Role.PARTNER_ADMIN):
        return list(TokenScope.values)
    return [TokenScope.READ, TokenScope.WRITE]


def administered_people(actor: Actor) -> QuerySet[User]:
    """The people the actor administers; Forbidden for a role that administers none."""
    if not may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    people = User.objects.filter(membership__isnull=False)
    if actor.role == Role.PARTNER_ADMIN:
        people = people.filter(membership__organisation_id=actor.org_id)
    return people


def get_person(actor: Actor, user_id: int, *, for_update: bool = False) -> User:
    """One person the actor administers (or the actor themselves); 404 otherwise.
    `for_update`: their row stays locked until the transaction ends."""
    if actor.user is not None and user_id == actor.user.pk:
        if for_update:
            User.objects.select_for_update().filter(pk=user_id).exists()
        return actor.user
    if not may_administer(actor):
        raise NotFound("No such person.")
    people = administered_people(actor).select_related("membership")
    if for_update:
        people = people.select_for_update(of=("self",))
    person = people.filter(pk=user_id).first()
    if person is None:
        raise NotFound("No such person.")
    return person


def visible_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens, and those of the people they administer."""
    tokens = ApiToken.objects.select_related("user")
    if may_administer(actor):
        return tokens.filter(user__in=administered_people(actor))
    return tokens.filter(user_id=actor.user_id)


def get_token(actor: Actor, token_id: int) -> ApiToken:
    record = visible_tokens(actor).filter(pk=token_id).first()
    if record is None:
        raise NotFound("No such token.")
    return record


def visible_invitations(actor: Actor) -> QuerySet[Invitation]:
    """Open invitations into the organisations the actor administers."""
    if not may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    rows = Invitation.objects.filter(accepted_at__isnull=True).select_related("organisation")
    if actor.role == Role.PARTNER_ADMIN:
        rows = rows.filter(organisation_id=actor.org_id)
    return rows


def own_organisation(actor: Actor) -> Organisation:
    """The organisation whose brand the actor manages (their own)."""
    if not may_administer(actor):
        raise Forbidden("Only an admin or a partner admin manages the brand.")
    return Organisation.objects.get(pk=actor.org_id)
