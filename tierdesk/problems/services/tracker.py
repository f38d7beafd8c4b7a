"""The tracker loop: link a problem to an issue (or have one created), post its status
changes to the issue, and apply what the tracker's webhooks say.

Outbound calls are rows made by tasks after commit (`services.tracker_calls`). An update that comes
from the tracker is not echoed back to it as a comment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tierdesk.accounts.models import Role
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor, actor_for
from tierdesk.core.errors import DomainError, InvalidInput
from tierdesk.problems.access import get_problem, visible_problems
from tierdesk.problems.models import (
    Problem,
    ProblemEventKind,
    ProblemStatus,
    Tracker,
    TrackerCallAction,
    TrackerDelivery,
    TrackerKind,
)
from tierdesk.problems.services._common import WORKERS, check_version, record, require_role
from tierdesk.problems.trackers import clients
from tierdesk.problems.trackers.http import TrackerError
from tierdesk.problems.trackers.inbound import TrackerUpdate, mapped_status

logger = logging.getLogger(__name__)
_from_tracker: ContextVar[bool] = ContextVar("tierdesk_problem_from_tracker", default=False)


def from_tracker() -> bool:
    return _from_tracker.get()


def issue_url(tracker: Tracker, key: str) -> str:
    base = tracker.base_url.rstrip("/")
    if tracker.kind == TrackerKind.JIRA:
        return f"{base}/browse/{key}"
    if base == "https://api.github.com":
        return f"https://github.com/{tracker.project}/issues/{key}"
    return ""


@transaction.atomic
def problem_tracker_attach(
    *, actor: Actor, problem_id: int, tracker_id: int, key: str = "", version: int | None = None
) -> Problem:
    """Link the problem to issue `key` of the tracker, or — without a key — have the
    issue created (a task, after commit). Refused: an unknown or inactive tracker, a key
    another problem holds (InvalidInput naming the field)."""
    from tierdesk.problems.services.tracker_calls import tracker_call_add

    require_role(actor, WORKERS, "link trackers")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    tracker = Tracker.objects.filter(pk=tracker_id, active=True).first()
    if tracker is None:
        raise InvalidInput({"tracker_id": "must be the id of an active tracker"})
    key = (key or "").strip()
    if len(key) > 100:
        raise InvalidInput({"key": "must be at most 100 characters"})
    taken = Problem.objects.filter(tracker=tracker, tracker_key=key).exclude(pk=problem.pk)
    if key and taken.exists():
        raise InvalidInput({"key": "is linked to another problem"})
    problem.tracker, problem.tracker_key = tracker, key
    problem.tracker_url = issue_url(tracker, key) if key else ""
    problem.tracker_status = ""
    problem.version += 1
    problem.save()
    record(
        problem,
        actor,
        ProblemEventKind.TRACKER_LINKED,
        clock.now(),
        data={"tracker": tracker.name, "key": key, "creating": not key},
    )
    if not key:
        tracker_call_add(problem, TrackerCallAction.CREATE_ISSUE)
    return problem


def tracker_issue_create(*, problem_id: int) -> str:
    """Create the issue (outside any transaction: a network call), then store its key.
    Returns the key; raises TrackerError when the tracker refuses."""
    problem = visible_problems(SYSTEM).select_related("tracker").get(pk=problem_id)
    if problem.tracker is None or problem.tracker_key:
        return problem.tracker_key
    try:
        issue = clients.create_issue(problem.tracker, problem)
    except TrackerError as exc:
        logger.warning("tracker issue for %s not created: %s", problem.reference, exc)
        raise
    with transaction.atomic():
        problem = get_problem(SYSTEM, problem_id, for_update=True)
        problem.tracker_key, problem.tracker_url = issue.key, issue.url
        problem.save(update_fields=["tracker_key", "tracker_url"])
        record(
            problem,
            SYSTEM,
            ProblemEventKind.TRACKER_LINKED,
            clock.now(),
            note=f"{problem.tracker.name} {issue.key}",
            data={"key": issue.key},
        )
    return issue.key


def tracker_comment_post(*, problem_id: int, text: str) -> bool:
    """Post `text` on the problem's issue. False when the problem has no tracker any
    more (nothing to post to); TrackerError when it has no issue yet, the tracker is
    inactive or refuses."""
    problem = visible_problems(SYSTEM).select_related("tracker").get(pk=problem_id)
    if problem.tracker is None:
        return False
    if not problem.tracker_key:
        raise TrackerError("the tracker issue is not created yet")
    if not problem.tracker.active:
        raise TrackerError("the tracker is inactive")
    try:
        clients.add_comment(problem.tracker, problem.tracker_key, text)
    except TrackerError as exc:
        logger.warning("tracker comment for %s not posted: %s", problem.reference, exc)
        raise
    return True


def _engineer(problem: Problem) -> Actor:
    """Who acts when the tracker moves the problem: its L3 owner, else the system (which
    moves no ticket: ticket moves at L3 need an engineer)."""
    if problem.owner is not None and problem.owner.is_active:
        try:
            actor = actor_for(problem.owner)
        except DomainError:
            return SYSTEM
        if actor.role in (Role.L3_ENGINEER, Role.SUPPORT_LEAD, Role.ADMIN):
            return actor
    return SYSTEM


def _attempt(problem: Problem, run: Callable[[], object]) -> str:
    try:
        with transaction.atomic():
            run()
    except DomainError as exc:
        return exc.message
    return ""


@transaction.atomic
def tracker_update_apply(*, tracker: Tracker, update: TrackerUpdate) -> Problem | None:
    """What the tracker says about one issue: the problem linked to it shows the
    tracker's status, gets a note, and moves when the status maps to a problem status —
    `fix_delivered` delivers the fix to its waiting tickets, `released` releases it
    (customers resolved with the workaround are told), `closed` closes it. A move the
    problem refuses (e.g. closing with tickets waiting) leaves a note. None when no
    problem is linked to the issue."""
    from tierdesk.problems import services

    problem = (
        visible_problems(SYSTEM)
        .select_for_update(of=("self",))
        .filter(tracker=tracker, tracker_key=update.key)
        .first()
    )
    if problem is None:
        return None
    token = _from_tracker.set(True)
    try:
        problem.tracker_status = update.shown_status[:100]
        problem.save(update_fields=["tracker_status"])
        target = mapped_status(tracker, update)
        actor = _engineer(problem)
        refused = ""
        if target and target != problem.status:
            pk, reference = problem.pk, f"{tracker.name} {update.key}"
            if target in (ProblemStatus.INVESTIGATING, ProblemStatus.FIX_IN_PROGRESS):
                before = problem.status
                problem.status = target
                problem.version += 1
                problem.save()
                record(problem, SYSTEM, ProblemEventKind.UPDATED, clock.now(), from_status=before)
            elif target == ProblemStatus.FIX_DELIVERED:
                refused = _attempt(
                    problem,
                    lambda: services.problem_deliver_fix(
                        actor=actor, problem_id=pk, reference=reference
                    ),
                )
            elif target == ProblemStatus.RELEASED:
                refused = _attempt(
                    problem,
                    lambda: services.problem_release(
                        actor=actor, problem_id=pk, release=update.shown_status or reference
                    ),
                )
            elif target == ProblemStatus.CLOSED:
                refused = _attempt(
                    problem, lambda: services.problem_close(actor=actor, problem_id=pk)
                )
        problem.refresh_from_db()
        note = f"{tracker.name} {update.key}: {update.shown_status or '—'}"
        if refused:
            note += f" (not applied: {refused})"
        record(
            problem,
            SYSTEM,
            ProblemEventKind.TRACKER_UPDATED,
            clock.now(),
            note=note,
            data={"names": list(update.names), "mapped": target or ""},
        )
    finally:
        _from_tracker.reset(token)
    return problem


@dataclass(frozen=True)
class Received:
    """What became of one inbound delivery."""

    applied: bool
    problem_id: int | None
    duplicate: bool = False


@transaction.atomic
def tracker_delivery_receive(
    *, tracker: Tracker, delivery_id: str, update: TrackerUpdate | None
) -> Received:
    """One signed delivery of `tracker`: recorded once by its id (unique per tracker),
    then applied (`tracker_update_apply`; None when it says nothing about an issue). A
    delivery whose id is recorded already is a replay or a retry of one already handled:
    `duplicate`, and nothing changes. The record commits with what the delivery changed,
    so a delivery that failed half-way is taken again when the tracker retries it; of two
    copies arriving at once, the second waits for the first and is the duplicate."""
    try:
        with transaction.atomic():
            delivery = TrackerDelivery.objects.create(
                tracker=tracker, delivery_id=delivery_id, received_at=clock.now()
            )
    except IntegrityError:
        first = TrackerDelivery.objects.filter(tracker=tracker, delivery_id=delivery_id).first()
        return Received(
            applied=False, problem_id=first.problem_id if first else None, duplicate=True
        )
    problem = tracker_update_apply(tracker=tracker, update=update) if update else None
    if problem is not None:
        delivery.problem, delivery.applied = problem, True
        delivery.save(update_fields=["problem", "applied"])
    return Received(applied=problem is not None, problem_id=problem.pk if problem else None)
