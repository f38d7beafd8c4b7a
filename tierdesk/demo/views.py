"""The demo's saved views: what L2 and a partner's L1 keep in their sidebars."""

from __future__ import annotations

from tierdesk.demo.story import Cast
from tierdesk.savedviews.services import view_create

VIEWS = (
    # (who, name, queue, filters, shared with the team)
    ("lena", "Blocking handovers", "l2_intake", {"blocker": "yes"}, True),
    ("lena", "Urgent, oldest first", "all", {"priority": "urgent", "order": "oldest"}, False),
    ("sarah", "Recently changed at L3", "l3_intake", {"order": "updated"}, True),
    ("katrin", "Northwind blockers", "l1_in_progress", {"blocker": "yes"}, True),
)


def build_views(cast: Cast) -> int:
    for who, name, queue, filters, shared in VIEWS:
        view_create(actor=cast.actor(who), name=name, queue=queue, filters=filters, shared=shared)
    return len(VIEWS)
