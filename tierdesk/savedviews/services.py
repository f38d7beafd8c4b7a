"""Writes of saved views: `view_create`, `view_update`, `view_delete`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput
from tierdesk.savedviews.access import get_view, may_manage
from tierdesk.savedviews.models import SavedView
from tierdesk.tickets import selectors as tickets
from tierdesk.tickets.forms import QueueFilterForm

MAX_VIEWS = 30  # a person's own views (the sidebar counts them all in one query)
FILTER_KEYS = (
    *("q", "partner", "contract", "flow", "blocker", "priority", "status", "level", "order"),
)


def clean_filters(actor: Actor, queue: Any, filters: Any) -> dict[str, str]:
    """The queue and filters as the queue page takes them; 422 naming `queue` or
    `filters.<name>` when they do not."""
    if not isinstance(queue, str) or queue not in {q.key for q in tickets.queues_for(actor)}:
        raise InvalidInput({"queue": "is not one of your queues"})
    if not isinstance(filters, Mapping):
        raise InvalidInput({"filters": "must be an object"})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput({f"filters.{unknown[0]}": "is not a filter of the queue"})
    text = {k: "" if v is None else str(v) for k, v in filters.items()}
    form = QueueFilterForm(text, partners=tickets.partner_choices(actor))
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise InvalidInput({f"filters.{name}": " ".join(errors)})
    return {k: v for k, v in text.items() if v != "" and k in form.fields}


def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 80 or "\x00" in name:
        raise InvalidInput({"name": "must be a name of 1 to 80 characters"})
    return name.strip()


def _staff(actor: Actor) -> None:
    if actor.user is None or actor.is_customer or actor.org_id is None:
        raise Forbidden("Saved views are for support staff.")


@transaction.atomic
def view_create(
    *, actor: Actor, name: str, queue: str, filters: Mapping[str, Any], shared: bool = False
) -> SavedView:
    """Save a queue with its filters for the actor (with `shared`, for their team: the
    same organisation and level). Refuses: Forbidden (customers), InvalidInput naming
    `name`, `queue` or `filters.<name>`, Conflict past `MAX_VIEWS` own views."""
    _staff(actor)
    clean_name, clean = _clean_name(name), clean_filters(actor, queue, filters)
    if SavedView.objects.filter(owner_id=actor.user_id).count() >= MAX_VIEWS:
        raise Conflict(f"You have {MAX_VIEWS} saved views already; delete one first.")
    now = clock.now()
    return SavedView.objects.create(
        owner=actor.user,
        organisation_id=actor.org_id,
        level=actor.level,
        shared=bool(shared),
        name=clean_name,
        queue=queue,
        filters=clean,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def view_update(*, actor: Actor, view_id: int, changes: Mapping[str, Any]) -> SavedView:
    """Change `name`, `queue`, `filters` or `shared` of a view the actor manages (the
    owner; a shared one also the team's lead). NotFound for a view they do not see."""
    view = get_view(actor, view_id)
    if not may_manage(actor, view):
        raise Forbidden("Only its owner (or, shared, the team's lead) changes this view.")
    unknown = sorted(set(changes) - {"name", "queue", "filters", "shared"})
    if unknown:
        raise InvalidInput({unknown[0]: "is not a field of a saved view"})
    if "name" in changes:
        view.name = _clean_name(changes["name"])
    if "queue" in changes or "filters" in changes:
        queue = changes.get("queue", view.queue)
        view.filters = clean_filters(actor, queue, changes.get("filters", view.filters))
        view.queue = queue
    if "shared" in changes:
        view.shared = bool(changes["shared"])
    view.updated_at = clock.now()
    view.save()
    return view


@transaction.atomic
def view_delete(*, actor: Actor, view_id: int) -> None:
    view = get_view(actor, view_id)
    if not may_manage(actor, view):
        raise Forbidden("Only its owner (or, shared, the team's lead) deletes this view.")
    view.delete()

