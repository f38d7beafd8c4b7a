"""The tracker loop both ways, against local Jira and GitHub stand-ins on 127.0.0.1:
issues created and commented through their REST endpoints, their signed webhooks mapped
to the problem's status and moving its tickets; forged signatures refused; credentials
encrypted at rest; `problem.*` events through the webhook outbox."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests import tracker_servers
from tests.factories import ticket_at
from tests.problems_support import brand_partners, three_tickets_two_partners
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.notify.models import OutboxEvent
from tierdesk.problems import services
from tierdesk.problems.models import Problem, ProblemStatus, Tracker
from tierdesk.problems.services import tracker as tracker_services
from tierdesk.problems.trackers.http import TrackerError
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status

JIRA_TOKEN = "jira-api-token-c0ffee"
GITHUB_TOKEN = "ghp_local_test_token_123"
SECRET = "whsec-shared-with-the-tracker"


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run when queued; the trackers live on 127.0.0.1."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True


def _tracker(kind: str, base_url: str, **extra) -> Tracker:
    values = {
        "jira": {"project": "ENG", "username": "bot@vendor.example", "token": JIRA_TOKEN},
        "github": {"project": "example/platform", "token": GITHUB_TOKEN},
    }[kind]
    return Tracker.objects.create(
        name=kind.title(), kind=kind, base_url=base_url, webhook_secret=SECRET, **values, **extra
    )


def _hook(path: str, body: bytes, headers: dict):
    return Client().post(path, data=body, content_type="application/json", **headers)


def _status(world, ticket_id):
    ticket = get_ticket(world.actor("admin"), ticket_id)
    return (ticket.level, ticket.status)


def test_jira_issue_created_commented_and_its_webhooks_move_the_tickets(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a problem with three tickets of two partners, and Jira on 127.0.0.1
    brand_partners(world)
    problem, ids = three_tickets_two_partners(world)
    with tracker_servers.jira("bot@vendor.example", JIRA_TOKEN) as jira:
        tracker = _tracker("jira", jira.base_url)

        # when L2 has the Jira issue created
        with django_capture_on_commit_callbacks(execute=True):
            services.problem_tracker_attach(
                actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk
            )

        # then Jira got the documented create-issue request, and the key is stored
        [created] = jira.to("/rest/api/3/issue")
        fields = created.body["fields"]
        assert fields["project"] == {"key": "ENG"} and fields["summary"] == problem.title
        assert fields["description"]["type"] == "doc"
        problem.refresh_from_db()
        assert problem.tracker_key == "ENG-1"
        assert problem.tracker_url == f"{jira.base_url}/browse/ENG-1"

        # when L3 takes the problem (its owner) — the change is posted as a comment
        with django_capture_on_commit_callbacks(execute=True):
            services.problem_start_fix(actor=world.actor("l3"), problem_id=problem.pk)
        [comment] = jira.to("/rest/api/3/issue/ENG-1/comment")
        text = comment.body["body"]["content"][0]["content"][0]["text"]
        assert "PRB-" in text and "Fix in progress" in text

        # when Jira says the issue is Done, signed with the shared secret
        body, headers = tracker_servers.jira_delivery("ENG-1", "Done", SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            answer = _hook("/api/v1/hooks/jira", body, headers)

        # then the fix is delivered: every ticket waits in verification at L2
        assert answer.status_code == 202, answer.content
        assert answer.json() == {"applied": True, "problem_id": problem.pk, "duplicate": False}
        assert {_status(world, t) for t in ids} == {(2, Status.VERIFYING)}
        problem.refresh_from_db()
        assert (problem.status, problem.tracker_status) == (ProblemStatus.FIX_DELIVERED, "Done")
        assert "Jira ENG-1: Done" in problem.events.last().note
        # and the tracker's own change is not echoed back to it
        assert len(jira.to("/comment")) == 1


def test_a_forged_or_unsigned_jira_delivery_is_refused_and_changes_nothing(world, immediate_tasks):
    problem, ids = three_tickets_two_partners(world)
    tracker = _tracker("jira", "http://127.0.0.1:9")
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key="ENG-9"
    )
    body, headers = tracker_servers.jira_delivery("ENG-9", "Done", "not-the-secret")
    assert _hook("/api/v1/hooks/jira", body, headers).status_code == 401
    body, _ = tracker_servers.jira_delivery("ENG-9", "Done", SECRET)
    assert _hook("/api/v1/hooks/jira", body, {}).status_code == 401
    # a body changed after signing is forged too
    _, headers = tracker_servers.jira_delivery("ENG-9", "Done", SECRET)
    tampered = body.replace(b"Done", b"Closed")
    assert _hook("/api/v1/hooks/jira", tampered, headers).status_code == 401
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.INVESTIGATING and problem.tracker_status == ""
    assert {_status(world, t) for t in ids} == {(3, Status.NEW)}


def test_a_released_jira_version_releases_and_tells_workaround_customers(world, immediate_tasks):
    # given an open problem with a Globex ticket resolved by the workaround
    brand_partners(world)
    problem, _ = three_tickets_two_partners(world)
    services.problem_update(
        actor=world.actor("l3"),
        problem_id=problem.pk,
        fields={"workaround": "Reconnect the credential daily.", "workaround_public": True},
    )
    waiting = ticket_at(world, "in_progress@L2", "globex")
    services.problem_link_ticket(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )
    services.problem_apply_workaround(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )
    tracker = _tracker("jira", "http://127.0.0.1:9")
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key="ENG-3"
    )
    # when Jira reports the fix version released
    body, headers = tracker_servers.jira_delivery("ENG-3", "Done", SECRET, released_version=True)
    answer = _hook("/api/v1/hooks/jira", body, headers)
    # then the problem is released and the workaround's customer is told once, in Globex's brand
    assert answer.status_code == 202
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RELEASED
    [told] = OutboundMail.objects.filter(ticket=waiting, kind=MailKind.REPLY)
    assert "help@globex.example" in told.from_email
    # and a repeated delivery changes nothing more
    _hook("/api/v1/hooks/jira", body, headers)
    assert OutboundMail.objects.filter(ticket=waiting, kind=MailKind.REPLY).count() == 1


def test_github_issue_created_commented_and_closed_with_released_label(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    problem, ids = three_tickets_two_partners(world)
    with tracker_servers.github(GITHUB_TOKEN) as gh:
        tracker = _tracker("github", gh.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            services.problem_tracker_attach(
                actor=world.actor("l3"), problem_id=problem.pk, tracker_id=tracker.pk
            )
        [created] = gh.to("/repos/example/platform/issues")
        assert created.body["title"] == problem.title
        assert created.headers["Accept"] == "application/vnd.github+json"
        problem.refresh_from_db()
        assert problem.tracker_key == "7"
        with django_capture_on_commit_callbacks(execute=True):
            services.problem_start_fix(actor=world.actor("l3"), problem_id=problem.pk)
        [comment] = gh.to("/issues/7/comments")
        assert "Fix in progress" in comment.body["body"]

        # a ping, another repository and a forged body change nothing
        body, headers = tracker_servers.github_delivery(7, SECRET, event="ping")
        assert _hook("/api/v1/hooks/github", body, headers).json()["applied"] is False
        body, headers = tracker_servers.github_delivery(7, SECRET, repo="other/repo")
        assert _hook("/api/v1/hooks/github", body, headers).json()["applied"] is False
        body, headers = tracker_servers.github_delivery(7, "forged")
        assert _hook("/api/v1/hooks/github", body, headers).status_code == 401
        assert {_status(world, t) for t in ids} == {(3, Status.NEW)}

        # when GitHub closes the issue: the fix is delivered to every waiting ticket
        body, headers = tracker_servers.github_delivery(7, SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            answer = _hook("/api/v1/hooks/github", body, headers)
        assert answer.status_code == 202 and answer.json()["applied"] is True
        assert {_status(world, t) for t in ids} == {(2, Status.VERIFYING)}
        # and with the `released` label the problem is released
        body, headers = tracker_servers.github_delivery(7, SECRET, labels=("released",))
        _hook("/api/v1/hooks/github", body, headers)
        problem.refresh_from_db()
        assert problem.status == ProblemStatus.RELEASED and problem.tracker_status == "closed"


def test_tracker_calls_obey_the_webhook_target_policy(world, settings):
    # given private targets are not allowed (the default)
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    problem, _ = three_tickets_two_partners(world)
    with tracker_servers.jira("bot@vendor.example", JIRA_TOKEN) as jira:
        tracker = _tracker("jira", jira.base_url)
        services.problem_tracker_attach(
            actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk
        )
        # when the task runs, the loopback tracker is refused before any request
        with pytest.raises(TrackerError):
            tracker_services.tracker_issue_create(problem_id=problem.pk)
        assert jira.requests == []


def test_wrong_credentials_leave_the_problem_unlinked(world, immediate_tasks):
    problem, _ = three_tickets_two_partners(world)
    with tracker_servers.jira("bot@vendor.example", "another-token") as jira:
        tracker = _tracker("jira", jira.base_url)
        services.problem_tracker_attach(
            actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk
        )
        with pytest.raises(TrackerError) as failed:
            tracker_services.tracker_issue_create(problem_id=problem.pk)
        assert "401" in str(failed.value) and JIRA_TOKEN not in str(failed.value)
    problem.refresh_from_db()
    assert problem.tracker_key == ""


def test_tracker_credentials_are_encrypted_at_rest(world):
    tracker = _tracker("github", "https://api.github.com")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token, webhook_secret FROM problems_tracker WHERE id = %s", [tracker.pk]
        )
        token, secret = cursor.fetchone()
    assert GITHUB_TOKEN not in token and SECRET not in secret
    assert token.startswith("gAAAAA")
    assert Tracker.objects.get(pk=tracker.pk).token == GITHUB_TOKEN
    assert GITHUB_TOKEN not in repr(tracker) and GITHUB_TOKEN not in str(tracker)


def test_problem_events_go_through_the_webhook_outbox_with_public_parts_only(world):
    # given a problem with tickets of two partners
    problem, ids = three_tickets_two_partners(world)
    # when the fix is delivered
    services.problem_deliver_fix(actor=world.actor("l3"), problem_id=problem.pk, reference="HF-1")
    # then one problem.fix_delivered per ticket, each for that ticket's partner
    rows = OutboxEvent.objects.filter(event="problem.fix_delivered")
    assert sorted(rows.values_list("ticket_id", flat=True)) == sorted(ids)
    payload = rows.first().payload["problem"]
    assert payload["id"] == problem.pk and payload["public_summary"]
    assert "internal_analysis" not in payload and "token.js" not in str(rows.first().payload)
    linked = OutboxEvent.objects.filter(event="problem.ticket_linked")
    assert sorted(linked.values_list("ticket_id", flat=True)) == sorted(ids)


def test_a_mapping_of_the_tracker_overrides_the_default(world):
    problem, _ = three_tickets_two_partners(world)
    tracker = _tracker(
        "jira",
        "http://127.0.0.1:9",
        status_map={"Waiting for deploy": "fix_in_progress", "Done": "closed"},
    )
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key="ENG-5"
    )
    body, headers = tracker_servers.jira_delivery("ENG-5", "Waiting for deploy", SECRET)
    _hook("/api/v1/hooks/jira", body, headers)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FIX_IN_PROGRESS
    # "Done" now means closed, which is refused while tickets wait: a note, no move
    body, headers = tracker_servers.jira_delivery("ENG-5", "Done", SECRET)
    _hook("/api/v1/hooks/jira", body, headers)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FIX_IN_PROGRESS
    assert "not applied" in problem.events.last().note
    assert Problem.objects.get(pk=problem.pk).tracker_status == "Done"


def test_the_admin_writes_tracker_secrets_and_never_shows_them(world):
    # given an admin adding a GitHub tracker
    client = Client()
    client.force_login(world.user("admin"))
    answer = client.post(
        "/admin/problems/tracker/add/",
        {
            "name": "Platform",
            "kind": "github",
            "base_url": "https://api.github.com",
            "project": "example/platform",
            "username": "",
            "token": GITHUB_TOKEN,
            "webhook_secret": SECRET,
            "status_map": "{}",
            "active": "on",
        },
    )
    assert answer.status_code == 302, answer.content
    tracker = Tracker.objects.get(name="Platform")
    # then the change page does not show them, and saving it empty keeps them
    page = client.get(f"/admin/problems/tracker/{tracker.pk}/change/").content.decode()
    assert GITHUB_TOKEN not in page and SECRET not in page
    client.post(
        f"/admin/problems/tracker/{tracker.pk}/change/",
        {
            "name": "Platform",
            "kind": "github",
            "base_url": "https://api.github.com",
            "project": "example/platform",
            "username": "",
            "token": "",
            "webhook_secret": "",
            "status_map": '{"label:deployed": "released"}',
            "active": "on",
        },
    )
    tracker.refresh_from_db()
    assert (tracker.token, tracker.webhook_secret) == (GITHUB_TOKEN, SECRET)
    assert tracker.status_map == {"label:deployed": "released"}


@pytest.mark.django_db(transaction=True)
def test_deliveries_over_http_from_the_trackers_to_a_live_server(live_server, settings):
    # given a problem linked to a Jira and a GitHub issue (two problems), served live
    from tests.factories import build_world

    world = build_world()
    first, _ = three_tickets_two_partners(world)
    second = services.problem_create(
        actor=world.actor("l2"), fields={"title": "Second", "public_summary": "Second."}
    )
    jira = _tracker("jira", "http://127.0.0.1:9")
    gh = _tracker("github", "https://api.github.com")
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=first.pk, tracker_id=jira.pk, key="ENG-1"
    )
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=second.pk, tracker_id=gh.pk, key="7"
    )
    # when Jira sends a forged delivery, then a signed one, over HTTP
    body, headers = tracker_servers.jira_delivery("ENG-1", "In Progress", "forged")
    assert tracker_servers.send(f"{live_server.url}/api/v1/hooks/jira", body, headers)[0] == 401
    body, headers = tracker_servers.jira_delivery("ENG-1", "In Progress", SECRET)
    assert tracker_servers.send(f"{live_server.url}/api/v1/hooks/jira", body, headers)[0] == 202
    # and GitHub sends a signed `issues` delivery reopening its issue
    body, headers = tracker_servers.github_delivery(7, SECRET, action="reopened")
    assert tracker_servers.send(f"{live_server.url}/api/v1/hooks/github", body, headers)[0] == 202
    # then both problems moved, and the forged delivery changed nothing
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.tracker_status) == (ProblemStatus.FIX_IN_PROGRESS, "In Progress")
    assert (second.status, second.tracker_status) == (ProblemStatus.FIX_IN_PROGRESS, "open")
