"""Outbound tracker calls that fail are kept and shown: the problem page and the API show
the tracker's HTTP status, a short error, when and how many attempts; staff retry them
with a button (POST, CSRF) or `POST /problems/{id}/actions/retry_tracker`."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests import tracker_servers
from tests.problems_support import three_tickets_two_partners
from tests.test_api import client_for
from tierdesk.problems import services
from tierdesk.problems.models import (
    ProblemEvent,
    Tracker,
    TrackerCall,
    TrackerCallAction,
    TrackerCallState,
)

API = "/api/v1"
EMAIL, TOKEN = "bot@vendor.example", "jira-api-token-c0ffee"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True


def _jira(base_url: str, token: str) -> Tracker:
    return Tracker.objects.create(
        name="Jira",
        kind="jira",
        base_url=base_url,
        project="ENG",
        username=EMAIL,
        token=token,
        webhook_secret="s",
    )


def signed_in(world, who: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(world.user(who))
    return client


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_a_refused_issue_creation_shows_on_the_page_and_a_retry_creates_it(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a problem, and a Jira that refuses the token configured for it
    problem, _ = three_tickets_two_partners(world)
    with tracker_servers.jira(EMAIL, TOKEN) as jira:
        tracker = _jira(jira.base_url, "an-expired-token")

        # when L2 has the issue created
        with django_capture_on_commit_callbacks(execute=True):
            services.problem_tracker_attach(
                actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk
            )

        # then the failed call is kept: HTTP status, short error, time, one attempt
        [call] = TrackerCall.objects.filter(problem=problem)
        assert (call.action, call.state) == (TrackerCallAction.CREATE_ISSUE, "failed")
        assert (call.last_status, call.attempts) == (401, 1)
        assert call.last_error == "tracker answered HTTP 401"
        assert call.last_attempt_at is not None
        # and the problem page shows it to L3 with a retry button, never the token
        l3 = signed_in(world, "l3")
        html = l3.get(f"/problems/{problem.pk}/").content.decode()
        assert "Calls to the tracker" in html and "HTTP 401" in html
        assert "tracker answered HTTP 401" in html and "1 attempt" in html
        assert f"/problems/{problem.pk}/act/retry_tracker/" in html
        assert "an-expired-token" not in html
        # and a partner's agent sees no trace of it
        partner = signed_in(world, "acme_l1").get(f"/problems/{problem.pk}/").content.decode()
        assert "Calls to the tracker" not in partner and "HTTP 401" not in partner

        # when the retry button is posted without the CSRF token: refused, nothing queued
        strict = signed_in(world, "l2", enforce_csrf_checks=True)
        answer = strict.post(f"/problems/{problem.pk}/act/retry_tracker/", {"call": call.pk})
        assert answer.status_code == 403
        call.refresh_from_db()
        assert (call.state, call.attempts) == ("failed", 1)

        # when a partner's agent posts it: refused by the service
        answer = signed_in(world, "acme_l1").post(
            f"/problems/{problem.pk}/act/retry_tracker/", {"call": call.pk}
        )
        assert answer.status_code == 403
        call.refresh_from_db()
        assert call.state == "failed"

        # when the admin fixed the token and L2 presses Retry
        tracker.refresh_from_db()
        tracker.token = TOKEN
        tracker.save()
        with django_capture_on_commit_callbacks(execute=True):
            answer = signed_in(world, "l2").post(
                f"/problems/{problem.pk}/act/retry_tracker/", {"call": call.pk}
            )
        assert answer.status_code in (302, 303)

        # then the issue is created, the call is done after two attempts, the page is clear
        problem.refresh_from_db()
        assert problem.tracker_key == "ENG-1"
        call.refresh_from_db()
        assert (call.state, call.attempts, call.last_error) == ("done", 2, "")
        html = l3.get(f"/problems/{problem.pk}/").content.decode()
        assert "Calls to the tracker" not in html
        retried = ProblemEvent.objects.filter(problem=problem, kind="tracker_retried")
        assert retried.count() == 1 and retried.get().actor == world.user("l2")


def test_a_failed_comment_is_retried_through_the_api(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a problem linked to ENG-9 of a Jira that cannot be reached
    problem, _ = three_tickets_two_partners(world)
    tracker = _jira("http://127.0.0.1:9", TOKEN)
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key="ENG-9"
    )
    # when L3 starts the fix: the status change's comment fails
    with django_capture_on_commit_callbacks(execute=True):
        services.problem_start_fix(actor=world.actor("l3"), problem_id=problem.pk)
    [call] = TrackerCall.objects.filter(problem=problem)
    assert (call.action, call.state, call.last_status) == ("comment", "failed", None)
    assert call.last_error.startswith("tracker unreachable")

    # then the API's detail lists it for staff, and not for partners
    l2 = client_for(world, "l2")
    [shown] = l2.get(f"{API}/problems/{problem.pk}").json()["tracker_calls"]
    assert shown["id"] == call.pk and shown["state"] == "failed" and shown["attempts"] == 1
    assert shown["last_status"] is None and shown["last_error"].startswith("tracker unreachable")
    assert (
        client_for(world, "acme_l1").get(f"{API}/problems/{problem.pk}").json()["tracker_calls"]
        is None
    )

    # when a partner's agent or an unknown call is retried: refused, nothing queued
    path = f"{API}/problems/{problem.pk}/actions/retry_tracker"
    assert _post(client_for(world, "acme_l1"), path, {"call_id": call.pk}).status_code == 403
    unknown = _post(l2, path, {"call_id": call.pk + 1000})
    assert unknown.status_code == 422 and "call_id" in unknown.json()["fields"]

    # when Jira is reachable again and L2 retries every failed call
    with tracker_servers.jira(EMAIL, TOKEN) as jira:
        Tracker.objects.filter(pk=tracker.pk).update(base_url=jira.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            answer = _post(l2, path, {})
        # then the comment is posted to ENG-9 and the detail lists no call any more
        assert answer.status_code == 200, answer.content
        # (the answer may come before the queued attempt: nothing is failed any more)
        assert all(c["state"] != "failed" for c in answer.json()["tracker_calls"])
        [comment] = jira.to("/rest/api/3/issue/ENG-9/comment")
        assert "Fix in progress" in json.dumps(comment.body)
    call.refresh_from_db()
    assert (call.state, call.attempts) == (TrackerCallState.DONE, 2)
    assert l2.get(f"{API}/problems/{problem.pk}").json()["tracker_calls"] == []
    # and with nothing failed, a retry is a conflict
    nothing = _post(l2, path, {})
    assert nothing.status_code == 409


def test_a_call_is_attempted_once_even_if_its_task_runs_twice(world, monkeypatch):
    # given a pending comment call
    problem, _ = three_tickets_two_partners(world)
    tracker = _jira("http://127.0.0.1:9", TOKEN)
    services.problem_tracker_attach(
        actor=world.actor("l2"), problem_id=problem.pk, tracker_id=tracker.pk, key="ENG-2"
    )
    services.problem_start_fix(actor=world.actor("l3"), problem_id=problem.pk)
    [call] = TrackerCall.objects.filter(problem=problem)
    posted = []
    monkeypatch.setattr(
        "tierdesk.problems.trackers.clients.add_comment", lambda *args: posted.append(args)
    )
    from tierdesk.problems.services.tracker_calls import tracker_call_run

    # when two workers run its task
    assert tracker_call_run(call_id=call.pk) == "done"
    assert tracker_call_run(call_id=call.pk) is None
    # then the comment went out once
    assert len(posted) == 1
