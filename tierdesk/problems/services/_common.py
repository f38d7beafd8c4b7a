"""What every problem service shares: the roles, the audit row, the problem lock."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, StaleVersion
from tierdesk.problems.models import Problem, ProblemEvent, ProblemEventKind

# Who writes problems: vendor support staff. L3 works on them; L2 opens and links them.
WORKERS = frozenset({Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER, Role.ADMIN})
ENGINEERS = frozenset({Role.L3_ENGINEER, Role.SUPPORT_LEAD, Role.ADMIN})


def require_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    if not (actor.is_system or actor.role in roles):
        raise Forbidden(f"Your role may not {what}.")


def check_version(problem: Problem, version: int | None) -> None:
    if version is not None and version != problem.version:
        raise StaleVersion(
            f"The problem changed since you loaded it (your version {version}, "
            f"current {problem.version}). Reload and try again."
        )


def record(
    problem: Problem,
    actor: Actor,
    kind: ProblemEventKind,
    now,
    *,
    from_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        actor=actor.user,
        actor_role=actor.role,
        kind=kind,
        from_status=from_status,
        to_status=problem.status,
        note=note,
        data=data or {},
        created_at=now,
    )


def with_customer_message(service: Callable[..., Any], customer_message: str) -> dict[str, str]:
    """`customer_message=…` for a ticket service that takes one (the text the customer
    reads), nothing for one that does not."""
    if customer_message and "customer_message" in inspect.signature(service).parameters:
        return {"customer_message": customer_message}
    return {}
