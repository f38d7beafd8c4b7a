"""Creating, editing and linking problems (escalating onto one: `services.escalation`)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, InvalidInput
from tierdesk.problems.access import get_problem, ticket_problem_link
from tierdesk.problems.models import (
    Problem,
    ProblemEventKind,
    ProblemStatus,
    ProblemTicket,
    Tracker,
)
from tierdesk.problems.services._common import (
    WORKERS,
    check_version,
    record,
    require_role,
)
from tierdesk.tickets.access import get_ticket, visible_reproductions

EDITABLE = (
    "title",
    "public_summary",
    "internal_analysis",
    "components",
    "flow_ids",
    "workaround",
    "workaround_public",
    "tracker_id",
    "tracker_key",
    "tracker_url",
)
TEXT_LIMITS = {"title": 200, "tracker_key": 100}


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Shape checks with the field named, so a bad value loses nothing."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidInput({key: "is not a field of a problem" for key in unknown})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("components", "flow_ids"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[key] = "must be a list of texts"
                continue
            clean[key] = [v.strip() for v in value if v.strip()]
        elif key == "workaround_public":
            if not isinstance(value, bool):
                errors[key] = "must be true or false"
                continue
            clean[key] = value
        elif key == "tracker_id":
            if value is not None and not Tracker.objects.filter(pk=value, active=True).exists():
                errors[key] = "must be the id of an active tracker, or null"
                continue
            clean[key] = value
        else:
            if not isinstance(value, str) or "\x00" in value:
                errors[key] = "must be text"
                continue
            value = value.strip()
            if key in TEXT_LIMITS and len(value) > TEXT_LIMITS[key]:
                errors[key] = f"must be at most {TEXT_LIMITS[key]} characters"
                continue
            clean[key] = value
    for required in ("title", "public_summary"):
        if required in clean and not clean[required]:
            errors[required] = "must not be empty"
    if errors:
        raise InvalidInput(errors)
    return clean


@transaction.atomic
def problem_create(
    *, actor: Actor, fields: dict[str, Any], ticket_id: int | None = None
) -> Problem:
    """A new problem (status investigating), optionally linking a first ticket whose latest
    reproduction it stands on and whose flow it affects."""
    require_role(actor, WORKERS, "open problems")
    values = _clean(fields)
    missing = {k: "is required" for k in ("title", "public_summary") if k not in values}
    if missing:
        raise InvalidInput(missing)
    now = clock.now()
    problem = Problem(created_by=actor.user, **values)
    try:
        with transaction.atomic():
            problem.save()
    except IntegrityError:
        raise Conflict("Another problem is linked to that tracker issue.") from None
    record(problem, actor, ProblemEventKind.CREATED, now)
    if ticket_id is not None:
        _link(problem, actor, ticket_id, now, adopt=True)
    return problem


@transaction.atomic
def problem_update(
    *, actor: Actor, problem_id: int, fields: dict[str, Any], version: int | None = None
) -> Problem:
    """Edit what the problem says. Status moves have their own services."""
    require_role(actor, WORKERS, "edit problems")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    values = _clean(fields)
    changed = sorted(k for k, v in values.items() if getattr(problem, k) != v)
    if not changed:
        return problem
    for key in changed:
        setattr(problem, key, values[key])
    problem.version += 1
    try:
        with transaction.atomic():
            problem.save()
    except IntegrityError:
        raise Conflict("Another problem is linked to that tracker issue.") from None
    kind = (
        ProblemEventKind.WORKAROUND_SET
        if set(changed) <= {"workaround", "workaround_public"}
        else ProblemEventKind.UPDATED
    )
    record(problem, actor, kind, clock.now(), data={"fields": changed})
    return problem


def _link(problem: Problem, actor: Actor, ticket_id: int, now, *, adopt: bool = False):
    ticket = get_ticket(actor, ticket_id, for_update=True)
    existing = ticket_problem_link(ticket)
    if existing is not None:
        if existing.problem_id == problem.pk:
            return existing
        raise Conflict(f"The ticket is already linked to PRB-{existing.problem_id}.")
    link = ProblemTicket.objects.create(problem=problem, ticket=ticket, linked_by=actor.user)
    if adopt:
        changed = []
        reproduction = visible_reproductions(actor, ticket).order_by("-created_at").first()
        if reproduction is not None and problem.reproduction_id is None:
            problem.reproduction = reproduction
            changed.append("reproduction")
        if ticket.flow_id and ticket.flow_id not in problem.flow_ids:
            problem.flow_ids = [*problem.flow_ids, ticket.flow_id]
            changed.append("flow_ids")
        if changed:
            problem.save(update_fields=changed)
    record(problem, actor, ProblemEventKind.TICKET_LINKED, now, data={"ticket_id": ticket.pk})
    return link


@transaction.atomic
def problem_link_ticket(*, actor: Actor, problem_id: int, ticket_id: int) -> ProblemTicket:
    """Link a further ticket of any partner. A ticket belongs to one problem at most
    (Conflict); linking it again to its own problem changes nothing."""
    require_role(actor, WORKERS, "link tickets to problems")
    problem = get_problem(actor, problem_id, for_update=True)
    if problem.status == ProblemStatus.CLOSED:
        raise Conflict("The problem is closed.", code="wrong_state")
    return _link(problem, actor, ticket_id, clock.now(), adopt=True)
