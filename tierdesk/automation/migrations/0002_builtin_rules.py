"""The built-in rules, on by default: remind a waiting customer after 2 business days,
resolve as "no reply" after 2 reminders, close resolved tickets when the reopen period
ends, tell the leads when an at-risk ticket has no assignee."""

from django.db import migrations

BUILTINS = [
    # (builtin, name, position, conditions, actions, params)
    (
        "remind_waiting",
        "Remind a waiting customer after 2 business days",
        10,
        [{"field": "status", "op": "eq", "value": "waiting_on_customer"}],
        [{"type": "send_template", "step": "reminder"}],
        {"business_days": 2, "reminders": 2},
    ),
    (
        "resolve_no_reply",
        "Resolve as “no reply” 2 business days after the second reminder",
        20,
        [{"field": "status", "op": "eq", "value": "waiting_on_customer"}],
        [{"type": "run_action", "action": "resolve_no_reply"}],
        {"business_days": 2, "after_reminders": 2},
    ),
    (
        "close_resolved",
        "Close resolved tickets when the reopen period ends",
        30,
        [{"field": "status", "op": "eq", "value": "resolved"}],
        [{"type": "run_action", "action": "close"}],
        {},
    ),
    (
        "at_risk_unassigned",
        "Tell the leads when an at-risk ticket has no assignee",
        40,
        [
            {"field": "sla_at_risk", "op": "eq", "value": True},
            {"field": "assigned", "op": "eq", "value": False},
        ],
        [{"type": "notify", "to": "leads"}],
        {},
    ),
]


def add(apps, schema_editor):
    Rule = apps.get_model("automation", "Rule")
    for builtin, name, position, conditions, actions, params in BUILTINS:
        Rule.objects.get_or_create(
            builtin=builtin,
            partner=None,
            defaults={
                "name": name,
                "position": position,
                "conditions": conditions,
                "steps": actions,
                "params": params,
                "trigger": "schedule",
            },
        )


def remove(apps, schema_editor):
    apps.get_model("automation", "Rule").objects.exclude(builtin="").delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_rules")]
    operations = [migrations.RunPython(add, remove)]
