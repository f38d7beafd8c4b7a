"""Writes one audit row per identity change, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from tierdesk.accounts.models import User
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.identity.models import AuditEntry


def audit(kind: str, *, actor: Actor | User | None, subject: User | None, **detail: Any) -> None:
    user = actor.user if isinstance(actor, Actor) else actor
    AuditEntry.objects.create(at=clock.now(), kind=kind, actor=user, subject=subject, detail=detail)
