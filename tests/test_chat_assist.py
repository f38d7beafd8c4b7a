"""What helps inside a chat: triage findings beside it, knowledge-base articles sent into
it (only those its customer may read), the widget's file links, and waiting chats that
nobody answers in time becoming tickets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from tierdesk.chat import access, assist, handover, selectors, services
from tierdesk.chat.models import ChatOutcome, ChatStatus, MessageKind
from tierdesk.chat.routing import widget_token
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, WrongState
from tierdesk.kb import seed as kb_seed
from tierdesk.kb import services as kb_services
from tierdesk.kb.models import Article
from tierdesk.kb.services import ArticleDraft
from tierdesk.sla.models import Clock
from tierdesk.tickets import access as ticket_access
from tierdesk.triage import seed as triage_seed

TOKEN_ERROR = "Google Sheets step: invalid_grant - Token has been expired or revoked."


@pytest.fixture(autouse=True)
def _seeded(db):
    kb_seed.load()
    triage_seed.load()


def _live(world, customer="acme_customer", agent="acme_l1", body="My orders flow fails"):
    services.presence_set(actor=world.actor(agent), available=True)
    chat = services.chat_start(actor=world.actor(customer), body=body)
    services.chat_accept(actor=world.actor(agent), chat_id=chat.pk)
    return chat


def _article(world, key, **kw) -> Article:
    draft = ArticleDraft(title=f"{key} quokkasync", body=f"{key} body", status="published", **kw)
    return kb_services.article_create(actor=SYSTEM, draft=draft)


# --- triage findings beside the chat ---------------------------------------------------
def test_findings_of_the_customers_lines_fill_the_draft_context(world):
    # given a chat in which the customer pastes an expired-token error
    chat = _live(world)
    agent = world.actor("acme_l1")
    services.chat_post(actor=world.actor("acme_customer"), chat_id=chat.pk, body=TOKEN_ERROR)
    # and the agent's own lines quoting another error are no evidence of the customer's
    services.chat_post(actor=agent, chat_id=chat.pk, body="Is it a 503 Service Unavailable?")
    # when the agent looks at the findings and the draft
    found = assist.findings(agent, chat)
    state = handover.checklist(chat, clock.now(), found=found)
    # then the token cause is found with its line and its public article
    assert [f["cause"] for f in found] == ["token_expired"]
    assert found[0]["evidence"]["text"] == TOKEN_ERROR
    article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    assert found[0]["article"]["id"] == article.pk
    # and the draft's context names it, until the agent types their own
    assert state["values"]["context"].startswith("Triage: ")
    services.chat_draft_update(actor=agent, chat_id=chat.pk, fields={"context": "mine"})
    chat.refresh_from_db()
    assert handover.checklist(chat, clock.now(), found=found)["values"]["context"] == "mine"


def test_the_draft_partial_shows_the_findings_with_a_send_button(world):
    chat = _live(world)
    services.chat_post(actor=world.actor("acme_customer"), chat_id=chat.pk, body=TOKEN_ERROR)
    client = Client()
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/chat/{chat.pk}/draft/").content.decode()
    assert 'id="chat-findings"' in page and 'data-cause="token_expired"' in page
    assert f'action="/chat/{chat.pk}/articles/"' in page


# --- articles sent into the chat -------------------------------------------------------
def test_an_article_the_customer_may_read_is_sent_as_a_line(world):
    chat = _live(world)
    public = _article(world, "public")
    acme = _article(world, "acme", audience="partner", partner_id=world.acme.pk)
    agent = world.actor("acme_l1")
    # when the agent searches and sends both
    found = list(assist.sendable_articles(agent, chat, "quokkasync"))
    assert {a.pk for a in found} == {public.pk, acme.pk}
    for article in (public, acme):
        services.chat_send_article(actor=agent, chat_id=chat.pk, article_id=article.pk)
    # then the customer reads each as a line with its title and portal link
    lines = selectors.messages_after(world.actor("acme_customer"), chat.pk, 0)
    sent = [m["body"] for m in lines if m["kind"] == MessageKind.ARTICLE]
    assert sent == [f"{a.title}\n{a.portal_url()}" for a in (public, acme)]


def test_articles_the_customer_may_not_read_are_refused_and_nothing_is_sent(world):
    # given a vendor L1 agent chatting with a direct customer (the agent reads internal
    # articles, drafts and every partner's)
    chat = _live(world, customer="direct_customer", agent="vendor_l1")
    agent = world.actor("vendor_l1")
    internal = _article(world, "internal", audience="internal")
    acme = _article(world, "acme", audience="partner", partner_id=world.acme.pk)
    draft = kb_services.article_create(
        actor=SYSTEM, draft=ArticleDraft(title="draft quokkasync", body="d")
    )
    before = chat.messages.count()
    # when the agent tries to send each, then each is refused naming the field
    for article in (internal, acme, draft):
        with pytest.raises(InvalidInput) as refused:
            services.chat_send_article(actor=agent, chat_id=chat.pk, article_id=article.pk)
        assert "article" in refused.value.fields
    # and the search offers none of them
    assert list(assist.sendable_articles(agent, chat, "quokkasync")) == []
    assert chat.messages.count() == before


def test_only_the_chats_agent_sends_and_only_while_it_runs(world):
    chat = _live(world)
    public = _article(world, "public")
    with pytest.raises(Forbidden):
        services.chat_send_article(
            actor=world.actor("acme_customer"), chat_id=chat.pk, article_id=public.pk
        )
    with pytest.raises(NotFound):
        services.chat_send_article(
            actor=world.actor("globex_l1"), chat_id=chat.pk, article_id=public.pk
        )
    services.chat_end(actor=world.actor("acme_l1"), chat_id=chat.pk)
    with pytest.raises(WrongState):
        services.chat_send_article(
            actor=world.actor("acme_l1"), chat_id=chat.pk, article_id=public.pk
        )


def test_the_console_searches_and_sends_an_article(world):
    chat = _live(world)
    public = _article(world, "public")
    client = Client()
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/chat/{chat.pk}/?articles=quokkasync").content.decode()
    assert public.title in page
    bad = client.post(f"/chat/{chat.pk}/articles/", {"article": "x"}, HTTP_X_REQUESTED_WITH="fetch")
    assert bad.status_code == 422 and "article" in bad.json()["fields"]
    sent = client.post(f"/chat/{chat.pk}/articles/", {"article": public.pk})
    assert sent.status_code == 302
    assert chat.messages.filter(kind=MessageKind.ARTICLE).count() == 1


def test_a_chat_with_an_article_becomes_a_ticket_with_it_in_the_transcript(world):
    chat = _live(world)
    public = _article(world, "public")
    services.chat_send_article(actor=world.actor("acme_l1"), chat_id=chat.pk, article_id=public.pk)
    ticket = services.chat_to_ticket(actor=world.actor("acme_l1"), chat_id=chat.pk)
    customer = world.actor("acme_customer")
    bodies = "\n".join(m.body for m in ticket_access.visible_messages(customer, ticket))
    assert public.portal_url() in bodies


# --- waiting chats that nobody answers in time -----------------------------------------
def test_a_waiting_chat_times_out_into_a_ticket_in_the_customers_words(world, settings):
    settings.TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS = 600
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    start = clock.now()
    chat = services.chat_start(actor=world.actor("acme_customer"), body="Orders stopped")
    services.chat_post(actor=world.actor("acme_customer"), chat_id=chat.pk, body="Since 9:15")
    young = services.chat_start(actor=world.actor("acme_customer"), body="Another one")
    young.created_at = start + timedelta(minutes=5)
    young.save(update_fields=["created_at"])
    # when the sweep runs before the timeout, nothing changes
    assert services.chats_time_out(now=start + timedelta(minutes=9)) == []
    # when it runs after the timeout of the first chat only
    done = services.chats_time_out(now=start + timedelta(minutes=11))
    # then that chat became a ticket of the customer's with all their lines
    assert done == [chat.pk]
    chat.refresh_from_db()
    young.refresh_from_db()
    assert chat.status == ChatStatus.ENDED and chat.outcome == ChatOutcome.TIMED_OUT
    assert chat.ticket.customer == world.user("acme_customer")
    assert chat.ticket.description == "Orders stopped\n\nSince 9:15"
    assert young.status == ChatStatus.WAITING
    # and the customer is told in the chat, and the first response counts from the start
    last = selectors.messages_after(world.actor("acme_customer"), chat.pk, 0)[-1]
    assert f"ticket {chat.ticket.number}." in last["body"] and last["kind"] == MessageKind.SYSTEM
    first = Clock.objects.get(ticket=chat.ticket, kind="first_response", level=1)
    assert first.start == chat.created_at and first.stopped_at is None
    # and a second sweep changes nothing; the measures count it as turned into a ticket
    assert services.chats_time_out(now=start + timedelta(minutes=12)) == []
    figures = selectors.measures(access.visible_chats(world.actor("acme_l1")))
    assert figures["turned_into_tickets"] == 1


def test_no_timeout_when_switched_off_and_accepted_chats_are_left_alone(world, settings):
    settings.TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS = 0
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    waiting = services.chat_start(actor=world.actor("acme_customer"), body="hello")
    later = clock.now() + timedelta(days=1)
    assert services.chats_time_out(now=later) == []
    settings.TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS = 60
    accepted = _live(world)
    assert services.chats_time_out(now=later) == [waiting.pk]
    accepted.refresh_from_db()
    assert accepted.status == ChatStatus.ACTIVE


# --- the widget's files ----------------------------------------------------------------
def test_the_widget_downloads_a_file_with_its_chat_token_only(world):
    chat = _live(world)
    message = services.chat_attach(
        actor=world.actor("acme_l1"),
        chat_id=chat.pk,
        file=b"2026-12-07T09:15:00Z ERROR boom\n",
        filename="run.log",
        kind="log",
    )
    file_id = message.file.pk
    url = f"/chat/widget/api/{chat.pk}/files/{file_id}/"
    anonymous = Client()
    mine = widget_token(user_id=world.user("acme_customer").pk, chat_id=chat.pk)
    answer = anonymous.get(url, HTTP_X_CHAT_TOKEN=mine)
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["Content-Type"] == "application/octet-stream"
    assert b"".join(answer.streaming_content) == b"2026-12-07T09:15:00Z ERROR boom\n"
    # without a token, with another chat's token, or another customer's: refused
    assert anonymous.get(url).status_code == 403
    other = widget_token(user_id=world.user("acme_customer").pk, chat_id=chat.pk + 1)
    assert anonymous.get(url, HTTP_X_CHAT_TOKEN=other).status_code == 404
    stranger = widget_token(user_id=world.user("globex_customer").pk, chat_id=chat.pk)
    refused = anonymous.get(url, HTTP_X_CHAT_TOKEN=stranger)
    assert refused.status_code == 404 and json.loads(refused.content)["code"] == "not_found"
