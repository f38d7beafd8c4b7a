"""Reads with meaning: the facts the gates need, timelines, queues."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Membership, Organisation, Role
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.directory.models import Contract, Flow, Workspace
from tierdesk.tickets import workflow
from tierdesk.tickets.access import (
    recorded,
    refused,
    visible_attachments,
    visible_events,
    visible_messages,
    visible_tickets,
)
from tierdesk.tickets.models import OPEN_STATUSES, AttachmentKind, Reproduction, Status, Ticket
from tierdesk.tickets.sniff import is_image_type, is_text_type
from tierdesk.tickets.workflow import DirectoryFacts, HandoverDraft, ReproductionDraft

IN_PROGRESS, WAITING = Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER

_DRAFT_FIELDS = (
    "contract_id",
    "workspace_id",
    "flow_id",
    "no_flow_reason",
    "occurred_at",
    "occurred_until",
    "description",
    "expected_behaviour",
    "actual_behaviour",
    "pasted_log",
    "no_logs_reason",
    "steps_to_reproduce",
    "reproducibility",
    "context",
    "is_blocker",
    "blocker_impact",
    "needed_by",
    "check_connectivity",
    "check_credentials",
)


def directory_facts(*, contract_id: str, workspace_id: str, flow_id: str) -> DirectoryFacts:
    """What the directory knows of these IDs (at most three indexed look-ups)."""
    contract = (
        Contract.objects.filter(platform_id=contract_id)
        .values("partner_id", "partner__name")
        .first()
        if contract_id
        else None
    )
    workspace = (
        Workspace.objects.filter(platform_id=workspace_id)
        .values_list("contract__platform_id", flat=True)
        .first()
        if workspace_id
        else None
    )
    flow = (
        Flow.objects.filter(platform_id=flow_id)
        .values_list("workspace__platform_id", flat=True)
        .first()
        if flow_id
        else None
    )
    return DirectoryFacts(
        contract_partner_id=contract["partner_id"] if contract else None,
        contract_partner_name=contract["partner__name"] if contract else "",
        workspace_contract_id=workspace,
        flow_workspace_id=flow,
    )


def attachment_counts(ticket: Ticket | None) -> tuple[int, int]:
    """(text logs, screenshots) attached to the ticket."""
    if ticket is None or ticket.pk is None:
        return 0, 0
    text_logs = screenshots = 0
    rows = (
        ticket.attachments.values("kind", "content_type")
        .annotate(n=Count("pk"))
        .filter(Q(kind=AttachmentKind.LOG) | Q(kind=AttachmentKind.SCREENSHOT))
    )
    for row in rows:
        if row["kind"] == AttachmentKind.LOG and is_text_type(row["content_type"]):
            text_logs += row["n"]
        elif row["kind"] == AttachmentKind.SCREENSHOT and is_image_type(row["content_type"]):
            screenshots += row["n"]
    return text_logs, screenshots


_CHECK_FIELDS = ("check_connectivity", "check_credentials")


def handover_draft(
    ticket: Ticket,
    overrides: Mapping[str, Any] | None = None,
    *,
    typist: Actor | None = None,
) -> HandoverDraft:
    """The handover items of a saved ticket, with unsaved form values laid over them.
    The L1 checks count only when an L1 agent noted them: as saved, the ticket records
    who did (`l1_checks_by`); as typed (checks in `overrides` that differ), the `typist`
    must be L1 staff."""
    values = {name: getattr(ticket, name) for name in _DRAFT_FIELDS}
    typed = {k: v for k, v in (overrides or {}).items() if k in _DRAFT_FIELDS}
    values.update(typed)
    retyped = any(k in typed and typed[k] != getattr(ticket, k) for k in _CHECK_FIELDS)
    if retyped:
        checks_by_l1 = typist is not None and typist.level == 1
    else:
        checks_by_l1 = ticket.l1_checks_by_id is not None
    text_logs, screenshots = attachment_counts(ticket)
    return HandoverDraft(
        partner_id=ticket.partner_id,
        text_logs=text_logs,
        screenshots=screenshots,
        checks_by_l1=checks_by_l1,
        directory=directory_facts(
            contract_id=values["contract_id"] or "",
            workspace_id=values["workspace_id"] or "",
            flow_id=values["flow_id"] or "",
        ),
        **{k: ("" if v is None and k not in _NULLABLE else v) for k, v in values.items()},
    )


_NULLABLE = {"occurred_at", "occurred_until", "is_blocker", "needed_by"}


def latest_reproduction(ticket: Ticket) -> Reproduction | None:
    return ticket.reproductions.order_by("-created_at", "-pk").first()


def reproduction_draft(ticket: Ticket) -> ReproductionDraft | None:
    record = latest_reproduction(ticket)
    if record is None:
        return None
    return ReproductionDraft(
        reproduced=record.reproduced,
        steps=record.steps,
        environment=record.environment,
        observed=record.observed,
        analysis=record.analysis,
        evidence_count=record.evidence.count(),
        evidence_log_lines=record.evidence_log_lines,
    )


def handover_check(
    ticket: Ticket,
    overrides: Mapping[str, Any] | None = None,
    *,
    typist: Actor | None = None,
) -> dict[str, Any]:
    """`{"complete", "missing", "recommendations"}` for the ticket as it stands now (with
    unsaved form values, typed by `typist`, laid over it): the live checklist and the
    API's handover-check."""
    draft = handover_draft(ticket, overrides, typist=typist)
    missing = workflow.handover_missing(draft, clock.now())
    return {
        "complete": not missing,
        "missing": [m.as_dict() for m in missing],
        "recommendations": [m.as_dict() for m in workflow.handover_recommendations(draft)],
    }


