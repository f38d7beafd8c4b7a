"""Saved views: a queue with its filters and order saved personal or for the team, in the
sidebar with counts read through the access choke point (a fixed number of queries
however many views), changed by the owner (shared ones also by the team's lead)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.savedviews import selectors, services
from tierdesk.savedviews.models import SavedView
from tierdesk.tickets import services as tickets


def save(world, who, name="Mine", queue="all", shared=False, **filters):
    return services.view_create(
        actor=world.actor(who), name=name, queue=queue, filters=filters, shared=shared
    )


def counts(world, who) -> dict[str, int | None]:
    return {row["view"].name: row["count"] for row in selectors.sidebar(world.actor(who))}


def api(world, who) -> Client:
    _, token = token_create(email=world.user(who).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_view_counts_its_tickets_with_its_filters(world):
    urgent = ticket_at(world, "new@L2")
    tickets.ticket_update(
        actor=world.actor("l2"), ticket_id=urgent.pk, changes={"priority": "urgent"}, version=None
    )
    ticket_at(world, "new@L2")
    save(world, "l2", "Urgent intake", queue="l2_intake", priority="urgent", order="oldest")
    save(world, "l2", "Intake", queue="l2_intake")
    assert counts(world, "l2") == {"Intake": 2, "Urgent intake": 1}


def test_the_sidebar_costs_two_queries_however_many_views(world, django_assert_num_queries):
    ticket_at(world, "new@L2")
    actor = world.actor("l2")
    save(world, "l2", "one", queue="l2_intake")
    with CaptureQueriesContext(connection) as few:
        selectors.sidebar(actor)
    for i in range(8):
        save(world, "l2", f"view {i}", queue="l2_mine", priority="high", q=f"word {i}")
    save(world, "l2", "team", queue="all", shared=True, blocker="yes", status="new")
    with CaptureQueriesContext(connection) as many:
        rows = selectors.sidebar(actor)
    assert len(rows) == 10
    assert len(many) == len(few) == 2, [q["sql"] for q in many.captured_queries]


# Access: who sees a view, and a view never shows a ticket ----------------------------


def test_a_personal_view_is_its_owners_and_a_shared_one_its_teams(world):
    save(world, "l2", "personal")
    save(world, "l2", "team view", shared=True)
    assert set(counts(world, "l2")) == {"personal", "team view"}
    assert set(counts(world, "l2b")) == {"team view"}  # same organisation and level
    assert set(counts(world, "lead")) == {"team view"}  # the L2 team's lead
    for who in ("l3", "vendor_l1", "acme_l1", "acme_admin", "acme_customer"):
        assert counts(world, who) == {}


@pytest.mark.parametrize("viewer", ["acme_l1", "acme_admin"])
def test_a_shared_view_counts_only_what_each_viewer_may_see(world, viewer):
    # given tickets of Acme and of Globex at L1
    ticket_at(world, "new@L1")
    ticket_at(world, "new@L1", partner="globex")
    ticket_at(world, "new@L1", partner="globex")
    # and a Globex L1 view of everything, shared with Globex's team
    save(world, "globex_l1", "Everything", shared=True)
    # then Globex counts its two; Acme's people do not see the view at all
    assert counts(world, "globex_l1") == {"Everything": 2}
    assert counts(world, viewer) == {}
    # and an Acme view of every queue counts Acme's ticket only, never Globex's
    save(world, viewer, "Acme all")
    assert counts(world, viewer) == {"Acme all": 1}


def test_a_view_of_a_queue_the_viewer_does_not_work_counts_nothing(world):
    # given a lead's team view of L3's intake… shared with L2? No: leads are their own
    # team (vendor, L2); an L2 agent of the same team sees it but has no L3 intake queue
    ticket_at(world, "new@L3")
    save(world, "lead", "L3 intake", queue="l3_intake", shared=True)
    assert counts(world, "lead") == {"L3 intake": 1}
    assert counts(world, "l2") == {"L3 intake": None}


def test_only_the_owner_or_the_teams_lead_changes_a_view(world):
    personal = save(world, "l2", "personal")
    shared = save(world, "l2", "shared", shared=True)
    with pytest.raises(NotFound):  # another's personal view is not theirs to see
        services.view_update(actor=world.actor("l2b"), view_id=personal.pk, changes={"name": "x"})
    with pytest.raises(Forbidden):  # a teammate sees a shared view but does not change it
        services.view_delete(actor=world.actor("l2b"), view_id=shared.pk)
    services.view_update(actor=world.actor("lead"), view_id=shared.pk, changes={"name": "Ours"})
    services.view_delete(actor=world.actor("lead"), view_id=shared.pk)
    services.view_delete(actor=world.actor("l2"), view_id=personal.pk)
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"name": " "}, "name"),
        ({"queue": "l3_intake"}, "queue"),  # not one of an L2 agent's queues
        ({"priority": "asap"}, "filters.priority"),
        ({"colour": "red"}, "filters.colour"),
    ],
)
def test_bad_input_names_the_field(world, kw, field):
    with pytest.raises(InvalidInput) as refused:
        save(world, "l2", **kw)
    assert field in refused.value.fields


def test_customers_have_no_views(world):
    with pytest.raises(Forbidden):
        save(world, "acme_customer")


# The console and the API ---------------------------------------------------------------


def test_save_this_view_from_the_queue_page_and_see_it_in_the_sidebar(world):
    ticket_at(world, "new@L2")
    client = Client()
    client.force_login(world.user("l2"))
    page = client.get("/queues/l2_intake/?priority=normal").content.decode()
    assert 'name="query" value="priority=normal"' in page
    answer = client.post(
        "/views/", {"queue": "l2_intake", "query": "priority=normal", "name": "Normal intake"}
    )
    assert answer.status_code == 303
    view = SavedView.objects.get()
    assert view.filters == {"priority": "normal"}
    # the page draws the sidebar's slot without a query; htmx fills it at once
    page = client.get(answer["Location"]).content.decode()
    assert f'hx-get="/views/nav/?view={view.pk}"' in page
    nav = client.get(f"/views/nav/?view={view.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r"Normal intake.*?<span class=\"count\"[^>]*>1</span>", nav, re.S)
    assert 'aria-current="page"' in nav


def test_the_api_lists_creates_changes_and_deletes_views(world):
    ticket_at(world, "new@L2")
    client = api(world, "l2")
    body = {"name": "Blockers", "queue": "l2_intake", "filters": {"blocker": True}}
    created = client.post("/api/v1/saved-views", body, "application/json")
    assert created.status_code == 201, created.content
    view = created.json()
    assert view["filters"]["blocker"] is True and view["count"] == 1 and view["manage"]
    listed = client.get("/api/v1/saved-views").json()
    assert [v["name"] for v in listed] == ["Blockers"]
    changed = client.patch(
        f"/api/v1/saved-views/{view['id']}", {"shared": True}, "application/json"
    )
    assert changed.status_code == 200 and changed.json()["shared"] is True
    # another team's person: the same 404 as for a view that does not exist
    other = api(world, "acme_l1")
    assert other.delete(f"/api/v1/saved-views/{view['id']}").status_code == 404
    assert other.delete("/api/v1/saved-views/999999").status_code == 404
    assert client.delete(f"/api/v1/saved-views/{view['id']}").status_code == 204
    bad = client.post("/api/v1/saved-views", {**body, "queue": "l3_intake"}, "application/json")
    assert bad.status_code == 422 and "queue" in bad.json()["fields"]
