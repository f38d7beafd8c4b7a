"""`Idempotency-Key` on the API's POSTs: a retried write runs once, a reused key with
another body is refused, keys are per person and forgotten after their time."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from tests.factories import PLAIN_LOG, complete_fields, ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core import clock, idempotency, periodic
from tierdesk.core.models import IdempotencyKey
from tierdesk.core.tasks import prune_idempotency_keys_task
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, Message, Ticket

API = "/api/v1"


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, body, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(API + path, json.dumps(body), content_type="application/json", **headers)


def ticket_body(**overrides) -> dict:
    fields = complete_fields(**overrides)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    return body


def test_a_retried_create_replays_the_first_answer_and_creates_one_ticket(world):
    acme = client_for(world, "acme_l1")
    before = Ticket.objects.count()
    body = ticket_body()
    # when a partner's tool sends the same create twice with one key
    first = post(acme, "/tickets", body, key="create-4711")
    again = post(acme, "/tickets", body, key="create-4711")
    # then one ticket exists and the retry got the first answer, marked as a replay
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == before + 1


def test_json_is_compared_as_data_not_as_bytes(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    body = {"body": "Which order?", "internal": False}
    first = post(acme, f"/tickets/{ticket.pk}/messages", body, key="k1")
    # the same data with other key order and spacing is the same request
    again = acme.post(
        f"{API}/tickets/{ticket.pk}/messages",
        '{ "internal" : false, "body" : "Which order?" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Message.objects.filter(ticket=ticket, body="Which order?").count() == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    post(acme, f"/tickets/{ticket.pk}/messages", {"body": "First"}, key="msg-1")
    # when the key comes back with another body
    answer = post(acme, f"/tickets/{ticket.pk}/messages", {"body": "Second"}, key="msg-1")
    # then it is invalid input naming the header, and the second message is not written
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "idempotency_key_reused" and "Idempotency-Key" in body["fields"]
    assert not Message.objects.filter(ticket=ticket, body="Second").exists()
    # and the key on another path is another request too
    other = ticket_at(world, "in_progress@L1")
    assert (
        post(acme, f"/tickets/{other.pk}/messages", {"body": "First"}, key="msg-1").status_code
        == 422
    )


def test_keys_belong_to_the_person_who_sent_them(world):
    ticket = ticket_at(world, "in_progress@L2")
    l2 = client_for(world, "l2")
    lead = client_for(world, "lead")
    # when two people happen to use one key for the same request
    a = post(l2, f"/tickets/{ticket.pk}/messages", {"body": "Same words"}, key="shared")
    b = post(lead, f"/tickets/{ticket.pk}/messages", {"body": "Same words"}, key="shared")
    # then each wrote their own message
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b


def test_a_refused_write_is_not_remembered(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    ticket_pk = ticket.pk
    # given a handover refused by its gate (no log yet)
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket_pk,
        changes={"pasted_log": ""},
        version=None,
    )
    refused = post(acme, f"/tickets/{ticket_pk}/actions/hand_over", {}, key="handover-1")
    assert refused.status_code == 422 and refused.json()["code"] == "hand_over_refused"
    assert not IdempotencyKey.objects.filter(key="handover-1").exists()
    # when the cause is fixed and the same key is sent again, the write runs
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket_pk,
        changes={"pasted_log": PLAIN_LOG.decode()},
        version=None,
    )
    done = post(acme, f"/tickets/{ticket_pk}/actions/hand_over", {}, key="handover-1")
    assert done.status_code == 200 and done.json()["level"] == 2


def test_an_upload_retried_with_a_new_multipart_boundary_is_the_same_request(world):
    l2 = client_for(world, "l2")
    ticket = ticket_at(world, "in_progress@L2")
    path = f"{API}/tickets/{ticket.pk}/attachments"

    def upload():
        from django.core.files.uploadedfile import SimpleUploadedFile

        log = SimpleUploadedFile("run.log", PLAIN_LOG, content_type="text/plain")
        return l2.post(path, {"file": log, "kind": "log"}, HTTP_IDEMPOTENCY_KEY="up-1")

    first, again = upload(), upload()
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_an_unusable_key_is_422_naming_the_header(world, key):
    acme = client_for(world, "acme_l1")
    answer = post(acme, "/tickets", ticket_body(), key=key)
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["fields"]


def test_every_post_of_the_api_is_covered(world):
    # the reproduction record (another router's POST) replays too
    l2 = client_for(world, "l2")
    ticket = ticket_at(world, "in_progress@L2")
    body = {"reproduced": True, "steps": "Ran order 4711."}
    first = post(l2, f"/tickets/{ticket.pk}/reproduction", body, key="repro-1")
    again = post(l2, f"/tickets/{ticket.pk}/reproduction", body, key="repro-1")
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert ticket.reproductions.count() == 1


def test_every_post_operation_runs_through_the_idempotency_wrapper():
    from tierdesk.api import _post_operations, api, idempotent

    posts = list(_post_operations())
    assert len(posts) >= 15
    for operation in posts:
        assert idempotent in getattr(operation, "_run_decorators", []), operation.path
    # and every POST of the document is one of them (no router mounted after the walk)
    documented = {p for p, ops in api.get_openapi_schema()["paths"].items() if "post" in ops}
    assert documented <= {"/api/v1" + operation.path for operation in posts}


def test_keys_are_kept_a_day_then_pruned_by_the_worker(world, settings):
    acme = client_for(world, "acme_l1")
    post(acme, "/tickets", ticket_body(), key="old")
    row = IdempotencyKey.objects.get(key="old")
    assert row.expires_at - row.created_at == timedelta(hours=24)
    # the worker's beat runs the prune
    assert "idempotency.prune" in {job.name for job in periodic.jobs()}
    with clock.travel_to(clock.now() + timedelta(hours=23)):
        assert prune_idempotency_keys_task.call() == 0
    with clock.travel_to(clock.now() + timedelta(hours=25)):
        assert prune_idempotency_keys_task.call() == 1
    assert not IdempotencyKey.objects.filter(key="old").exists()


def test_an_expired_key_not_yet_pruned_is_a_new_request(world):
    acme = client_for(world, "acme_l1")
    ticket = ticket_at(world, "in_progress@L1")
    post(acme, f"/tickets/{ticket.pk}/messages", {"body": "Once"}, key="late")
    with clock.travel_to(clock.now() + timedelta(hours=25)):
        answer = post(acme, f"/tickets/{ticket.pk}/messages", {"body": "Twice"}, key="late")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two requests racing on one key need two connections to a server database",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_write_once(world, monkeypatch):
    # given a message service slow enough for the second request to arrive meanwhile
    ticket = ticket_at(world, "in_progress@L2")
    _, token = token_create(email=world.user("l2").email)
    real = services.message_add

    def slow_message_add(**kwargs):
        message = real(**kwargs)
        time.sleep(0.8)
        return message

    monkeypatch.setattr(services, "message_add", slow_message_add)
    barrier = threading.Barrier(2)
    answers: list = []

    def send():
        from django.db import connection as thread_connection

        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            barrier.wait(timeout=10)
            answers.append(post(client, f"/tickets/{ticket.pk}/messages", {"body": "Hi"}, "race"))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    # when both send the same key at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one wrote and the other waited and replayed its answer
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [False, True]
    assert Message.objects.filter(ticket=ticket, body="Hi").count() == 1


def test_the_fingerprint_covers_method_path_and_body(rf):
    a = rf.post("/api/v1/x", '{"a": 1}', content_type="application/json")
    b = rf.post("/api/v1/y", '{"a": 1}', content_type="application/json")
    c = rf.post("/api/v1/x", '{"a": 2}', content_type="application/json")
    assert len({idempotency.fingerprint(r) for r in (a, b, c)}) == 3
