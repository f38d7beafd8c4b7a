"""Reads with meaning: the problems queue, a problem as its reader may see it, its
tickets grouped by partner, and the known open problems offered while writing a ticket."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from django.db.models import Count, Q, QuerySet

from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden
from tierdesk.problems.access import (
    problem_tickets,
    sees_internals,
    ticket_links,
    visible_problems,
)
from tierdesk.problems.models import (
    OPEN_PROBLEM_STATUSES,
    Problem,
    Tracker,
    TrackerCallAction,
    TrackerCallState,
)
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Ticket

WORD = re.compile(r"[\w.-]{3,}", re.UNICODE)
# Words too common in support texts to say anything about a defect.
_COMMON = "the and for with that this from have has not are was were error fails failed failing"
STOP = frozenset(_COMMON.split(" ")) | {"since", "when", "our", "your", "flow", "flows", "step"}


def problem_queue(actor: Actor, *, status: str | None = None, q: str | None = None):
    """Problems newest first, with the count of their tickets the actor may see (one
    query). L3's queue: the open ones by default in the console."""
    seen = visible_tickets(actor).values("pk")
    problems = visible_problems(actor).annotate(
        seen_tickets=Count("links", filter=Q(links__ticket__in=seen), distinct=True)
    )
    if status:
        problems = problems.filter(status=status)
    if q:
        problems = problems.filter(Q(title__icontains=q) | Q(public_summary__icontains=q))
    return problems.select_related("tracker", "owner").order_by("-created_at", "-pk")


def problem_view(actor: Actor, problem: Problem, *, ticket_count: int | None = None) -> dict:
    """The problem as this actor may read it: internal fields are None for partners and
    customers, and the workaround only when it is public."""
    internal = sees_internals(actor)
    if ticket_count is None:
        ticket_count = getattr(problem, "seen_tickets", None)
    if ticket_count is None:
        ticket_count = problem_tickets(actor, problem).count()
    tracker = None
    if internal and problem.tracker_id:
        tracker = {
            "name": problem.tracker.name,
            "kind": problem.tracker.kind,
            "key": problem.tracker_key,
            "url": problem.tracker_url,
            "tracker_status": problem.tracker_status,
        }
    return {
        "id": problem.pk,
        "reference": problem.reference,
        "title": problem.title,
        "status": problem.status,
        "public_summary": problem.public_summary,
        "workaround": problem.workaround
        if (internal or problem.workaround_public) and problem.workaround
        else None,
        "internal_analysis": problem.internal_analysis if internal else None,
        "workaround_public": problem.workaround_public if internal else None,
        "components": list(problem.components) if internal else None,
        "flow_ids": list(problem.flow_ids) if internal else None,
        "fix_reference": problem.fix_reference if internal else None,
        "fix_release": problem.fix_release if internal else None,
        "tracker": tracker,
        "owner": (problem.owner.email if problem.owner_id else None) if internal else None,
        "ticket_count": ticket_count,
        "version": problem.version,
        "created_at": problem.created_at,
        "updated_at": problem.updated_at,
    }


def tickets_by_partner(actor: Actor, problem: Problem) -> list[dict[str, Any]]:
    """The problem's tickets the actor may see, grouped by partner (name order)."""
    rows = (
        problem_tickets(actor, problem)
        .select_related("partner", "problem_link")
        .order_by("partner__name", "number")
    )
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for ticket in rows:
        groups.setdefault(ticket.partner.display_name or ticket.partner.name, []).append(
            {
                "id": ticket.pk,
                "number": ticket.number,
                "reference": ticket.reference,
                "title": ticket.title,
                "level": ticket.level,
                "status": ticket.status,
                "workaround_applied": ticket.problem_link.workaround_at is not None,
            }
        )
    return [{"partner": name, "tickets": tickets} for name, tickets in groups.items()]


def tracker_calls(actor: Actor, problem: Problem) -> list[dict[str, Any]] | None:
    """The problem's calls to its tracker that have not succeeded (failed ones first),
    for vendor staff; None for everyone else."""
    if not sees_internals(actor):
        return None
    waiting = problem.tracker_calls.exclude(state=TrackerCallState.DONE)
    rows = [
        {
            "id": call.pk,
            "action": call.action,
            "action_label": TrackerCallAction(call.action).label,
            "state": call.state,
            "attempts": call.attempts,
            "last_status": call.last_status,
            "last_error": call.last_error,
            "last_attempt_at": call.last_attempt_at,
            "created_at": call.created_at,
        }
        for call in waiting.order_by("created_at", "pk")
    ]
    return sorted(rows, key=lambda row: row["state"] != TrackerCallState.FAILED)


def problem_detail(actor: Actor, problem: Problem) -> dict[str, Any]:
    groups = tickets_by_partner(actor, problem)
    count = sum(len(g["tickets"]) for g in groups)
    return {
        **problem_view(actor, problem, ticket_count=count),
        "tickets_by_partner": groups,
        "tracker_calls": tracker_calls(actor, problem),
    }


def link_rows(actor: Actor, ticket: Ticket) -> list[dict[str, Any]]:
    rows = []
    for link in ticket_links(actor, ticket):
        outgoing = link.source_id == ticket.pk
        other = link.target if outgoing else link.source
        rows.append(
            {
                "id": link.pk,
                "kind": link.kind,
                "direction": "outgoing" if outgoing else "incoming",
                "ticket_id": other.pk,
                "ticket_number": other.number,
                "ticket_reference": other.reference,
                "ticket_title": other.title,
            }
        )
    return rows


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text or "") if w.lower() not in STOP}


def matching_open_problems(actor: Actor, text: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Known open problems whose title, public summary or components share words with
    `text` (what an L1 or L2 agent is writing or triaging), best match first, as the
    actor may read them. Only public parts are matched, so a partner is never offered a
    problem because of its internal analysis. Error signatures (`INVALID_SESSION_ID`,
    `401`) count like words. An empty list for customers and for text without words."""
    return matching_open_problems_each(actor, [text], limit=limit)[0]


def matching_open_problems_each(
    actor: Actor, texts: list[str], *, limit: int = 5
) -> list[list[dict[str, Any]]]:
    """`matching_open_problems` for several texts at once (a triage's findings, each
    with its evidence), in one query whatever their number: one list per text, in order."""
    if actor.is_customer:
        return [[] for _ in texts]
    wanted = [_words(text) for text in texts]
    if not any(wanted):
        return [[] for _ in texts]
    candidates: QuerySet[Problem] = problem_queue(actor).filter(status__in=OPEN_PROBLEM_STATUSES)
    known = [
        (
            problem,
            _words(f"{problem.title} {problem.public_summary} {' '.join(problem.components)}"),
        )
        for problem in candidates.order_by("-created_at")[:500]
    ]
    views: dict[int, dict[str, Any]] = {}
    answers = []
    for words in wanted:
        scored = [(len(words & theirs), problem) for problem, theirs in known]
        best = sorted((row for row in scored if row[0]), key=lambda row: (-row[0], -row[1].pk))
        answer = []
        for score, problem in best[:limit]:
            if problem.pk not in views:
                views[problem.pk] = problem_view(actor, problem)
            answer.append({**views[problem.pk], "score": score})
        answers.append(answer)
    return answers


def active_trackers(actor: Actor) -> QuerySet[Tracker]:
    """The active trackers, for vendor staff (Forbidden for everyone else)."""
    if not sees_internals(actor):
        raise Forbidden("Trackers are for the vendor's staff.")
    return Tracker.objects.filter(active=True).order_by("name")
