"""Reads with meaning: the facts the gates need, timelines, queues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q

from tierdesk.core import clock
from tierdesk.directory.models import Contract, Flow, Workspace
from tierdesk.tickets import workflow
from tierdesk.tickets.models import AttachmentKind, Reproduction, Ticket
from tierdesk.tickets.sniff import is_image_type, is_text_type
from tierdesk.tickets.workflow import DirectoryFacts, HandoverDraft, ReproductionDraft

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


def handover_draft(ticket: Ticket, overrides: Mapping[str, Any] | None = None) -> HandoverDraft:
    """The handover items of a saved ticket, with unsaved form values laid over them."""
    values = {name: getattr(ticket, name) for name in _DRAFT_FIELDS}
    values.update({k: v for k, v in (overrides or {}).items() if k in _DRAFT_FIELDS})
    text_logs, screenshots = attachment_counts(ticket)
    return HandoverDraft(
        partner_id=ticket.partner_id,
        text_logs=text_logs,
        screenshots=screenshots,
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


def handover_check(ticket: Ticket, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`{"complete", "missing", "recommendations"}` for the ticket as it stands now (with
    unsaved form values laid over it): the live checklist and the API's handover-check."""
    draft = handover_draft(ticket, overrides)
    missing = workflow.handover_missing(draft, clock.now())
    return {
        "complete": not missing,
        "missing": [m.as_dict() for m in missing],
        "recommendations": [m.as_dict() for m in workflow.handover_recommendations(draft)],
    }
