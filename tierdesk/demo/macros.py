"""The demo's macros and signatures: the vendor's canned replies (one asks for the log and
waits on the customer, one resolves a credential problem), Northwind's and Bluefin's own,
a personal one, and signatures for the people the demo logins point at."""

from __future__ import annotations

from tierdesk.demo.story import Cast
from tierdesk.kb.models import Article
from tierdesk.macros.services import MacroDraft, macro_create, signature_set

SIGNATURES = {
    "lena": "Lena Vogel · Integra L2 Support",
    "olena": "Olena Kovalenko · Integra L2 Support (Kyiv)",
    "tobias": "Tobias Krüger · Integra Support",
    "katrin": "Katrin Meyer · Northwind Support · +49 40 555 0100",
    "chloe": "Chloe Turner · Bluefin Support",
}


def _article(slug: str) -> str:
    """`{{ kb:<id> }}` for a seeded public article, or "" when it is not there."""
    pk = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
    return f"{{{{ kb:{pk} }}}}" if pk else ""


def build_macros(cast: Cast) -> int:
    """Returns how many macros the demo added."""
    expired = _article("oauth-token-expired-or-revoked")
    macros = [
        (
            "lena",
            "organisation",
            MacroDraft(
                name="Ask for the execution log",
                body="Hello {{ customer.first_name }},\n\nto find what happened in "
                "{{ ticket.number }} we need the execution's log as a file: open the failed "
                "execution in the platform and use **Download log**, then attach the `.log` "
                "file here. A screenshot of a log is not enough, sorry.",
                set_priority="",
                action="ask_customer",
            ),
        ),
        (
            "lena",
            "organisation",
            MacroDraft(
                name="Resolved: expired credential",
                body="Hello {{ customer.first_name }},\n\nthe connection's refresh token had "
                "expired. Reconnecting the credential solves it"
                + (f"; the steps are here: {expired}" if expired else "")
                + ".\n\nIf it happens again, reply to {{ ticket.number }} and we reopen it.",
                action="resolve",
                resolution="Refresh token expired (invalid_grant in the step log); the customer "
                "reconnected the credential.",
                cause="credentials",
            ),
        ),
        (
            "sarah",
            "organisation",
            MacroDraft(
                name="Incident: we are on it",
                body="Hello {{ customer.first_name }},\n\nwe know of a problem on the platform "
                "that affects {{ ticket.number }} and are working on it now. We will update this "
                "ticket as soon as we know more.",
                set_priority="urgent",
            ),
        ),
        (
            "stefan",
            "organisation",
            MacroDraft(
                name="Northwind: first answer",
                body="Hello {{ customer.name }},\n\nthank you for contacting {{ partner.brand }} "
                "support. {{ agent.first_name }} is looking into {{ ticket.number }} now.",
            ),
        ),
        (
            "stefan",
            "organisation",
            MacroDraft(
                name="Northwind: screenshot with the address bar",
                body="Hello {{ customer.first_name }},\n\ncould you send a screenshot of the flow "
                "in the platform with the browser's address bar visible? The address tells us "
                "the contract, workspace and flow.",
                action="ask_customer",
            ),
        ),
        (
            "gareth",
            "organisation",
            MacroDraft(
                name="Bluefin: Shopify rate limit",
                body="Hi {{ customer.first_name }},\n\nShopify limits how many requests a shop "
                "may send per second. Please lower the connector's requests per second to your "
                "plan's limit; {{ agent.name }} from {{ partner.brand }} can help if needed.",
            ),
        ),
        (
            "katrin",
            "personal",
            MacroDraft(
                name="Check the on-premises agent",
                body="Hello {{ customer.first_name }},\n\nplease check that the on-premises "
                "agent on your server is running (its window says *connected*) and restart it "
                "if not. Does the flow run again afterwards?",
                action="ask_customer",
            ),
        ),
    ]
    for who, scope, draft in macros:
        macro_create(actor=cast.actor(who), scope=scope, draft=draft)
    for who, body in SIGNATURES.items():
        signature_set(actor=cast.actor(who), body=body)
    return len(macros)
