"""The API's shapes of automation rules and their dry run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tierdesk.automation.models import Builtin as BuiltinChoices
from tierdesk.automation.models import Trigger as TriggerChoices
from tierdesk.core.api_support import api_enum
from tierdesk.directory.api import SupportPlan
from tierdesk.tickets.api_enums import EventKind

MAX_POSITION = 1_000_000
RuleTrigger = api_enum("RuleTrigger", TriggerChoices, doc="When a rule runs.")
BuiltinRule = api_enum("BuiltinRule", BuiltinChoices, doc="Which built-in rule this is.")
RulePlan = SupportPlan

CONDITIONS_DOC = (
    "All must hold: {field, op, value}; field one of status, level, priority, incident, "
    "assigned, sla_at_risk, sla_breached, blocker; op eq, ne or in (a list)."
)
ACTIONS_DOC = (
    "In order, each through the ticket services: {type: notify, to: leads|assignee|"
    "partner_admins}, {type: set_priority, priority}, {type: assign, assignee_id}, "
    "{type: add_tag, tag}, {type: send_template, step: reminder|handed_over|escalated|"
    "fix_delivered}, {type: run_action, action: close|resolve_no_reply}."
)
PARAMS_DOC = (
    "Built-in rules only: business_days, reminders / after_reminders (1–30), and "
    "by_plan: {plan: {…}} for a plan of its own."
)

_EXAMPLE = {
    "name": "Urgent incidents to the lead",
    "trigger": "event",
    "event": "created",
    "conditions": [{"field": "incident", "op": "eq", "value": True}],
    "steps": [
        {"type": "set_priority", "priority": "urgent"},
        {"type": "add_tag", "tag": "incident"},
        {"type": "notify", "to": "leads"},
    ],
}


class RuleIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: str = Field(..., min_length=1, max_length=120)
    enabled: bool = True
    plans: list[RulePlan] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Support plans it applies to; empty: all."
    )
    trigger: RuleTrigger = Field(RuleTrigger("schedule"))  # type: ignore[valid-type]
    event: EventKind | None = Field(  # type: ignore[valid-type]
        None, description="The ticket event that triggers an event rule."
    )
    conditions: list[dict[str, Any]] = Field(default_factory=list, description=CONDITIONS_DOC)
    steps: list[dict[str, Any]] = Field(..., description=ACTIONS_DOC)
    position: int = Field(100, ge=0, le=MAX_POSITION, description="Rules run in this order.")
    partner_id: int | None = Field(
        None, description="The vendor's admin: only this partner's tickets (empty: all)."
    )


class RulePatch(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"enabled": False},
                {"params": {"business_days": 3, "by_plan": {"premium": {"business_days": 1}}}},
            ]
        },
    )

    name: str | None = Field(None, min_length=1, max_length=120)
    enabled: bool | None = None
    plans: list[RulePlan] | None = None  # type: ignore[valid-type]
    trigger: RuleTrigger | None = None  # type: ignore[valid-type]
    event: EventKind | None = None  # type: ignore[valid-type]
    conditions: list[dict[str, Any]] | None = Field(None, description=CONDITIONS_DOC)
    steps: list[dict[str, Any]] | None = Field(None, description=ACTIONS_DOC)
    params: dict[str, Any] | None = Field(None, description=PARAMS_DOC)
    position: int | None = Field(None, ge=0, le=MAX_POSITION)


class RuleOut(Schema):
    id: int
    name: str
    builtin: BuiltinRule | None = Field(  # type: ignore[valid-type]
        description="Set for the product's own rules (trigger, conditions, actions fixed)."
    )
    partner_id: int | None
    enabled: bool
    plans: list[RulePlan]  # type: ignore[valid-type]
    trigger: RuleTrigger  # type: ignore[valid-type]
    event: EventKind | None  # type: ignore[valid-type]
    conditions: list[dict[str, Any]]
    steps: list[dict[str, Any]] = Field(description=ACTIONS_DOC)
    params: dict[str, Any]
    position: int
    updated_at: datetime


class DryRunItem(Schema):
    rule_id: int
    rule: str
    ticket_id: int
    number: int
    what: str = Field(description="The round: reminder 2, no reply, close…")
    steps: list[dict[str, Any]]


class DryRunOut(Schema):
    at: datetime = Field(description="The moment of the preview.")
    items: list[DryRunItem] = Field(description="Exactly what a run at that moment does.")
