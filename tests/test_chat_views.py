"""Thin tests of the chat pages, their JSON answers, and the widget's own session."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.factories import PLAIN_LOG
from tierdesk.chat import services
from tierdesk.chat.models import ChatStatus, WidgetSettings
from tierdesk.chat.routing import read_widget_token, widget_token

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def _client(world, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


def _live(world):
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    chat = services.chat_start(actor=world.actor("acme_customer"), body="Help")
    services.chat_accept(actor=world.actor("acme_l1"), chat_id=chat.pk)
    return chat


def test_pages_render_for_their_people_and_404_for_others(world):
    chat = _live(world)
    customer, agent = _client(world, "acme_customer"), _client(world, "acme_l1")
    # the customer's chat page and the agent's console with the chat and its draft
    page = customer.get(f"/portal/chat/{chat.pk}/")
    assert page.status_code == 200 and b'data-role="customer"' in page.content
    console = agent.get(f"/chat/{chat.pk}/")
    assert console.status_code == 200 and b"Handover draft" in console.content
    assert b"style=" not in re.split(rb"<body[^>]*>", console.content)[1]
    assert b"<script>" not in console.content and b" onclick=" not in console.content
    # another partner's agent and customer: not found, like a missing chat
    assert _client(world, "globex_l1").get(f"/chat/{chat.pk}/").status_code == 404
    assert _client(world, "globex_customer").get(f"/portal/chat/{chat.pk}/").status_code == 404
    assert agent.get("/chat/999999/").status_code == 404


def test_posting_bad_input_answers_422_naming_the_field(world):
    chat = _live(world)
    agent = _client(world, "acme_l1")
    answer = agent.post(f"/chat/{chat.pk}/messages/", {"body": " "}, **FETCH)
    assert answer.status_code == 422 and answer.json()["fields"] == {"body": "must not be empty"}
    answer = agent.post(f"/chat/{chat.pk}/files/", {"kind": "log"}, **FETCH)
    assert answer.status_code == 422 and "file" in answer.json()["fields"]
    answer = agent.post("/chat/presence/", {"available": "1", "max_chats": "x"}, **FETCH)
    assert answer.status_code == 422 and "max_chats" in answer.json()["fields"]
    chat.refresh_from_db()
    assert chat.last_seq == 2


def test_the_waiting_list_and_accept(world):
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    chat = services.chat_start(actor=world.actor("acme_customer"), body="Help", topic="Orders")
    agent = _client(world, "acme_l1")
    listing = agent.get("/chat/waiting/")
    assert b"Orders" in listing.content
    assert b"Orders" not in _client(world, "globex_l1").get("/chat/waiting/").content
    assert agent.post(f"/chat/{chat.pk}/accept/").status_code == 302
    chat.refresh_from_db()
    assert chat.status == ChatStatus.ACTIVE


def test_the_draft_partial_and_refused_hand_over(world):
    chat = _live(world)
    agent = _client(world, "acme_l1")
    answer = agent.post(f"/chat/{chat.pk}/draft/", {"expected_behaviour": "Orders sync"}, **FETCH)
    assert answer.status_code == 200 and b"Orders sync" in answer.content
    refused = agent.post(f"/chat/{chat.pk}/ticket/", {"hand_over": "1"}, **FETCH)
    assert refused.status_code == 422 and refused.json()["missing"]
    made = agent.post(f"/chat/{chat.pk}/ticket/", {}, **FETCH)
    assert made.status_code == 200 and made.json()["url"].startswith("/tickets/")


def test_the_widget_page_may_be_framed_only_by_the_partners_origins(world):
    WidgetSettings.objects.create(
        organisation=world.acme, origins="https://www.acme.example\njavascript:alert(1)"
    )
    page = Client().get(f"/chat/widget/{world.acme.pk}/")
    policy = page["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.acme.example" in policy
    assert "javascript" not in policy and "X-Frame-Options" not in page
    assert "script-src 'self'" in policy
    brand = Client().get(f"/chat/widget/{world.acme.pk}/brand.css")
    assert brand["Content-Type"].startswith("text/css") and b"--brand" in brand.content


def test_the_widget_has_its_own_session_without_our_cookies(world):
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    anonymous = Client(enforce_csrf_checks=True)
    # wrong password, and a customer of another brand: refused
    bad = anonymous.post(
        f"/chat/widget/{world.acme.pk}/session/",
        json.dumps({"email": "acme_customer@example.test", "password": "nope"}),
        content_type="application/json",
    )
    assert bad.status_code == 403
    other = anonymous.post(
        f"/chat/widget/{world.acme.pk}/session/",
        json.dumps({"email": "globex_customer@example.test", "password": PASSWORD}),
        content_type="application/json",
    )
    assert other.status_code == 403
    # the right customer gets a token and starts a chat with it (no cookie set)
    session = anonymous.post(
        f"/chat/widget/{world.acme.pk}/session/",
        json.dumps({"email": "acme_customer@example.test", "password": PASSWORD}),
        content_type="application/json",
    )
    assert session.status_code == 200 and "sessionid" not in session.cookies
    token = session.json()["token"]
    started = anonymous.post(
        "/chat/widget/api/start/",
        json.dumps({"body": "Hello from the widget"}),
        content_type="application/json",
        HTTP_X_CHAT_TOKEN=token,
    )
    assert started.status_code == 200
    chat_id = started.json()["chat"]
    assert read_widget_token(started.json()["token"]) == (world.user("acme_customer").pk, chat_id)
    # a file goes in with the chat's token, not with another chat's
    upload = anonymous.post(
        f"/chat/widget/api/{chat_id}/files/",
        {"file": _file(), "kind": "log"},
        HTTP_X_CHAT_TOKEN=started.json()["token"],
    )
    assert upload.status_code == 200
    stranger = widget_token(user_id=world.user("acme_customer").pk, chat_id=chat_id + 1)
    assert (
        anonymous.post(
            f"/chat/widget/api/{chat_id}/files/",
            {"file": _file(), "kind": "log"},
            HTTP_X_CHAT_TOKEN=stranger,
        ).status_code
        == 404
    )
    assert (
        anonymous.post("/chat/widget/api/start/", "{}", content_type="application/json").status_code
        == 403
    )


PASSWORD = "correct horse battery staple"


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("run.log", PLAIN_LOG)


@pytest.mark.parametrize("path", ["/chat/", "/chat/waiting/"])
def test_customers_and_anonymous_are_kept_out_of_the_console(world, path):
    assert Client().get(path).status_code == 302
    assert _client(world, "acme_customer").get(path).status_code == 403


def test_the_api_lists_visible_chats_and_their_measures(world):
    from tierdesk.accounts.services import token_create

    # given a chat resolved by Acme's agent, and one of Globex
    chat = _live(world)
    services.chat_end(actor=world.actor("acme_l1"), chat_id=chat.pk)
    services.presence_set(actor=world.actor("globex_l1"), available=True)
    services.chat_start(actor=world.actor("globex_customer"), body="Globex")
    _, token = token_create(email=world.user("acme_l1").email)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # when Acme's agent reads them, then only Acme's chat is there, with its measures
    listed = client.get("/api/v1/chats").json()
    assert [(c["id"], c["status"], c["outcome"]) for c in listed] == [
        (chat.pk, "ended", "resolved")
    ]
    figures = client.get("/api/v1/chats/measures").json()
    assert figures["chats"] == 1 and figures["resolved_without_ticket"] == 1
    assert figures["per_agent"] == [{"agent": "acme_l1@example.test", "chats": 1}]
    # and a typo in the status filter is refused naming it
    wrong = client.get("/api/v1/chats?status=endet")
    assert wrong.status_code == 422 and "status" in wrong.json()["fields"]
