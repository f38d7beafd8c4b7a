"""A ticket's history at L2 and L3 as sub-resources: handover attempts with their
checklists and bounce items, reproduction records, fixes and their verification. Staff
only, as in the console: a customer gets empty lists (the ticket itself stays 404 to
anyone who may not see it)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import READ_ERRORS, accepts, errors, request_actor
from tierdesk.tickets import access, services, workflow
from tierdesk.tickets.models import Fix, Handover, Reproduction
from tierdesk.tickets.schemas import FixOut, HandoverOut, ReproductionIn, ReproductionOut
from tierdesk.tickets.workflow import ReproductionDraft

router = Router(tags=["history"])


def _email(user) -> str | None:
    return user.email if user is not None else None


def reproduction_out(record: Reproduction) -> dict:
    evidence = [a.pk for a in record.evidence.all()]
    draft = ReproductionDraft(
        reproduced=record.reproduced,
        steps=record.steps,
        environment=record.environment,
        observed=record.observed,
        analysis=record.analysis,
        evidence_count=len(evidence),
        evidence_log_lines=record.evidence_log_lines,
    )
    return {
        "id": record.pk,
        "reproduced": record.reproduced,
        "steps": record.steps,
        "environment": record.environment,
        "observed": record.observed,
        "analysis": record.analysis,
        "evidence_attachment_ids": evidence,
        "evidence_log_lines": record.evidence_log_lines,
        "recorded_by": _email(record.recorded_by),
        "created_at": record.created_at,
        "escalation_missing": [m.as_dict() for m in workflow.reproduction_missing(draft)],
    }


def handover_out(h: Handover) -> dict:
    return {
        "attempt": h.attempt,
        "handed_over_by": _email(h.handed_over_by),
        "handed_over_at": h.created_at,
        "checklist": h.checklist or {},
        "outcome": h.outcome,
        "decided_by": _email(h.decided_by),
        "decided_at": h.decided_at,
        "bounced_items": list(h.bounced_items or []),
        "bounce_note": h.bounce_note,
    }


def fix_out(f: Fix) -> dict:
    return {
        "id": f.pk,
        "reference": f.reference,
        "release": f.release,
        "notes": f.notes,
        "delivered_by": _email(f.delivered_by),
        "delivered_at": f.created_at,
        "verification": f.verification,
        "verified_by": _email(f.verified_by),
        "verified_at": f.verified_at,
        "verification_notes": f.verification_notes,
    }


@router.get(
    "/tickets/{ticket_id}/handovers",
    response={200: list[HandoverOut], **READ_ERRORS},
    summary="Handover attempts L1 → L2, oldest first, with checklists and bounce items",
    operation_id="handover_list",
)
def list_handovers(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    rows = access.visible_handovers(actor, ticket).select_related("handed_over_by", "decided_by")
    return [handover_out(h) for h in rows.order_by("attempt")]


@router.get(
    "/tickets/{ticket_id}/reproductions",
    response={200: list[ReproductionOut], **READ_ERRORS},
    summary="L2's reproduction records, oldest first (the newest one counts for escalation)",
    operation_id="reproduction_list",
)
def list_reproductions(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    rows = (
        access.visible_reproductions(actor, ticket)
        .select_related("recorded_by")
        .prefetch_related("evidence")
        .order_by("created_at", "pk")
    )
    return [reproduction_out(r) for r in rows]


@router.post(
    "/tickets/{ticket_id}/reproduction",
    response={201: ReproductionOut, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
    summary="Record L2's reproduction (what escalation to L3 needs)",
    operation_id="reproduction_create",
)
@decorate_view(accepts("application/json"))
def record_reproduction(request: HttpRequest, ticket_id: int, payload: ReproductionIn):
    record = services.reproduction_record(
        actor=request_actor(request), ticket_id=ticket_id, **payload.model_dump()
    )
    return Status(201, reproduction_out(record))


@router.get(
    "/tickets/{ticket_id}/fixes",
    response={200: list[FixOut], **READ_ERRORS},
    summary="Fixes L3 delivered and L2's verification of each, oldest first",
    operation_id="fix_list",
)
def list_fixes(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    rows = access.visible_fixes(actor, ticket).select_related("delivered_by", "verified_by")
    return [fix_out(f) for f in rows.order_by("created_at", "pk")]
