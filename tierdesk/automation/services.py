"""Every write of the automation app: rules (create, update, delete, by vendor admins and
by partner admins for their own partner), and running them.

* `rules_run(now)` — the worker's job: every enabled scheduled rule, through the ticket
  services as the system (`actions.apply`); each run a `RuleRun` on the ticket.
* `rules_dry_run(now, rule)` — the same selection (`engine.due`) without acting: exactly
  the tickets `rules_run` at the same moment changes.
* `on_ticket_event(event)` — after a ticket event committed, the enabled event rules
  whose event it is and whose conditions the ticket meets act on it (never on the
  system's own events: a rule cannot trigger a rule).
* `close_after_reopen_period` — the built-in close rule alone (kept for callers of the
  first automation).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import Organisation, OrgKind, Role, User
from tierdesk.automation import engine, rules
from tierdesk.automation.access import check_editor, get_rule
from tierdesk.automation.actions import apply
from tierdesk.automation.models import Builtin, Rule, Trigger
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, InvalidInput
from tierdesk.directory.models import SupportPlan
from tierdesk.tickets.models import TicketEvent

log = logging.getLogger(__name__)
FIELDS = ("name", "enabled", "plans", "trigger", "event", "conditions", "steps", "params",
          "position", "partner_id")  # fmt: skip
FIXED_FOR_BUILTIN = ("trigger", "event", "conditions", "steps", "partner_id")
PARAM_RANGE = (1, 30)


# --- checks -------------------------------------------------------------------------------
def _check_params(builtin: str, params: Any) -> dict[str, str]:
    if not isinstance(params, dict):
        return {"params": "must be an object"}
    allowed = engine.DEFAULT_PARAMS.get(builtin)
    if allowed is None:
        return {"params": "only a built-in rule takes parameters"} if params else {}

    def check(values: dict[str, Any], where: str) -> dict[str, str]:
        for key, value in values.items():
            if key == "by_plan" and where == "params":
                if not isinstance(value, dict) or set(value) - set(SupportPlan.values):
                    return {"params": f"by_plan names plans ({', '.join(SupportPlan.values)})"}
                for plan, override in value.items():
                    found = check(override if isinstance(override, dict) else {"?": 0},
                                  f"params.by_plan.{plan}")  # fmt: skip
                    if found:
                        return found
                continue
            if key not in allowed:
                return {where: f"unknown parameter '{key}' (known: {', '.join(allowed)})"}
            lo, hi = PARAM_RANGE
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                return {where: f"{key} must be a whole number from {lo} to {hi}"}
        return {}

    return check(params, "params")


def _check(values: dict[str, Any], builtin: str) -> None:
    errors: dict[str, str] = {}
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors["name"] = "must be 1–120 characters"
    plans = values.get("plans")
    if not isinstance(plans, list) or any(p not in SupportPlan.values for p in plans):
        errors["plans"] = f"must be a list of plans ({', '.join(SupportPlan.values)})"
    if not isinstance(values.get("enabled"), bool):
        errors["enabled"] = "must be true or false"
    position = values.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 10**6:
        errors["position"] = "must be a whole number from 0 to 1000000"
    if not builtin:
        errors |= rules.check_trigger(values.get("trigger"), values.get("event") or "")
        errors |= rules.check_conditions(values.get("conditions"))
        errors |= rules.check_actions(values.get("steps"))
    errors |= _check_params(builtin, values.get("params"))
    if errors:
        raise InvalidInput(errors)


def _partner_for(actor: Actor, partner_id: Any) -> Organisation | None:
    """A partner admin's rules are their partner's; the vendor's admin picks (or none)."""
    if actor.role == Role.PARTNER_ADMIN:
        if partner_id not in (None, actor.org_id):
            raise InvalidInput({"partner_id": "a partner admin writes their own partner's rules"})
        return Organisation.objects.get(pk=actor.org_id)
    if partner_id is None:
        return None
    partner = Organisation.objects.filter(pk=partner_id, kind=OrgKind.PARTNER).first()
    if partner is None:
        raise InvalidInput({"partner_id": "no such partner"})
    return partner


def _check_assignees(steps: list[dict[str, Any]], partner: Organisation | None) -> None:
    """A partner's rule assigns only to that partner's own people (its L1)."""
    if partner is None:
        return
    for i, step in enumerate(steps):
        if isinstance(step, dict) and step.get("type") == "assign":
            ours = User.objects.filter(
                pk=step.get("assignee_id"), membership__organisation_id=partner.pk
            ).exists()
            if not ours:
                raise InvalidInput({f"steps[{i}]": "a partner's rule assigns to its own people"})