# ---------------------------------------------------------------------------------------
# Queues: which tickets each role works, counted in one query, paged by deadline
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Queue:
    key: str
    label: Any  # a lazy translation
    group: Any
    condition: Callable[[Actor], Q]


# The SLA app keeps the nearest deadline of either kind (its clocks and the customer's
# latest acceptable time) in next_deadline, and flags tickets at risk; without it the
# queues order by the customer's latest acceptable time and call "at risk" what is due
# within a day.
_TICKET_FIELDS = {f.name for f in Ticket._meta.local_fields}
HAS_SLA = "next_deadline" in _TICKET_FIELDS
DEADLINE = "next_deadline" if HAS_SLA else "needed_by"


def _at_risk(actor: Actor) -> Q:
    if HAS_SLA:
        return _OPEN & (Q(sla_at_risk=True) | Q(sla_breached=True))
    return _OPEN & Q(needed_by__lte=clock.now() + timedelta(days=1))


def _mine(actor: Actor) -> Q:
    return Q(assignee_id=actor.user_id)


_OPEN = Q(status__in=OPEN_STATUSES)
# A new ticket assigned to someone is theirs to take; one handed back waits for anyone.
MINE = (Status.NEW, IN_PROGRESS)
_UNASSIGNED = Q(status__in=(IN_PROGRESS, WAITING, Status.VERIFYING), assignee__isnull=True)
G_L1, G_L2, G_L3, G_ALL = _("Level 1"), _("Level 2"), _("Level 3"), _("Overview")
QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        Queue("l1_new", _("New"), G_L1, lambda a: Q(level=1, status=Status.NEW)),
        Queue("l1_in_progress", _("In progress"), G_L1, lambda a: Q(level=1, status=IN_PROGRESS)),
        Queue("l1_waiting", _("Waiting on customer"), G_L1, lambda a: Q(level=1, status=WAITING)),
        Queue("l2_intake", _("Intake: handed over"), G_L2, lambda a: Q(level=2, status=Status.NEW)),
        Queue("l2_mine", _("Mine"), G_L2, lambda a: Q(level=2, status__in=MINE) & _mine(a)),
        Queue("l2_unassigned", _("Unassigned"), G_L2, lambda a: Q(level=2) & _UNASSIGNED),
        Queue("l2_waiting", _("Waiting on customer"), G_L2,
              lambda a: Q(level=2, status=WAITING) & _mine(a)),
        Queue("l2_verifying", _("Fixes to verify"), G_L2,
              lambda a: Q(level=2, status=Status.VERIFYING) & _mine(a)),
        Queue("l3_intake", _("Intake: escalated"), G_L3, lambda a: Q(level=3, status=Status.NEW)),
        Queue("l3_mine", _("Mine"), G_L3, lambda a: Q(level=3, status__in=MINE) & _mine(a)),
        Queue("l3_unassigned", _("Unassigned"), G_L3, lambda a: Q(level=3) & _UNASSIGNED),
        Queue("at_risk", _("At risk"), G_ALL, _at_risk),
        Queue("all", _("Everything I can see"), G_ALL, lambda a: Q()),
    )
}  # fmt: skip
_QUEUES_OF_ROLE = {
    Role.L1_AGENT: ("l1_new", "l1_in_progress", "l1_waiting"),
    Role.PARTNER_ADMIN: ("l1_new", "l1_in_progress", "l1_waiting"),
    Role.L2_AGENT: ("l2_intake", "l2_mine", "l2_waiting", "l2_verifying", "l2_unassigned"),
    Role.SUPPORT_LEAD: (
        "l2_intake",
        "l2_mine",
        "l2_waiting",
        "l2_verifying",
        "l2_unassigned",
        "l3_intake",
        "l3_unassigned",
    ),
    Role.L3_ENGINEER: ("l3_intake", "l3_mine", "l3_unassigned"),
    Role.ADMIN: ("l2_intake", "l3_intake"),
}


