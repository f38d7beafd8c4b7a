"""The recipe without a connector (docs/connectors.md): the example script hands a ticket
over through the plain API against a live server, and its webhook receiver verifies
Tierdesk's signature, relays each event once and refuses a forged one."""

from __future__ import annotations

import json
import runpy
import threading
import urllib.error
import urllib.request
from http.server import HTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import build_world, complete_fields
from tierdesk.accounts.services import token_create
from tierdesk.notify.webhooks import signature

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "examples" / "plain_bridge.py"


def _body(**overrides) -> dict:
    fields = complete_fields(**overrides)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    return body


@pytest.mark.django_db(transaction=True)
def test_the_script_hands_over_through_the_plain_api(live_server):
    world = build_world()
    token = token_create(email=world.user("acme_l1").email)[1]
    script = runpy.run_path(str(SCRIPT))
    # When the script hands a complete ticket over, then an incomplete one
    outcome, reference = script["hand_over"](live_server.url, token, _body())
    refused, missing = script["hand_over"](live_server.url, token, _body(pasted_log=""))
    # Then the first is at L2 and the second names what is missing, in the checklist's words
    assert outcome == "handed_over" and reference.startswith("TD-")
    assert refused == "refused" and len(missing) == 1 and "log" in missing[0].lower()


def _post(port: int, body: bytes, header: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/",
        data=body,
        headers={"X-Tierdesk-Signature": header, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_the_scripts_receiver_verifies_and_relays_each_event_once():
    script = runpy.run_path(str(SCRIPT))
    relayed: list[str] = []
    server = HTTPServer(("127.0.0.1", 0), script["receiver"]("whsec", set(), relayed.append))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    event = {
        "id": "0b6f7e4c-5d0a-4f43-9a52-6f1c2f0d7a11",
        "event": "message.created",
        "data": {"ticket": {"reference": "TD-10042"}, "message": {"body": "Which version?"}},
    }
    body = json.dumps(event).encode()
    good = signature("whsec", int(timezone.now().timestamp()), body)
    try:
        # A delivery, its retry, and a forgery
        assert _post(port, body, good) == 204
        assert _post(port, body, good) == 204
        assert _post(port, body, good.replace("v1=", "v1=0")) == 401
    finally:
        server.shutdown()
        server.server_close()
    assert relayed == ["TD-10042: Which version?"]
