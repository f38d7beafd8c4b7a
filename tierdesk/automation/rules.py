"""The vocabulary of a rule, and its checks (pure: no database).

A condition is `{"field": …, "op": "eq" | "ne" | "in", "value": …}` over a ticket's
fields; an action (a step) is `{"type": …, …}`. `check_rule` returns every problem at once as
`{field: message}` (the API's 422 `fields`); `conditions_q` turns checked conditions into
one ORM filter, so the dry run and the run select the same tickets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from tierdesk.tickets.models import EventKind, Priority, Status

# field → (ORM lookup, kind of value, allowed values or None)
FIELDS: dict[str, tuple[str, str, tuple[Any, ...] | None]] = {
    "status": ("status", "text", tuple(Status.values)),
    "level": ("level", "int", (1, 2, 3)),
    "priority": ("priority", "text", tuple(Priority.values)),
    "incident": ("incident", "bool", None),
    "assigned": ("assignee__isnull", "bool", None),  # negated below
    "sla_at_risk": ("sla_at_risk", "bool", None),
    "sla_breached": ("sla_breached", "bool", None),
    "blocker": ("is_blocker", "bool", None),
}
OPS = ("eq", "ne", "in")

NOTIFY_TO = ("leads", "assignee", "partner_admins")
RUN_ACTIONS = ("close", "resolve_no_reply")  # the ticket moves a rule may make
TEMPLATE_STEPS = ("reminder", "handed_over", "escalated", "fix_delivered")
ACTION_TYPES = ("notify", "set_priority", "assign", "add_tag", "send_template", "run_action")
TRIGGER_EVENTS = tuple(EventKind.values)


def _value_ok(kind: str, allowed: tuple[Any, ...] | None, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        return False
    if kind == "text" and not isinstance(value, str):
        return False
    return allowed is None or value in allowed


def check_conditions(conditions: Any) -> dict[str, str]:
    if not isinstance(conditions, list):
        return {"conditions": "must be a list"}
    for i, c in enumerate(conditions):
        where = f"conditions[{i}]"
        if not isinstance(c, Mapping) or set(c) != {"field", "op", "value"}:
            return {where: "must be {field, op, value}"}
        if c["field"] not in FIELDS:
            return {where: f"field must be one of {', '.join(FIELDS)}"}
        if c["op"] not in OPS:
            return {where: f"op must be one of {', '.join(OPS)}"}
        _lookup, kind, allowed = FIELDS[c["field"]]
        values = c["value"] if c["op"] == "in" else [c["value"]]
        if c["op"] == "in" and (not isinstance(values, list) or not values):
            return {where: "value must be a non-empty list for 'in'"}
        if not all(_value_ok(kind, allowed, v) for v in values):
            hint = f"one of {', '.join(map(str, allowed))}" if allowed else f"a {kind}"
            return {where: f"value must be {hint}"}
    return {}


def check_actions(actions: Any) -> dict[str, str]:
    if not isinstance(actions, list) or not actions:
        return {"steps": "must be a non-empty list"}
    for i, a in enumerate(actions):
        where = f"steps[{i}]"
        if not isinstance(a, Mapping) or a.get("type") not in ACTION_TYPES:
            return {where: f"type must be one of {', '.join(ACTION_TYPES)}"}
        kind = a["type"]
        params = {k: v for k, v in a.items() if k != "type"}
        expected = {
            "notify": ("to", NOTIFY_TO),
            "set_priority": ("priority", tuple(Priority.values)),
            "assign": ("assignee_id", None),
            "add_tag": ("tag", None),
            "send_template": ("step", TEMPLATE_STEPS),
            "run_action": ("action", RUN_ACTIONS),
        }[kind]
        name, allowed = expected
        if set(params) != {name}:
            return {where: f"{kind} takes exactly '{name}'"}
        value = params[name]
        if allowed is not None and value not in allowed:
            return {where: f"{name} must be one of {', '.join(allowed)}"}
        if kind == "assign" and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31
        ):
            return {where: "assignee_id must be a person's id"}
        if kind == "add_tag" and not _is_tag(value):
            return {where: "tag must be 1–40 letters, digits, '-' or '_'"}
    return {}


def _is_tag(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 40
        and all(ch.isalnum() or ch in "-_" for ch in value)
    )


def check_trigger(trigger: str, event: str) -> dict[str, str]:
    if trigger not in ("schedule", "event"):
        return {"trigger": "must be 'schedule' or 'event'"}
    if trigger == "event" and event not in TRIGGER_EVENTS:
        return {"event": f"must be a ticket event kind ({', '.join(TRIGGER_EVENTS)})"}
    if trigger == "schedule" and event:
        return {"event": "only an event rule names an event"}
    return {}


def conditions_q(conditions: list[Mapping[str, Any]]) -> Q:
    """The checked conditions as one filter on tickets (all must hold)."""
    q = Q()
    for c in conditions:
        lookup, _kind, _allowed = FIELDS[c["field"]]
        values = list(c["value"]) if c["op"] == "in" else [c["value"]]
        if c["field"] == "assigned":  # "assigned = true" is "assignee is not null"
            values = [not v for v in values]
        if c["op"] == "in":
            one = Q(pk__in=[])
            for value in values:
                one |= Q(**{lookup: value})
            q &= one
        elif c["op"] == "eq":
            q &= Q(**{lookup: values[0]})
        else:
            q &= ~Q(**{lookup: values[0]})
    return q


def matches(conditions: list[Mapping[str, Any]], values: Mapping[str, Any]) -> bool:
    """The same conditions over a ticket's values (`ticket_values`), for event rules."""
    for c in conditions:
        have = values[c["field"]]
        want = c["value"]
        if c["op"] == "eq" and have != want:
            return False
        if c["op"] == "ne" and have == want:
            return False
        if c["op"] == "in" and have not in want:
            return False
    return True


def ticket_values(ticket: Any) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "level": ticket.level,
        "priority": ticket.priority,
        "incident": ticket.incident,
        "assigned": ticket.assignee_id is not None,
        "sla_at_risk": ticket.sla_at_risk,
        "sla_breached": ticket.sla_breached,
        "blocker": ticket.is_blocker,
    }
