"""The chat in two browsers at once (a customer and an L1 agent), against the ASGI
application served by uvicorn on a free port (WebSockets: pytest-django's live server
speaks WSGI only). A chat answered live, a file sent, the handover draft filled from the
chat, a reconnect in the middle that loses nothing, the chat turned into a ticket and
handed over."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import timedelta

import pytest
import uvicorn
from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import People
from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG
from tierdesk.chat.models import Chat, ChatOutcome

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _OneThread:
    """In place of Django's per-request ThreadSensitiveContext: every request's database
    work runs in asgiref's one shared thread, like the consumers' — SQLite's shared
    in-memory test database takes one writer at a time."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


@pytest.fixture
def asgi_site(transactional_db, settings, monkeypatch):
    """uvicorn in a thread of this process, on the test database."""
    from tierdesk.asgi import django_application, websocket_application

    monkeypatch.setattr("django.core.handlers.asgi.ThreadSensitiveContext", _OneThread)
    settings.DEBUG = False
    application = ProtocolTypeRouter(
        {"http": ASGIStaticFilesHandler(django_application), "websocket": websocket_application}
    )
    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def pair(browser, browser_context_args, asgi_site, branded):
    crowd = People(browser, browser_context_args, asgi_site, branded)
    yield crowd
    crowd.close()


def _lines(page):
    return page.locator("#chat-lines li")