# --- rules --------------------------------------------------------------------------------
@transaction.atomic
def rule_create(*, actor: Actor, data: dict[str, Any]) -> Rule:
    """A rule of one's own (built-in rules ship with the product). Refuses: Forbidden
    (not an admin), InvalidInput naming each bad field."""
    check_editor(actor)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput({key: "is not a field of a rule" for key in unknown})
    values = {
        "enabled": True, "plans": [], "trigger": Trigger.SCHEDULE, "event": "",
        "conditions": [], "steps": [], "params": {}, "position": 100, **data,
    }  # fmt: skip
    values["event"] = values.get("event") or ""
    _check(values, "")
    partner = _partner_for(actor, values.pop("partner_id", None))
    _check_assignees(values["steps"], partner)
    return Rule.objects.create(**values, partner=partner, builtin="")


@transaction.atomic
def rule_update(*, actor: Actor, rule_id: int, changes: dict[str, Any]) -> Rule:
    """Change a rule. A built-in rule keeps its trigger, conditions and actions (422
    naming the field); its name, plans, parameters, order and on/off are the admin's."""
    rule = get_rule(actor, rule_id, for_update=True)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput({key: "is not a field of a rule" for key in unknown})
    if rule.builtin:
        fixed = sorted(set(changes) & set(FIXED_FOR_BUILTIN))
        if fixed:
            raise InvalidInput({key: "is fixed for a built-in rule" for key in fixed})
    values = {f: getattr(rule, f) for f in FIELDS}
    values.update(changes)
    values["event"] = values.get("event") or ""
    _check(values, rule.builtin)
    if "partner_id" in changes:
        rule.partner = _partner_for(actor, changes["partner_id"])
    _check_assignees(values["steps"], rule.partner)
    for key in FIELDS:
        if key != "partner_id":
            setattr(rule, key, values[key])
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor: Actor, rule_id: int) -> None:
    """Delete a rule of one's own; a built-in rule is turned off instead (409)."""
    rule = get_rule(actor, rule_id, for_update=True)
    if rule.builtin:
        raise Conflict("A built-in rule cannot be deleted; turn it off instead.",
                       code="builtin_rule")  # fmt: skip
    rule.delete()


# --- running ------------------------------------------------------------------------------
def rules_dry_run(
    *, now: datetime | None = None, rule: Rule | None = None, rules: list[Rule] | None = None
) -> list[engine.Planned]:
    """What the run would do now: of one rule, of some, or of every enabled scheduled
    rule. Changes nothing."""
    now = now or clock.now()
    return engine.due(now=now, rules=[rule] if rule is not None else rules)


def rules_run(*, now: datetime | None = None) -> list[engine.Planned]:
    """Run every enabled scheduled rule; returns what was done (changed tickets)."""
    now = now or clock.now()
    return [p for p in engine.due(now=now) if apply(p, now=now)]


def on_ticket_event(event: TicketEvent) -> int:
    """After commit: the event rules of this event's kind act on its ticket."""
    if event.actor_id is None:  # the system's own moves (an automation's among them)
        return 0
    found = list(Rule.objects.filter(enabled=True, trigger=Trigger.EVENT, event=event.kind))
    now = clock.now()
    acted = 0
    for rule in found:
        if not engine.scope(rule).filter(pk=event.ticket_id).exists():
            continue
        ticket = event.ticket
        p = engine.Planned(
            rule_id=rule.pk, rule_name=rule.name, builtin="", ticket_id=ticket.pk,
            number=ticket.number, key=f"event:{event.pk}", actions=engine.actions_of(rule),
            why=f"on {event.kind}",
        )  # fmt: skip
        acted += apply(p, now=now)
    return acted


def close_after_reopen_period(
    *, now: datetime | None = None, dry_run: bool = False, limit: int | None = None
) -> list[int]:
    """The built-in close rule alone: the numbers of the tickets it closes (would close)."""
    now = now or clock.now()
    rule = Rule.objects.filter(builtin=Builtin.CLOSE_RESOLVED, partner__isnull=True).first()
    if rule is None or not rule.enabled:
        return []
    planned = engine.due(now=now, rules=[rule], limit=limit or engine.BATCH)
    if dry_run:
        return [p.number for p in planned]
    return [p.number for p in planned if apply(p, now=now)]
