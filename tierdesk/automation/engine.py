"""Which tickets each rule acts on now (`due`), and acting (`apply`).

The dry run and the run share `due`: the run applies exactly what `due` returned at the
same moment, so a preview lists exactly the tickets the run then changes. A run happens
once per (rule, ticket, key): the key names the round (the n-th reminder of one wait, the
close of one resolution, the alert of one at-risk episode, the event that triggered).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from tierdesk.automation.models import Builtin, Rule, RuleRun, Trigger
from tierdesk.automation.rules import conditions_q
from tierdesk.core.actor import SYSTEM
from tierdesk.directory.models import Contract
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, Status, Ticket

# What a built-in rule does (its actions are the product's, not editable).
BUILTIN_ACTIONS: dict[str, list[dict[str, Any]]] = {
    Builtin.REMIND_WAITING: [{"type": "send_template", "step": "reminder"}],
    Builtin.RESOLVE_NO_REPLY: [{"type": "run_action", "action": "resolve_no_reply"}],
    Builtin.CLOSE_RESOLVED: [{"type": "run_action", "action": "close"}],
    Builtin.AT_RISK_UNASSIGNED: [{"type": "notify", "to": "leads"}],
}
BUILTIN_CONDITIONS: dict[str, list[dict[str, Any]]] = {
    Builtin.REMIND_WAITING: [{"field": "status", "op": "eq", "value": Status.WAITING_ON_CUSTOMER}],
    Builtin.RESOLVE_NO_REPLY: [
        {"field": "status", "op": "eq", "value": Status.WAITING_ON_CUSTOMER}
    ],
    Builtin.CLOSE_RESOLVED: [{"field": "status", "op": "eq", "value": Status.RESOLVED}],
    Builtin.AT_RISK_UNASSIGNED: [
        {"field": "sla_at_risk", "op": "eq", "value": True},
        {"field": "assigned", "op": "eq", "value": False},
    ],
}
PARTNER_L1_ONLY = frozenset({"set_priority", "assign"})
DEFAULT_PARAMS: dict[str, dict[str, int]] = {
    Builtin.REMIND_WAITING: {"business_days": 2, "reminders": 2},
    Builtin.RESOLVE_NO_REPLY: {"business_days": 2, "after_reminders": 2},
    Builtin.CLOSE_RESOLVED: {},
    Builtin.AT_RISK_UNASSIGNED: {},
}


@dataclass(frozen=True)
class Planned:
    rule_id: int
    rule_name: str
    builtin: str
    ticket_id: int
    number: int
    key: str
    actions: tuple[dict[str, Any], ...]
    why: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _plans_q(plans: list[str]) -> Q:
    known = Contract.objects.values("platform_id")
    q = Q(contract_id__in=Contract.objects.filter(plan__in=plans).values("platform_id"))
    if settings.TIERDESK_SLA_DEFAULT_PLAN in plans:  # tickets of no known contract
        q |= ~Q(contract_id__in=known)
    return q


def scope(rule: Rule) -> QuerySet[Ticket]:
    """The tickets a rule may touch: its partner's (or all), its plans', its conditions."""
    qs = visible_tickets(SYSTEM)
    if rule.partner_id:
        qs = qs.filter(partner_id=rule.partner_id)
        # A partner's rule changes priority and assignee only where its admins may: at L1.
        if any(step.get("type") in PARTNER_L1_ONLY for step in actions_of(rule)):
            qs = qs.filter(level=1)
    if rule.plans:
        qs = qs.filter(_plans_q(list(rule.plans)))
    return qs.filter(conditions_q(list(rule.conditions)))


def params_of(rule: Rule, plan: str | None = None) -> dict[str, Any]:
    """A built-in rule's parameters: the defaults, the rule's, then its plan's own
    (`params["by_plan"][plan]`)."""
    params = {k: v for k, v in (rule.params or {}).items() if k != "by_plan"}
    by_plan = (rule.params or {}).get("by_plan", {}).get(plan or "", {})
    return {**DEFAULT_PARAMS.get(rule.builtin, {}), **params, **by_plan}


def actions_of(rule: Rule) -> tuple[dict[str, Any], ...]:
    return tuple(BUILTIN_ACTIONS.get(rule.builtin) or rule.steps)


def _planned(
    rule: Rule, row: dict[str, Any], key: str, why: str = "", params: dict | None = None
) -> Planned:
    return Planned(
        rule_id=rule.pk,
        rule_name=rule.name,
        builtin=rule.builtin,
        ticket_id=row["pk"],
        number=row["number"],
        key=key,
        actions=actions_of(rule),
        why=why,
        params=params if params is not None else params_of(rule),
    )


# --- waiting on the customer: reminders and "no reply" --------------------------------
def _calendars(ticket_ids: list[int]) -> dict[int, Any]:
    """The business calendar of each ticket's SLA (its resolution clock's), as values;
    the default support hours for a ticket without clocks."""
    from tierdesk.sla import calendars
    from tierdesk.sla.models import Calendar, Clock, ClockKind
    from tierdesk.sla.selectors import calendar_by_code, work_calendar

    by_ticket = dict(
        Clock.objects.filter(ticket_id__in=ticket_ids, kind=ClockKind.RESOLUTION).values_list(
            "ticket_id", "calendar_id"
        )
    )
    rows = {c.pk: c for c in Calendar.objects.filter(pk__in=set(by_ticket.values()))}
    fallback = calendar_by_code(settings.TIERDESK_SLA_DEFAULT_CALENDAR)
    default = work_calendar(fallback) if fallback else calendars.support_hours()
    return {
        tid: work_calendar(rows[by_ticket[tid]]) if tid in by_ticket else default
        for tid in ticket_ids
    }


def _waiting(rule: Rule) -> list[dict[str, Any]]:
    """Tickets waiting on the customer in the rule's scope, with the question that started
    the wait (`asked_id`, `asked_at`), the reminders sent for it and the calendar."""
    plan = Contract.objects.filter(platform_id=OuterRef("contract_id")).values("plan")[:1]
    rows = list(
        scope(rule)
        .filter(status=Status.WAITING_ON_CUSTOMER)
        .annotate(
            plan=Coalesce(Subquery(plan), Value(settings.TIERDESK_SLA_DEFAULT_PLAN)),
            asked_id=Max("events__pk", filter=Q(events__kind=EventKind.ASKED_CUSTOMER)),
            asked_at=Max("events__created_at", filter=Q(events__kind=EventKind.ASKED_CUSTOMER)),
        )
        .filter(asked_id__isnull=False)
        .order_by("pk")
        .values("pk", "number", "asked_id", "asked_at", "plan")
    )
    if not rows:
        return []
    ids = [r["pk"] for r in rows]
    sent: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for tid, key, at in RuleRun.objects.filter(
        ticket_id__in=ids, builtin=Builtin.REMIND_WAITING, outcome="done"
    ).values_list("ticket_id", "key", "created_at"):
        sent[tid].append((key, at))
    cals = _calendars(ids)
    for row in rows:
        prefix = f"remind:{row['asked_id']}:"
        times = sorted(at for key, at in sent[row["pk"]] if key.startswith(prefix))
        row["reminders"] = len(times)
        row["last"] = times[-1] if times else row["asked_at"]
        row["calendar"] = cals[row["pk"]]
    return rows


def _due_reminders(rule: Rule, now: datetime) -> list[Planned]:
    from tierdesk.sla.calendars import add_working_days

    out = []
    for row in _waiting(rule):
        p = params_of(rule, row["plan"])
        if row["reminders"] >= p["reminders"]:
            continue
        if add_working_days(row["calendar"], row["last"], p["business_days"]) <= now:
            n = row["reminders"] + 1
            key = f"remind:{row['asked_id']}:{n}"
            out.append(_planned(rule, row, key, f"reminder {n}", p))
    return out


def _due_no_reply(rule: Rule, now: datetime) -> list[Planned]:
    from tierdesk.sla.calendars import add_working_days

    out = []
    for row in _waiting(rule):
        p = params_of(rule, row["plan"])
        if row["reminders"] < p["after_reminders"]:
            continue
        if add_working_days(row["calendar"], row["last"], p["business_days"]) <= now:
            out.append(_planned(rule, row, f"no_reply:{row['asked_id']}", "no reply", p))
    return out


# --- the other built-ins and the rules people write ------------------------------------
def _due_close(rule: Rule, now: datetime) -> list[Planned]:
    ended = now - timedelta(days=settings.TIERDESK_REOPEN_DAYS)
    rows = (
        scope(rule)
        .filter(status=Status.RESOLVED, resolved_at__isnull=False, resolved_at__lt=ended)
        .order_by("resolved_at", "pk")
        .values("pk", "number", "resolved_at")
    )
    return [_planned(rule, r, f"close:{r['resolved_at'].isoformat()}") for r in rows]


def _due_at_risk(rule: Rule, now: datetime) -> list[Planned]:
    rows = (
        scope(rule)
        .filter(status__in=OPEN_STATUSES, sla_at_risk=True, assignee__isnull=True)
        .order_by("next_deadline", "pk")
        .values("pk", "number", "next_deadline")
    )
    return [
        _planned(rule, r, f"at_risk:{r['next_deadline'].isoformat() if r['next_deadline'] else ''}")
        for r in rows
    ]


def _due_custom(rule: Rule, now: datetime) -> list[Planned]:
    # A scheduled rule of people's own acts once on each open ticket that matches.
    rows = scope(rule).filter(status__in=OPEN_STATUSES).order_by("pk").values("pk", "number")
    return [_planned(rule, r, "once") for r in rows]


_DUE = {
    Builtin.REMIND_WAITING: _due_reminders,
    Builtin.RESOLVE_NO_REPLY: _due_no_reply,
    Builtin.CLOSE_RESOLVED: _due_close,
    Builtin.AT_RISK_UNASSIGNED: _due_at_risk,
}


def due_for(rule: Rule, now: datetime) -> list[Planned]:
    """What one rule would do now, leaving out what it already did."""
    if rule.trigger == Trigger.EVENT:
        # An event rule acts when its event happens: the preview lists the open tickets
        # that match its conditions now.
        rows = scope(rule).filter(status__in=OPEN_STATUSES).order_by("pk").values("pk", "number")
        return [_planned(rule, r, "event") for r in rows]
    planned = _DUE.get(rule.builtin, _due_custom)(rule, now)
    if not planned:
        return []
    # Done or refused (a refusal is on record with its reason): not tried again.
    done = {
        (tid, key.removeprefix("refused:"))
        for tid, key in RuleRun.objects.filter(
            rule=rule, ticket_id__in=[p.ticket_id for p in planned]
        ).values_list("ticket_id", "key")
    }
    return [p for p in planned if (p.ticket_id, p.key) not in done]


BATCH = 500


def due(*, now: datetime, rules: list[Rule] | None = None, limit: int = BATCH) -> list[Planned]:
    """Everything the enabled scheduled rules would do now, in the rules' order, at most
    `limit` (the next run does the rest); a ticket is acted on by one rule per run (the
    first that wants it)."""
    if rules is None:
        rules = list(Rule.objects.filter(enabled=True, trigger=Trigger.SCHEDULE))
    seen: set[int] = set()
    out = []
    for rule in rules:
        for p in due_for(rule, now):
            if p.ticket_id not in seen:
                seen.add(p.ticket_id)
                out.append(p)
    return out[:limit]
