"""Inbound tracker webhooks are taken once: each signed delivery's id (GitHub's
`X-GitHub-Delivery`, Jira's `X-Atlassian-Webhook-Identifier`, the body's hash without
one) is recorded under a unique constraint; a replay is answered 200 `duplicate` and
changes nothing; a forged delivery records nothing, so it cannot use up a real id."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from tests import tracker_servers
from tests.problems_support import three_tickets_two_partners
from tierdesk.core import clock
from tierdesk.mail.models import OutboundMail
from tierdesk.notify.models import OutboxEvent
from tierdesk.problems import services
from tierdesk.problems.models import ProblemEvent, ProblemStatus, Tracker, TrackerDelivery
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status, TicketEvent

SECRET = "whsec-shared-with-the-tracker"


def _tracker(world, problem, kind: str, key: str) -> Tracker:
    project = {"jira": "ENG", "github": "example/platform"}[kind]
    tracker = Tracker.objects.create(
        name=kind.title(),
        kind=kind,
        base_url="http://127.0.0.1:9",
        project=project,
        token="t",
        webhook_secret=SECRET,
    )
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key=key
    )
    # L3 owns it: the tracker's moves of its tickets are made as its owner
    services.problem_start_fix(actor=world.actor("l3"), problem_id=problem.pk)
    return tracker


def _hook(path: str, body: bytes, headers: dict):
    return Client().post(path, data=body, content_type="application/json", **headers)


def _everything() -> tuple[int, int, int, int]:
    """Counts of every row a delivery could write."""
    return (
        ProblemEvent.objects.count(),
        TicketEvent.objects.count(),
        OutboxEvent.objects.count(),
        OutboundMail.objects.count(),
    )


def _states(world, ids):
    admin = world.actor("admin")
    return {(get_ticket(admin, t).level, get_ticket(admin, t).status) for t in ids}


def test_a_replayed_github_delivery_is_a_duplicate_and_changes_nothing(world):
    # given a problem linked to GitHub issue 7, its tickets waiting at L3
    problem, ids = three_tickets_two_partners(world)
    tracker = _tracker(world, problem, "github", "7")
    # when GitHub delivers "closed", validly signed
    body, headers = tracker_servers.github_delivery(7, SECRET)
    first = _hook("/api/v1/hooks/github", body, headers)
    # then the fix is delivered, and the delivery is recorded by its GUID
    assert first.status_code == 202, first.content
    assert first.json() == {"applied": True, "problem_id": problem.pk, "duplicate": False}
    assert _states(world, ids) == {(2, Status.VERIFYING)}
    [recorded] = TrackerDelivery.objects.all()
    assert (recorded.tracker_id, recorded.delivery_id) == (
        tracker.pk,
        headers["HTTP_X_GITHUB_DELIVERY"],
    )
    assert recorded.applied and recorded.problem_id == problem.pk
    before = _everything()

    # when the same delivery arrives again (a replay, or GitHub's redelivery)
    again = _hook("/api/v1/hooks/github", body, headers)

    # then it is answered 200 as a duplicate, and nothing at all was written
    assert again.status_code == 200, again.content
    assert again.json() == {"applied": False, "problem_id": problem.pk, "duplicate": True}
    assert _everything() == before
    assert TrackerDelivery.objects.count() == 1

    # and a new delivery of another event (the `released` label) is still taken
    body, headers = tracker_servers.github_delivery(7, SECRET, labels=("released",))
    assert _hook("/api/v1/hooks/github", body, headers).status_code == 202
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RELEASED


def test_a_replay_with_a_new_id_and_the_old_signature_still_cannot_change_the_body(world):
    problem, ids = three_tickets_two_partners(world)
    _tracker(world, problem, "github", "7")
    body, headers = tracker_servers.github_delivery(7, SECRET, action="reopened")
    assert _hook("/api/v1/hooks/github", body, headers).status_code == 202
    # a forged body under a captured signature is refused before its id is looked at
    forged = body.replace(b"reopened", b"closed")
    answer = _hook("/api/v1/hooks/github", forged, {**headers, "HTTP_X_GITHUB_DELIVERY": "new"})
    assert answer.status_code == 401
    assert _states(world, ids) == {(3, Status.NEW)}
    assert TrackerDelivery.objects.count() == 1


def test_a_forged_delivery_records_nothing_so_the_real_one_with_its_id_is_taken(world):
    # given a problem linked to Jira issue ENG-4
    problem, ids = three_tickets_two_partners(world)
    _tracker(world, problem, "jira", "ENG-4")
    # when someone sends a delivery with Jira's next identifier but the wrong secret
    body, headers = tracker_servers.jira_delivery("ENG-4", "Done", "guessed", identifier="777")
    assert _hook("/api/v1/hooks/jira", body, headers).status_code == 401
    assert not TrackerDelivery.objects.exists()
    # then Jira's real delivery with that identifier is applied
    body, headers = tracker_servers.jira_delivery("ENG-4", "Done", SECRET, identifier="777")
    answer = _hook("/api/v1/hooks/jira", body, headers)
    assert answer.status_code == 202 and answer.json()["applied"] is True
    assert _states(world, ids) == {(2, Status.VERIFYING)}
    # and Jira retrying it (same identifier, a later body) is a duplicate
    retry_body = body.replace(b"1733560000000", b"1733560099000")
    retried = tracker_servers.jira_delivery("ENG-4", "Done", SECRET, identifier="777")[1]
    retried["HTTP_X_HUB_SIGNATURE"] = tracker_servers.sign(SECRET, retry_body)
    before = _everything()
    answer = _hook("/api/v1/hooks/jira", retry_body, retried)
    assert (answer.status_code, answer.json()["duplicate"]) == (200, True)
    assert _everything() == before


def test_a_jira_delivery_without_an_identifier_is_known_by_its_body(world):
    problem, _ = three_tickets_two_partners(world)
    _tracker(world, problem, "jira", "ENG-5")
    body, headers = tracker_servers.jira_delivery("ENG-5", "In Progress", SECRET, identifier="")
    assert _hook("/api/v1/hooks/jira", body, headers).status_code == 202
    [recorded] = TrackerDelivery.objects.all()
    assert recorded.delivery_id.startswith("sha256:") and len(recorded.delivery_id) == 71
    # the same body again is the same delivery
    before = _everything()
    answer = _hook("/api/v1/hooks/jira", body, headers)
    assert (answer.status_code, answer.json()["duplicate"]) == (200, True)
    assert _everything() == before


def test_a_delivery_that_failed_is_not_recorded_and_its_retry_is_taken(world, monkeypatch):
    # given applying a delivery fails half-way (the database refuses, say)
    problem, ids = three_tickets_two_partners(world)
    _tracker(world, problem, "github", "7")
    body, headers = tracker_servers.github_delivery(7, SECRET)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.tracker, "tracker_update_apply", broken)
    with pytest.raises(RuntimeError):
        _hook("/api/v1/hooks/github", body, headers)
    assert not TrackerDelivery.objects.exists()
    # when GitHub retries the same delivery once it works again
    monkeypatch.undo()
    answer = _hook("/api/v1/hooks/github", body, headers)
    # then it is taken, not a duplicate
    assert answer.status_code == 202 and answer.json()["applied"] is True
    assert _states(world, ids) == {(2, Status.VERIFYING)}


def test_the_database_holds_each_delivery_id_once_per_tracker(world):
    problem, _ = three_tickets_two_partners(world)
    tracker = _tracker(world, problem, "github", "7")
    TrackerDelivery.objects.create(tracker=tracker, delivery_id="abc", received_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TrackerDelivery.objects.create(tracker=tracker, delivery_id="abc", received_at=clock.now())
