"""Demo data: an iPaaS vendor, two OEM partners, their customers and staff, and about
forty tickets at every level and status, written through the services as they happened.

    from tierdesk.demo import load_demo
    print(load_demo())            # once; a second call changes nothing
    print(load_demo(reset=True))  # delete the demo data and load it afresh
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Conflict
from tierdesk.demo import (
    stories_done,
    stories_fixes,
    stories_l1,
    stories_l2,
    stories_l2_work,
    stories_l3,
    stories_problems,
)
from tierdesk.demo.automation import build_automation
from tierdesk.demo.kb import build_kb
from tierdesk.demo.macros import build_macros
from tierdesk.demo.people import DEMO_LOGINS, DEMO_PASSWORD, PEOPLE, build_people
from tierdesk.demo.reset import delete_demo
from tierdesk.demo.story import Cast, Story, Timeline, play
from tierdesk.demo.views import build_views
from tierdesk.demo.world import DEMO_ORG_NAMES, VENDOR, build_world
from tierdesk.tickets.access import visible_tickets

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "PEOPLE", "all_stories", "load_demo"]


def all_stories(timeline: Timeline) -> list[Story]:
    return [
        *stories_l1.stories(timeline),
        *stories_done.stories(timeline),
        *stories_l2.stories(timeline),
        *stories_l2_work.stories(timeline),
        *stories_l3.stories(timeline),
        *stories_fixes.stories(timeline),
    ]


def load_demo(*, reset: bool = False) -> str:
    """Load the demo data through the services and return a short summary. If the demo
    vendor exists already, change nothing and say so — unless `reset`, which deletes the
    demo data first (in the same transaction, so a failed load leaves the old data).
    Raises Conflict when another vendor organisation exists: the demo needs its own."""
    with transaction.atomic():
        if reset:
            delete_demo()
        if Organisation.objects.filter(name=VENDOR.name).exists():
            return (
                f"The demo data is loaded already ({VENDOR.name}); nothing changed. "
                "Use reset to delete and load it again."
            )
        other = Organisation.objects.filter(kind=OrgKind.VENDOR).first()
        if other is not None:
            raise Conflict(
                f"This database has a vendor organisation already ({other.name}); "
                "load the demo into an empty database.",
                code="exists",
            )
        orgs = build_world()
        users = build_people(orgs)
        cast = Cast(orgs=orgs, users=users)
        play(all_stories(Timeline(timezone.now())), cast)
        build_kb(cast)
        build_automation(cast)
        build_views(cast)
        build_macros(cast)
        stories_problems.link_problems(cast)
        return summary()


def summary() -> str:
    tickets = visible_tickets(SYSTEM).filter(partner__name__in=DEMO_ORG_NAMES)
    counts = Counter(tickets.values_list("level", "status"))
    total = sum(counts.values())
    lines = [f"Loaded the demo: {len(PEOPLE)} people, {total} tickets."]
    for (level, status), n in sorted(counts.items()):
        lines.append(f"  L{level} {status:<20} {n:>3}")
    lines.append(f"Sign in with any of these (password {DEMO_PASSWORD!r}):")
    for email, role, org, _ in DEMO_LOGINS:
        lines.append(f"  {email:<42} {role:<14} {org}")
    return "\n".join(lines)