def queues_for(actor: Actor) -> list[Queue]:
    """The queues a person works, in navigation order (customers have none)."""
    if actor.is_customer:
        return []
    keys = (*_QUEUES_OF_ROLE.get(actor.role, ()), "at_risk", "all")
    return [QUEUES[k] for k in keys]


def default_queue(actor: Actor) -> str:
    queues = queues_for(actor)
    return queues[0].key if queues else "all"


def queue_counts(actor: Actor) -> dict[str, int]:
    """How many tickets each of the actor's queues holds: one aggregate query."""
    queues = queues_for(actor)
    if not queues:
        return {}
    return visible_tickets(actor).aggregate(
        **{q.key: Count("pk", filter=q.condition(actor)) for q in queues}
    )


def queue_nav(actor: Actor) -> list[dict[str, Any]]:
    """The navigation: groups of queues, each with its count."""
    counts = queue_counts(actor)
    groups: list[dict[str, Any]] = []
    for q in queues_for(actor):
        if not groups or groups[-1]["label"] != q.group:
            groups.append({"label": q.group, "queues": []})
        groups[-1]["queues"].append({"key": q.key, "label": q.label, "count": counts[q.key]})
    return groups


@dataclass(frozen=True)
class QueueFilters:
    partner: int | None = None
    contract: str = ""
    flow: str = ""
    blocker: bool | None = None
    priority: str = ""
    status: str = ""
    level: int | None = None
    q: str = ""
    order: str = "deadline"  # tickets.ordering.ORDERS


def _search(text: str) -> Q:
    text = text.strip()
    number = text.rsplit("-", 1)[-1]
    found = Q(title__icontains=text) | Q(description__icontains=text)
    if number.isdigit():
        found |= Q(number=int(number))
    if len(text) == 24:
        found |= Q(contract_id=text.lower()) | Q(flow_id=text.lower())
    return found


def queue_condition(actor: Actor, key: str, filters: QueueFilters) -> Q:
    """A queue with filters, as a condition on `visible_tickets(actor)` (NotFound: no queue)."""
    queue = QUEUES.get(key)
    if queue is None or (queue not in queues_for(actor) and key != "all"):
        raise NotFound("No such queue.")
    f = filters
    conditions = {  # (the queue pages and the saved views' counts)
        "partner_id": f.partner,
        "contract_id": f.contract.lower() or None,
        "flow_id": f.flow.lower() or None,
        "is_blocker": f.blocker,
        "priority": f.priority or None,
        "status": f.status or None,
        "level": f.level,
    }
    where = queue.condition(actor) & Q(**{k: v for k, v in conditions.items() if v is not None})
    return where & _search(f.q) if f.q.strip() else where


def queue_tickets(actor: Actor, key: str, filters: QueueFilters) -> QuerySet[Ticket]:
    """The tickets of one queue with the filters applied (unknown queue: NotFound)."""
    tickets = visible_tickets(actor).filter(queue_condition(actor, key, filters))
    return tickets.select_related("partner", "assignee")


