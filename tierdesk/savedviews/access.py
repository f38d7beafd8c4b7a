"""Who sees and manages which saved view. A view never grants sight of a ticket: its
count and its list are read through `tickets.access` as the person looking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.savedviews.models import SavedView

LEADS = (Role.SUPPORT_LEAD, Role.PARTNER_ADMIN, Role.ADMIN)


def visible_views(actor: Actor) -> QuerySet[SavedView]:
    """The actor's own views and their team's shared ones (staff only)."""
    if actor.user_id is None or actor.is_customer:
        return SavedView.objects.none()
    team = Q(shared=True, organisation_id=actor.org_id, level=actor.level)
    return SavedView.objects.filter(Q(owner_id=actor.user_id) | team)


def get_view(actor: Actor, view_id: int, *, for_update: bool = False) -> SavedView:
    views = visible_views(actor)
    if for_update:
        views = views.select_for_update(of=("self",))
    try:
        return views.get(pk=view_id)
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise NotFound("Saved view not found.") from None


def may_manage(actor: Actor, view: SavedView) -> bool:
    """The owner, and for a shared view the team's lead: a support lead, a partner admin
    or an admin of the view's organisation."""
    if view.owner_id == actor.user_id:
        return True
    return view.shared and actor.role in LEADS and actor.org_id == view.organisation_id