def test_a_chat_answered_live_becomes_a_ticket_handed_over(pair, asgi_site, branded, tmp_path):
    world = branded
    agent = pair("acme_l1", start="/chat/")
    customer = pair("acme_customer", start="/portal/chat/")
    # given an agent who sets themselves available
    agent.goto(f"{asgi_site}/chat/")
    agent.get_by_role("button", name="Set me available").click()
    expect(agent.get_by_text("You are available.")).to_be_visible()
    # when the customer starts a chat
    customer.goto(f"{asgi_site}/portal/chat/")
    customer.get_by_label("How can we help?").fill("Our orders flow stopped syncing")
    customer.get_by_role("button", name="Start the chat").click()
    expect(customer.get_by_text("You are number 1 in line.")).to_be_visible()
    expect(_lines(customer)).to_have_count(1)
    # then it appears live in the agent's waiting list, and the agent accepts it
    waiting = agent.locator("#chat-waiting li", has_text="Acme Customer")
    expect(waiting).to_be_visible()
    waiting.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(customer.get_by_text("You are talking with support.")).to_be_visible()
    expect(customer.locator("#chat").first).to_have_attribute("data-connected", "1")

    # when the agent asks and the customer answers with the flow's URL, a time and an error
    agent.get_by_label("Message").fill("Hello! Which flow is it, and when did it fail?")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(_lines(customer).filter(has_text="Which flow is it")).to_have_count(1)
    url = f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/7"
    when = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    customer.get_by_label("Message").fill(f"This one: {url} - it failed at {when}")
    customer.get_by_label("Message").press("Enter")  # a newline; the button sends
    customer.get_by_role("button", name="Send", exact=True).click()
    customer.get_by_label("Message").fill(
        "The step says: ERROR Request failed with status code 401"
    )
    customer.get_by_role("button", name="Send", exact=True).click()
    # and sends the log as a file
    log = tmp_path / "orders.log"
    log.write_bytes(PLAIN_LOG)
    customer.get_by_label("Attach a file").set_input_files(str(log))
    customer.get_by_label("Kind").select_option("log")
    customer.get_by_role("button", name="Send file").click()
    expect(_lines(agent).filter(has_text="orders.log")).to_have_count(1)

    # then the handover draft beside the chat is filled from it
    expect(agent.get_by_label("Contract ID")).to_have_value(ACME_CONTRACT)
    expect(agent.get_by_label("Flow ID")).to_have_value(ACME_FLOW)
    expect(agent.get_by_label("Error lines")).to_have_value(re.compile("status code 401"))
    expect(agent.get_by_label("When it happened")).to_have_value(re.compile(when.replace(" ", "T")))
    checklist = agent.get_by_role("list", name="Handover checklist")
    expect(checklist.locator("[data-code=platform_ids]")).to_have_class("ok")
    expect(checklist.locator("[data-code=logs]")).to_have_class("ok")
    expect(checklist.locator("[data-code=l1_checks]")).to_have_class("missing")

    # when the customer's connection drops in the middle and the agent writes meanwhile
    customer.evaluate("window.tierdeskChat.drop()")
    expect(customer.locator("#chat").first).to_have_attribute("data-connected", "0")
    agent.get_by_label("Message").fill("Thanks. Does it block your work right now?")
    agent.get_by_role("button", name="Send", exact=True).click()
    agent.get_by_label("Message").fill("And did the ERP password change recently?")
    agent.get_by_role("button", name="Send", exact=True).click()
    # then after the reconnect both arrive, once each, in order
    expect(customer.locator("#chat").first).to_have_attribute("data-connected", "1")
    expect(_lines(customer).filter(has_text="Does it block")).to_have_count(1)
    expect(_lines(customer).filter(has_text="ERP password")).to_have_count(1)
    seqs = [int(s) for s in _lines(customer).evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(set(seqs))
    texts = _lines(customer).all_inner_texts()
    assert texts.index(next(t for t in texts if "Does it block" in t)) < texts.index(
        next(t for t in texts if "ERP password" in t)
    )

    # when the agent completes what the chat did not say
    needed = timezone.localtime(timezone.now() + timedelta(days=2)).isoformat(timespec="minutes")
    for label, value in (
        ("Expected behaviour", "Orders are copied to the ERP"),
        ("Steps to reproduce", "Send an order through the flow"),
        ("Latest acceptable time", needed),
        ("Connectivity check", "The ERP answers from the platform"),
        ("Credentials check", "The API key was rotated yesterday"),
    ):
        agent.get_by_label(label).fill(value)
    agent.get_by_label("Blocker right now").select_option("no")
    agent.get_by_role("button", name="Save the draft").click()
    expect(agent.get_by_text("The handover is complete.")).to_be_visible()
    # and turns the chat into a ticket handed over at once
    agent.get_by_role("button", name="Turn into a ticket and hand over").click()
    expect(agent).to_have_url(re.compile(r"/tickets/\d+/$"))

    # then the ticket is at L2 with the transcript; the customer's chat points to it
    chat = Chat.objects.get(customer=world.user("acme_customer"))
    assert chat.outcome == ChatOutcome.HANDED_OVER
    assert (chat.ticket.level, chat.ticket.status) == (2, "new")
    expect(agent.get_by_text("Which flow is it").first).to_be_visible()
    expect(customer.get_by_role("link", name="Follow it as a ticket")).to_be_visible()


@pytest.fixture
def partner_site(tmp_path, asgi_site, branded):
    """A partner's own page on another site (localhost, not 127.0.0.1) with the one tag."""
    import functools
    import http.server

    port = _free_port()
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><head><title>Acme shop</title></head><body><h1>Acme shop</h1>"
        f'<script src="{asgi_site}/static/chat/widget-loader.js" data-partner="{branded.acme.pk}"'
        " async></script></body></html>"
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()


def test_the_widget_on_a_partners_site_chats_without_our_cookies(
    browser, browser_context_args, pair, asgi_site, partner_site, branded, tmp_path
):
    from tierdesk.chat import services
    from tierdesk.chat.models import WidgetSettings

    world = branded
    WidgetSettings.objects.create(organisation=world.acme, origins=partner_site)
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    agent = pair("acme_l1", start="/chat/")
    # given a visitor on the partner's own site, never signed in to the support site
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto(partner_site)
    # when they open the chat from the partner's one script tag and sign in inside it
    page.get_by_role("button", name="Chat with support").click()
    frame = page.frame_locator("iframe.tierdesk-chat-frame")
    expect(frame.get_by_text("Acme Integrations")).to_be_visible()
    expect(frame.locator("html[data-ui=ready]")).to_have_count(1)
    frame.get_by_label("Email").fill(world.user("acme_customer").email)
    frame.get_by_label("Password").fill("correct horse battery staple")
    frame.get_by_role("button", name="Sign in to chat").click()
    frame.get_by_label("How can we help?").fill("Hello from the shop")
    frame.get_by_role("button", name="Start the chat").click()
    # (the chat opened, not a ticket or a refusal; its first line comes over the WebSocket)
    expect(frame.locator("#chat"), "the chat opened (not a ticket, not a refusal)").to_be_visible()
    expect(frame.locator("#chat-lines li")).to_have_count(1, timeout=20_000)
    # then the agent sees it waiting, accepts and answers, and the visitor reads it live
    agent.goto(f"{asgi_site}/chat/")
    waiting = agent.locator("#chat-waiting li", has_text="Acme Customer")
    waiting.get_by_role("button", name="Accept").click()
    agent.get_by_label("Message").fill("Hi! How can I help?")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(frame.locator("#chat-lines li", has_text="How can I help")).to_have_count(1)
    frame.get_by_label("Message").fill("The orders flow fails")
    frame.get_by_role("button", name="Send", exact=True).click()
    expect(_lines(agent).filter(has_text="The orders flow fails")).to_have_count(1)
    # when the agent sends a knowledge-base article and a file
    from tierdesk.core.actor import SYSTEM
    from tierdesk.kb.services import ArticleDraft, article_create

    title = "Renew an expired wombatsync token"
    article_create(
        actor=SYSTEM, draft=ArticleDraft(title=title, body="Sign in again.", status="published")
    )
    agent.get_by_label("Find an article to send").fill("wombatsync")
    agent.locator("#chat-articles").get_by_role("button", name="Search").click()
    result = agent.locator(".chat-article-results li", has_text=title)
    result.get_by_role("button", name="Send").click()
    # (the page comes back with the conversation replayed, the article in it)
    expect(agent.locator("#chat-lines li.chat-article")).to_have_count(1)
    agent.get_by_label("Attach a file").set_input_files(
        files=[{"name": "run.log", "mimeType": "text/plain", "buffer": PLAIN_LOG}]
    )
    agent.get_by_label("Kind").select_option("log")
    agent.get_by_role("button", name="Send file").click()
    expect(agent.locator("#chat-lines li.chat-file", has_text="run.log")).to_have_count(1)
    # then the visitor reads the article as a link to the help page
    article = frame.locator("#chat-lines li.chat-article a")
    expect(article).to_have_text(title)
    assert "/portal/help/" in (article.get_attribute("href") or "")
    # and fetches the file with the chat's token from the frame, as a download
    link = frame.locator("#chat-lines li.chat-file a", has_text="run.log")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "run.log"
    download.value.save_as(saved)
    assert saved.read_bytes() == PLAIN_LOG
    # and no cookie of the support site was needed or set
    assert [c for c in context.cookies() if c["name"] == "sessionid"] == []
    context.close()
