"""Outbound calls to a problem's tracker as rows: `tracker_call_add` writes the call in
the caller's transaction and queues its task after commit; `tracker_call_run` (the task)
makes one attempt and keeps what went wrong; `tracker_call_retry` lets staff try a failed
call again (the problem page's button, `POST /problems/{id}/actions/retry_tracker`).

A failed call is not retried by itself: a tracker that refuses (wrong credentials, a
project that does not exist) refuses again until someone fixes it, so the problem page
shows the failure — the tracker's HTTP status, a short error, when, how many attempts —
beside the button.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Q

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, WrongState
from tierdesk.problems.access import get_problem
from tierdesk.problems.models import (
    Problem,
    ProblemEventKind,
    TrackerCall,
    TrackerCallAction,
    TrackerCallState,
)
from tierdesk.problems.services._common import WORKERS, record, require_role
from tierdesk.problems.trackers.http import TrackerError

logger = logging.getLogger(__name__)
# A call left `sending` this long (its worker died mid-call) may be retried.
STALE_SENDING = timedelta(minutes=10)
ERROR_CHARS = 300


def _enqueue(call_id: int) -> None:
    from tierdesk.problems.tasks import tracker_call_task

    tracker_call_task.enqueue(call_id)


def tracker_call_add(problem: Problem, action: str, text: str = "") -> TrackerCall:
    """A call in the caller's transaction; its attempt is queued when that commits."""
    call = TrackerCall.objects.create(problem=problem, action=action, text=text)
    transaction.on_commit(partial(_enqueue, call.pk), robust=True)
    return call


def _claim(call_id: int) -> TrackerCall | None:
    """Take a pending call for one attempt (exactly one worker gets it)."""
    now = clock.now()
    taken = TrackerCall.objects.filter(pk=call_id, state=TrackerCallState.PENDING).update(
        state=TrackerCallState.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        updated_at=now,
    )
    return TrackerCall.objects.get(pk=call_id) if taken else None


def _finish(call: TrackerCall, *, error: str = "", status: int | None = None) -> None:
    TrackerCall.objects.filter(pk=call.pk, state=TrackerCallState.SENDING).update(
        state=TrackerCallState.FAILED if error else TrackerCallState.DONE,
        last_error=error[:ERROR_CHARS],
        last_status=status,
        updated_at=clock.now(),
    )


def tracker_call_run(*, call_id: int) -> str | None:
    """One attempt of a pending call, outside any transaction (a network call). Returns
    the call's new state, None when it was not pending (done, or another worker has
    it). A tracker's refusal is kept on the row and logged (never with credentials)."""
    from tierdesk.problems.services import tracker

    call = _claim(call_id)
    if call is None:
        return None
    try:
        if call.action == TrackerCallAction.CREATE_ISSUE:
            tracker.tracker_issue_create(problem_id=call.problem_id)
        else:
            tracker.tracker_comment_post(problem_id=call.problem_id, text=call.text)
    except TrackerError as exc:
        _finish(call, error=str(exc) or "the tracker refused", status=exc.status)
        return TrackerCallState.FAILED
    except Exception as exc:
        _finish(call, error=f"internal error ({type(exc).__name__})")
        raise
    _finish(call)
    return TrackerCallState.DONE


def retryable(problem: Problem, now=None):
    """The problem's calls that failed, or that a dead worker left sending."""
    now = now or clock.now()
    return problem.tracker_calls.filter(
        Q(state=TrackerCallState.FAILED)
        | Q(state=TrackerCallState.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    )


@transaction.atomic
def tracker_call_retry(
    *, actor: Actor, problem_id: int, call_id: int | None = None
) -> list[TrackerCall]:
    """Queue a failed call again (`call_id`), or every failed call of the problem, in the
    order they were made (the issue before its comments). Vendor staff who work problems
    only. Refused: a call that is not a failed call of this problem (InvalidInput naming
    `call_id`), a problem without failed calls (WrongState). Writes a trail row."""
    require_role(actor, WORKERS, "retry tracker calls")
    problem = get_problem(actor, problem_id, for_update=True)
    calls = retryable(problem).select_for_update().order_by("created_at", "pk")
    if call_id is not None:
        calls = calls.filter(pk=call_id)
    chosen = list(calls)
    if not chosen:
        if call_id is not None:
            raise InvalidInput({"call_id": "is not a failed tracker call of this problem"})
        raise WrongState("No tracker call of this problem failed.")
    TrackerCall.objects.filter(pk__in=[c.pk for c in chosen]).update(
        state=TrackerCallState.PENDING, updated_at=clock.now()
    )
    for call in chosen:
        transaction.on_commit(partial(_enqueue, call.pk), robust=True)
    record(
        problem,
        actor,
        ProblemEventKind.TRACKER_RETRIED,
        clock.now(),
        note=", ".join(TrackerCallAction(c.action).label for c in chosen),
        data={"calls": [c.pk for c in chosen]},
    )
    return chosen
