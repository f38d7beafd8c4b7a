#!/usr/bin/env python3
"""A bridge between any helpdesk and Tierdesk without a connector: the plain API and
webhooks, standard library only.

    # hand a ticket over (fields as JSON: see docs/api.md); prints the ticket or what is missing
    python plain_bridge.py handover --url https://tierdesk.example --token "$TOKEN" fields.json

    # receive Tierdesk's webhooks, verify them, and print what to relay to your tool
    python plain_bridge.py receive --port 8099 --secret "$WEBHOOK_SECRET"

Wire `relay()` to your tool's API (add a comment, set a status) and call `hand_over()` from
your tool's "escalate to vendor" button.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer


def hand_over(base_url: str, token: str, fields: dict) -> tuple[str, object]:
    """POST /api/v1/tickets with hand_over: ("handed_over", reference) or
    ("refused", [missing item messages]). Raises RuntimeError for anything else."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(fields, sort_keys=True))
    request = urllib.request.Request(  # noqa: S310 - the Tierdesk URL you configure
        f"{base_url.rstrip('/')}/api/v1/tickets",
        data=json.dumps({**fields, "hand_over": True}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            # one key per ticket of yours: a retry after a timeout opens no second ticket
            "Idempotency-Key": str(key),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return "handed_over", json.load(answer)["reference"]
    except urllib.error.HTTPError as refused:
        body = json.loads(refused.read() or b"{}")
        if refused.code == 422 and "missing" in body:
            return "refused", [item["message"] for item in body["missing"]]
        raise RuntimeError(f"{refused.code}: {body}") from None


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """X-Tierdesk-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - stamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def relay(event: dict) -> str | None:
    """What your tool should show for a Tierdesk event (None: nothing)."""
    data = event["data"]
    reference = data["ticket"]["reference"]
    name = event["event"]
    if name == "message.created":
        return f"{reference}: {data['message']['body']}"
    if name in ("ticket.escalated", "ticket.fix_delivered", "ticket.bounced"):
        return f"{reference}: {name.split('.', 1)[1].replace('_', ' ')}"
    if name == "ticket.resolved":
        return f"{reference} resolved: {data.get('customer_message', '')}"
    return None


def receiver(secret: str, seen: set[str], out=print):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not verify(secret, self.headers.get("X-Tierdesk-Signature", ""), body):
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            if event["id"] not in seen:  # the delivery id is the idempotency key
                seen.add(event["id"])
                text = relay(event)
                if text:
                    out(text)
            self.send_response(204)
            self.end_headers()

    return Handler


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    handover = commands.add_parser("handover")
    handover.add_argument("--url", required=True)
    handover.add_argument("--token", required=True)
    handover.add_argument("fields", help="a JSON file with the ticket's fields")
    receive = commands.add_parser("receive")
    receive.add_argument("--port", type=int, default=8099)
    receive.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    if args.command == "handover":
        with open(args.fields, encoding="utf-8") as handle:
            outcome, detail = hand_over(args.url, args.token, json.load(handle))
        print(outcome, json.dumps(detail))
        return 0 if outcome == "handed_over" else 2
    HTTPServer(("", args.port), receiver(args.secret, set())).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
