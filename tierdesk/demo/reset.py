"""Deleting the demo data — the one place the demo writes past the services, because no
service deletes tickets, people or organisations (nor should one, outside a demo)."""

from __future__ import annotations

from collections import defaultdict

from django.core.files.storage import storages
from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError

from tierdesk.accounts.models import Organisation, User
from tierdesk.core.actor import SYSTEM
from tierdesk.core.models import Sequence
from tierdesk.demo.world import DEMO_ORG_NAMES
from tierdesk.directory.models import Contract
from tierdesk.problems.models import Problem
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Attachment

MAX_DEPTH = 8


def _delete(queryset: QuerySet, depth: int = 0) -> None:
    """Delete the rows, first deleting whatever other apps keep pointing at them through
    protected foreign keys (an outbox row naming a demo partner, an SLA clock…): the demo
    cannot know every table later features add, and must still go away whole."""
    for _ in range(MAX_DEPTH):
        try:
            with transaction.atomic():
                queryset.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            if depth >= MAX_DEPTH:
                raise
            objects = getattr(exc, "protected_objects", None) or exc.restricted_objects
            by_model: dict[type, list] = defaultdict(list)
            for obj in objects:
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                _delete(model._default_manager.filter(pk__in=pks), depth + 1)
    queryset.delete()


@transaction.atomic
def delete_demo() -> int:
    """Delete the demo organisations with their tickets (and every row hanging off them),
    people and directory. Stored files go once the transaction commits. Returns how many
    tickets were deleted."""
    orgs = Organisation.objects.filter(name__in=DEMO_ORG_NAMES)
    tickets = visible_tickets(SYSTEM).filter(partner__in=orgs)
    files = list(Attachment.objects.filter(ticket__in=tickets).values_list("file", flat=True))
    count = tickets.count()
    # Problems whose tickets are all demo tickets go with them.
    others = visible_tickets(SYSTEM).exclude(partner__in=orgs)
    demo_problems = Problem.objects.filter(links__ticket__in=tickets).values("pk")
    _delete(Problem.objects.filter(pk__in=demo_problems).exclude(links__ticket__in=others))
    # Events are immutable row by row; deleting their tickets removes them in bulk.
    _delete(tickets)
    _delete(User.objects.filter(membership__organisation__in=orgs))
    _delete(Contract.objects.filter(partner__in=orgs))
    _delete(orgs)
    if not visible_tickets(SYSTEM).exists():
        # Nothing else numbered: the reloaded demo starts at the first number again.
        Sequence.objects.filter(name="ticket").delete()

    def remove_files() -> None:
        storage = storages["attachments"]
        for name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return count
