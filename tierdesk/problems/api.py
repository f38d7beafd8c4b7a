"""Problem and ticket-link endpoints: parse → call a service or a selector → shape."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import accepts, errors, request_actor
from tierdesk.core.errors import InvalidInput
from tierdesk.problems import selectors, services
from tierdesk.problems.access import get_problem, ticket_problem
from tierdesk.problems.schemas import (
    ProblemDeliverFixIn,
    ProblemDetailOut,
    ProblemEscalateIn,
    ProblemFilters,
    ProblemIn,
    ProblemLinkIn,
    ProblemOut,
    ProblemPatchIn,
    ProblemReleaseIn,
    ProblemTicketOut,
    ProblemTrackerIn,
    ProblemTrackerRetryIn,
    ProblemVerifyFixIn,
    ProblemVersionIn,
    ProblemWorkaroundIn,
    TicketLinkIn,
    TicketLinkOut,
    TicketMergeIn,
    TrackerListOut,
)
from tierdesk.tickets.access import get_ticket

router = Router(tags=["problems"])
links_router = Router(tags=["ticket links"])
JSON = accepts("application/json")
WRITE = errors(400, 401, 403, 404, 409, 413, 415, 422)
WRITE_REFUSED = errors(400, 401, 403, 404, 409, 413, 415, 422, refused=True)
LIMIT = 200


def _detail(request: HttpRequest, problem_id: int) -> dict:
    actor = request_actor(request)
    return selectors.problem_detail(actor, get_problem(actor, problem_id))


def _ticket_rows(tickets) -> list[dict]:
    return [
        {
            "id": t.pk,
            "reference": t.reference,
            "title": t.title,
            "level": t.level,
            "status": t.status,
            "workaround_applied": False,
        }
        for t in tickets
    ]


@router.get(
    "/problems",
    response={200: list[ProblemOut], **errors(401, 403, 422)},
    summary="Problems you may see, newest first (at most 200)",
    operation_id="problem_list",
)
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]):
    actor = request_actor(request)
    rows = selectors.problem_queue(actor, status=filters.status, q=filters.q)[:LIMIT]
    return [selectors.problem_view(actor, p) for p in rows]


@router.post(
    "/problems",
    response={201: ProblemDetailOut, **WRITE},
    summary="Open a problem (L2, L3, leads)",
    operation_id="problem_create",
)
@decorate_view(JSON)
def create_problem(request: HttpRequest, payload: ProblemIn):
    fields = payload.model_dump(exclude_none=True, exclude={"ticket_id"})
    problem = services.problem_create(
        actor=request_actor(request), fields=fields, ticket_id=payload.ticket_id
    )
    return Status(201, _detail(request, problem.pk))


@router.post(
    "/problems/escalations",
    response={201: ProblemDetailOut, **WRITE_REFUSED},
    summary="Escalate a ticket to L3 onto a problem (named, its own, or a new one)",
    operation_id="problem_escalate",
)
@decorate_view(JSON)
def escalate(request: HttpRequest, payload: ProblemEscalateIn):
    fields = payload.model_dump(
        exclude_none=True,
        exclude={"ticket_id", "problem_id", "override_reason", "version"},
    )
    problem = services.problem_escalate(
        actor=request_actor(request),
        ticket_id=payload.ticket_id,
        problem_id=payload.problem_id,
        fields=fields,
        override_reason=payload.override_reason,
        version=payload.version,
    )
    return Status(201, _detail(request, problem.pk))


@router.get(
    "/problems/{problem_id}",
    response={200: ProblemDetailOut, **errors(401, 403, 404, 422)},
    summary="One problem, with its tickets you may see grouped by partner",
    operation_id="problem_get",
)
def get_one(request: HttpRequest, problem_id: int):
    return _detail(request, problem_id)


@router.patch(
    "/problems/{problem_id}",
    response={200: ProblemDetailOut, **WRITE},
    summary="Edit what a problem says",
    operation_id="problem_update",
)
@decorate_view(JSON)
def update(request: HttpRequest, problem_id: int, payload: ProblemPatchIn):
    fields = payload.model_dump(exclude_unset=True, exclude={"version"})
    for key in ("title", "public_summary", "workaround_public"):
        if key in fields and fields[key] is None:
            raise InvalidInput({key: "must not be null"})
    for key in ("internal_analysis", "workaround", "tracker_key", "tracker_url"):
        if key in fields and fields[key] is None:
            fields[key] = ""
    for key in ("components", "flow_ids"):
        if key in fields and fields[key] is None:
            fields[key] = []
    services.problem_update(
        actor=request_actor(request), problem_id=problem_id, fields=fields, version=payload.version
    )
    return _detail(request, problem_id)


@router.post(
    "/problems/{problem_id}/tickets",
    response={201: ProblemDetailOut, **WRITE},
    summary="Link a further ticket to the problem",
    operation_id="problem_link_ticket",
)
@decorate_view(JSON)
def link_ticket(request: HttpRequest, problem_id: int, payload: ProblemLinkIn):
    services.problem_link_ticket(
        actor=request_actor(request), problem_id=problem_id, ticket_id=payload.ticket_id
    )
    return Status(201, _detail(request, problem_id))


def _act(request: HttpRequest, problem_id: int, service, payload: Schema, shape=None):
    """A loop action's one body: the payload's fields go to the problem service as they
    are named (the schemas mirror the services' keywords), then the problem as the caller
    reads it — or `shape(result)` of what the service returned."""
    result = service(actor=request_actor(request), problem_id=problem_id, **payload.model_dump())
    return shape(result) if shape is not None else _detail(request, problem_id)


@router.post(
    "/problems/{problem_id}/actions/start_fix",
    response={200: ProblemDetailOut, **WRITE},
    summary="L3 takes the problem: fix in progress",
    operation_id="problem_start_fix",
)
@decorate_view(JSON)
def start_fix(request: HttpRequest, problem_id: int, payload: ProblemVersionIn):
    return _act(request, problem_id, services.problem_start_fix, payload)


@router.post(
    "/problems/{problem_id}/actions/deliver_fix",
    response={200: ProblemDetailOut, **WRITE_REFUSED},
    summary="Deliver a fix: every ticket waiting at L3 moves to verifying at L2",
    operation_id="problem_deliver_fix",
)
@decorate_view(JSON)
def deliver_fix(request: HttpRequest, problem_id: int, payload: ProblemDeliverFixIn):
    return _act(request, problem_id, services.problem_deliver_fix, payload)


@router.post(
    "/problems/{problem_id}/actions/verify_fix",
    response={200: list[ProblemTicketOut], **WRITE_REFUSED},
    summary="Verify the fix on one, some or all of the problem's tickets in verification",
    operation_id="problem_verify_fix",
)
@decorate_view(JSON)
def verify_fix(request: HttpRequest, problem_id: int, payload: ProblemVerifyFixIn):
    return _act(request, problem_id, services.problem_verify_fix, payload, shape=_ticket_rows)


@router.post(
    "/problems/{problem_id}/actions/apply_workaround",
    response={200: ProblemDetailOut, **WRITE_REFUSED},
    summary="Resolve one ticket with the workaround while the problem stays open",
    operation_id="problem_apply_workaround",
)
@decorate_view(JSON)
def apply_workaround(request: HttpRequest, problem_id: int, payload: ProblemWorkaroundIn):
    return _act(request, problem_id, services.problem_apply_workaround, payload)


@router.post(
    "/problems/{problem_id}/actions/release",
    response={200: ProblemDetailOut, **WRITE_REFUSED},
    summary="The fix shipped: customers resolved with the workaround are told",
    operation_id="problem_release",
)
@decorate_view(JSON)
def release(request: HttpRequest, problem_id: int, payload: ProblemReleaseIn):
    return _act(request, problem_id, services.problem_release, payload)


@router.post(
    "/problems/{problem_id}/actions/close",
    response={200: ProblemDetailOut, **WRITE},
    summary="Close the problem (refused while tickets wait for its fix)",
    operation_id="problem_close",
)
@decorate_view(JSON)
def close(request: HttpRequest, problem_id: int, payload: ProblemVersionIn):
    return _act(request, problem_id, services.problem_close, payload)


@router.post(
    "/problems/{problem_id}/actions/retry_tracker",
    response={200: ProblemDetailOut, **WRITE},
    summary="Try a failed call to the tracker again (one, or every failed one)",
    operation_id="problem_retry_tracker",
)
@decorate_view(JSON)
def retry_tracker(request: HttpRequest, problem_id: int, payload: ProblemTrackerRetryIn):
    return _act(request, problem_id, services.tracker_call_retry, payload)


@router.post(
    "/problems/{problem_id}/tracker",
    response={200: ProblemDetailOut, **WRITE},
    summary="Link the problem to a tracker issue, or have the issue created",
    operation_id="problem_tracker_link",
)
@decorate_view(JSON)
def tracker_link(request: HttpRequest, problem_id: int, payload: ProblemTrackerIn):
    services.problem_tracker_attach(
        actor=request_actor(request),
        problem_id=problem_id,
        tracker_id=payload.tracker_id,
        key=payload.key,
        version=payload.version,
    )
    return _detail(request, problem_id)


@router.get(
    "/trackers",
    response={200: list[TrackerListOut], **errors(401, 403)},
    summary="The engineering trackers problems can be linked to (vendor staff)",
    operation_id="tracker_list",
)
def list_trackers(request: HttpRequest):
    return [
        {"id": t.pk, "name": t.name, "kind": t.kind, "project": t.project}
        for t in selectors.active_trackers(request_actor(request))
    ]


# Ticket links, the merge, and the ticket's problem ------------------------------------


@links_router.get(
    "/tickets/{ticket_id}/problem",
    response={200: ProblemOut | None, **errors(401, 403, 404, 422)},
    summary="The ticket's problem as you may read it (null when it has none)",
    operation_id="ticket_problem_get",
)
def ticket_problem_get(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    problem = ticket_problem(actor, ticket_id)
    return selectors.problem_view(actor, problem) if problem else None


@links_router.get(
    "/tickets/{ticket_id}/links",
    response={200: list[TicketLinkOut], **errors(401, 403, 404, 422)},
    summary="The ticket's links to tickets you may see (none for customers)",
    operation_id="ticket_link_list",
)
def list_links(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    return selectors.link_rows(actor, get_ticket(actor, ticket_id))


@links_router.post(
    "/tickets/{ticket_id}/links",
    response={201: list[TicketLinkOut], **WRITE},
    summary="Link the ticket to another: relates to, duplicates",
    operation_id="ticket_link_create",
)
@decorate_view(JSON)
def create_link(request: HttpRequest, ticket_id: int, payload: TicketLinkIn):
    actor = request_actor(request)
    services.ticket_link_create(
        actor=actor, ticket_id=ticket_id, other_id=payload.other_id, kind=payload.kind
    )
    return Status(201, selectors.link_rows(actor, get_ticket(actor, ticket_id)))


@links_router.delete(
    "/tickets/{ticket_id}/links/{link_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Remove a relates/duplicates link",
    operation_id="ticket_link_delete",
)
def delete_link(request: HttpRequest, ticket_id: int, link_id: int):
    actor = request_actor(request)
    get_ticket(actor, ticket_id)
    services.ticket_link_delete(actor=actor, link_id=link_id)
    return Status(204, None)


@links_router.post(
    "/tickets/{ticket_id}/merge",
    response={200: list[TicketLinkOut], **WRITE_REFUSED},
    summary="Merge this duplicate into its original (same partner only)",
    operation_id="ticket_merge",
)
@decorate_view(JSON)
def merge(request: HttpRequest, ticket_id: int, payload: TicketMergeIn):
    actor = request_actor(request)
    services.ticket_merge_into(
        actor=actor,
        ticket_id=ticket_id,
        into_id=payload.into_id,
        customer_message=payload.customer_message,
        version=payload.version,
    )
    return selectors.link_rows(actor, get_ticket(actor, ticket_id))
