"""The access matrix (tests/test_access_matrix.py) for bulk work and saved views: for
every role, bulk results and saved-view counts never reveal a ticket the role may not
see — an invisible ticket's result is word for word a missing ticket's, and a view
counts only what its viewer sees."""

from __future__ import annotations

import pytest

from tests.test_access_matrix import (  # noqa: F401  (the matrix's fixtures)
    CUSTOMERS,
    EXPECTED,
    ROLES,
    TICKETS,
    _attachments_of_the_matrix,
    _matrix_files,
    matrix,
    snapshot,
)
from tierdesk.core.errors import Forbidden
from tierdesk.savedviews import selectors, services
from tierdesk.tickets.services import BulkAction, BulkItem, tickets_bulk

pytestmark = pytest.mark.django_db
EXTRA = {
    BulkAction.ASSIGN: {"assignee_id": None, "reason": "matrix"},
    BulkAction.PRIORITY: {"priority": "urgent"},
    BulkAction.NOTE: {"body": "Sneaky bulk note."},
}


def _shape(outcome) -> tuple:
    return (outcome.ok, outcome.number, outcome.version, outcome.error.code, outcome.reason)


@pytest.mark.parametrize("action", list(BulkAction.values))
def test_bulk_results_for_tickets_one_cannot_see_are_missing_ones(matrix, action):  # noqa: F811
    before = {key: snapshot(t.pk) for key, t in matrix.tickets.items()}
    missing_id = max(t.pk for t in matrix.tickets.values()) + 1000
    for role in ROLES:
        invisible = [matrix.tickets[k] for k in TICKETS if k not in EXPECTED[role]]
        # when the role works every ticket it cannot see in bulk, and a missing one,
        # with and without a (stale) version
        items = [BulkItem(missing_id)]
        items += [BulkItem(t.pk, t.version + (5 if i % 2 else 0)) for i, t in enumerate(invisible)]
        outcomes = tickets_bulk(
            actor=matrix.actor(role), action=action, items=items, **EXTRA.get(action, {})
        )
        # then each result is exactly the missing ticket's
        missing = _shape(outcomes[0])
        assert missing == (False, None, None, "not_found", "Ticket not found."), role
        assert [_shape(o) for o in outcomes[1:]] == [missing] * len(invisible), role
    # and nothing changed
    assert {key: snapshot(t.pk) for key, t in matrix.tickets.items()} == before


def test_saved_views_count_only_what_their_viewer_sees(matrix):  # noqa: F811
    for role in ROLES:
        actor = matrix.actor(role)
        if role in CUSTOMERS:
            with pytest.raises(Forbidden):
                services.view_create(actor=actor, name="all", queue="all", filters={})
            assert selectors.sidebar(actor) == []
            continue
        view = services.view_create(
            actor=actor, name=f"all of {role}", queue="all", filters={}, shared=True
        )
        rows = {r["view"].pk: r["count"] for r in selectors.sidebar(actor)}
        # then the view counts the tickets the role sees (its matrix row), no more
        mine = set(EXPECTED[role])
        assert rows[view.pk] == len(mine), role
        # and every view the role sees, its own or its team's, counts within that row
        assert all(n is None or n <= len(mine) for n in rows.values()), role
