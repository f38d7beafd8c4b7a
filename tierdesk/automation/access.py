"""Who reads and edits which automation rules — the one place it is decided.

| actor | rules |
|---|---|
| admin (of the vendor) | every rule: the vendor's (all partners) and each partner's |
| partner_admin | their own partner's rules only |
| everyone else | none (403 on the list, 404 on a rule) |

Another partner's rule answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import OrgKind, Role
from tierdesk.automation.models import Rule
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, NotFound


def may_edit_rules(actor: Actor) -> bool:
    if actor.is_system:
        return True
    if actor.role == Role.PARTNER_ADMIN:
        return actor.org_kind == OrgKind.PARTNER and actor.org_id is not None
    return actor.role == Role.ADMIN and actor.is_vendor


def check_editor(actor: Actor) -> None:
    if not may_edit_rules(actor):
        raise Forbidden("Only the vendor's admins and partner admins edit automations.")


def visible_rules(actor: Actor) -> QuerySet[Rule]:
    check_editor(actor)
    rules = Rule.objects.select_related("partner")
    if actor.is_system or actor.role == Role.ADMIN:
        return rules
    return rules.filter(partner_id=actor.org_id)


def get_rule(actor: Actor, rule_id: int, *, for_update: bool = False) -> Rule:
    rules = visible_rules(actor)
    if for_update:
        rules = rules.select_for_update(of=("self",))
    rule = rules.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("No such rule.")
    return rule
