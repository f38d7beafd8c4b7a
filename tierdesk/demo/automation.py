"""The demo's automations: the built-in rules ship with the product (on, visible on the
console's Automations page); a partner admin's own rule shows what a partner writes."""

from __future__ import annotations

from tierdesk.automation.services import rule_create
from tierdesk.demo.story import Cast


def build_automation(cast: Cast) -> None:
    rule_create(
        actor=cast.actor("stefan"),
        data={
            "name": "Blockers at L1 are high priority",
            "conditions": [
                {"field": "blocker", "op": "eq", "value": True},
                {"field": "level", "op": "eq", "value": 1},
                {"field": "priority", "op": "in", "value": ["low", "normal"]},
            ],
            "steps": [
                {"type": "set_priority", "priority": "high"},
                {"type": "add_tag", "tag": "blocker"},
            ],
        },
    )