def _cursor(ticket: Ticket) -> str:
    deadline = getattr(ticket, DEADLINE)
    stamp = deadline.isoformat() if deadline else ""
    return base64.urlsafe_b64encode(f"{stamp}|{ticket.pk}".encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[datetime | None, int] | None:
    try:
        stamp, _sep, pk = base64.urlsafe_b64decode(cursor + "==").decode().partition("|")
        moment = datetime.fromisoformat(stamp) if stamp else None
        if moment is not None and moment.tzinfo is None:
            return None
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def queue_page(
    tickets: QuerySet[Ticket], *, cursor: str = "", limit: int = 25
) -> tuple[list[Ticket], str | None]:
    """One page, nearest deadline first (SLA clocks and the customer's latest acceptable
    time), tickets without one after, oldest first. Keyset on (next_deadline, id): a page
    costs the same however deep it is. A cursor that does not parse starts over."""
    after = _uncursor(cursor) if cursor else None
    if after is not None:
        deadline, pk = after
        if deadline is None:
            tickets = tickets.filter(**{f"{DEADLINE}__isnull": True, "pk__gt": pk})
        else:
            tickets = tickets.filter(
                Q(**{f"{DEADLINE}__gt": deadline})
                | Q(**{DEADLINE: deadline, "pk__gt": pk})
                | Q(**{f"{DEADLINE}__isnull": True})
            )
    ordered = tickets.order_by(F(DEADLINE).asc(nulls_last=True), "pk")
    rows = list(ordered[: limit + 1])
    for row in rows:
        row.deadline = getattr(row, DEADLINE)
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], _cursor(rows[limit - 1])


def partner_choices(actor: Actor) -> list[tuple[int, str]]:
    """Partners to filter by, for those who see more than one."""
    if not actor.sees_all_partners and actor.role != Role.L3_ENGINEER:
        return []
    return [(o.pk, o.brand_name) for o in Organisation.objects.order_by("name")]


def partner_customers(org_id: int) -> list[tuple[str, str]]:
    """(email, name) of an organisation's customers, for the ticket form."""
    rows = Membership.objects.filter(organisation_id=org_id, role=Role.CUSTOMER)
    return list(rows.order_by("user__email").values_list("user__email", "user__full_name"))


# ---------------------------------------------------------------------------------------
# The ticket page
# ---------------------------------------------------------------------------------------
def ticket_for_page(actor: Actor, number: int) -> Ticket:
    """The ticket by its number if the actor may see it (NotFound otherwise), with the
    people the page names."""
    tickets = visible_tickets(actor).select_related(
        "partner", "assignee", "customer", "created_by", "handed_over_by", "escalated_by"
    )
    try:
        return recorded(actor, tickets.get(number=number))
    except (Ticket.DoesNotExist, ValueError, TypeError):
        refused(actor, "ticket number", number)
        raise NotFound("Ticket not found.") from None


def ticket_page(actor: Actor, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows, in a fixed number of queries however long the
    conversation: messages, attachments and, for staff, the timeline, the latest handover
    and reproduction (with the escalation gate as it stands) and the fixes."""
    page: dict[str, Any] = {
        "conversation": list(visible_messages(actor, ticket).select_related("author")),
        "attachments": list(visible_attachments(actor, ticket).select_related("uploaded_by")),
        "events": [],
        "handover": None,
        "reproduction": None,
        "escalation_missing": [],
        "fixes": [],
    }
    if actor.is_customer:
        return page
    page["events"] = list(visible_events(actor, ticket).select_related("actor"))
    page["handover"] = (
        ticket.handovers.select_related("handed_over_by", "decided_by").order_by("-attempt").first()
    )
    record = (
        ticket.reproductions.select_related("recorded_by")
        .prefetch_related("evidence")
        .order_by("-created_at", "-pk")
        .first()
    )
    page["reproduction"] = record
    draft = None
    if record is not None:
        draft = ReproductionDraft(
            reproduced=record.reproduced,
            steps=record.steps,
            environment=record.environment,
            observed=record.observed,
            analysis=record.analysis,
            evidence_count=len(record.evidence.all()),
            evidence_log_lines=record.evidence_log_lines,
        )
    page["escalation_missing"] = workflow.reproduction_missing(draft)
    page["fixes"] = list(ticket.fixes.select_related("delivered_by", "verified_by"))
    return page
