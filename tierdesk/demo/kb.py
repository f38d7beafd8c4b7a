"""The demo's knowledge base beyond the seed articles: each partner's own articles,
written by its partner admin, an internal one of the vendor's, a draft, and reports
customers did not send because an article solved them. All through the services."""

from __future__ import annotations

from datetime import timedelta

from tierdesk.core import clock
from tierdesk.demo.story import Cast
from tierdesk.kb import seed as kb_seed
from tierdesk.kb.models import Article, Category
from tierdesk.kb.services import ArticleDraft, article_create, article_update
from tierdesk.triage import seed as triage_seed
from tierdesk.triage.services import deflection_record

NORTHWIND_VPN = """
Northwind runs the on-premises agent for customers whose ERP is not reachable from the
internet (SAP gateways, MSSQL in the office).

## Symptoms
- `connect ETIMEDOUT` or `ECONNREFUSED` to a `10.x` or `192.168.x` address.
- Only flows that talk to the on-premises system fail; cloud steps still work.

## How to confirm
1. Open *Agents* in the workspace: the agent's status is *offline* or its last heartbeat is old.
2. On the agent's host, `systemctl status nw-agent` shows whether it runs.

## How to fix
1. Restart the agent: `sudo systemctl restart nw-agent`.
2. If the host was moved, allow outbound HTTPS (443) from it to `agents.northwind.example`.
3. Retry the failed executions once the agent is online again.
"""

BLUEFIN_SHOPIFY = """
Bluefin's Shopify connector calls the Admin API of each shop with a private app token.

## Symptoms
- `429 Too Many Requests` during sales or bulk imports; `Exceeded 2 calls per second`.

## How to confirm
The shop's plan decides the limit: Shopify (2 calls/s) or Shopify Plus (20 calls/s).

## How to fix
- Set *Requests per second* in the connector's settings to 2 (or 20 on Plus).
- Split large imports into batches of 250 orders with a *Delay* step of 1 s between them.
"""

INTERNAL_LOGS = """
How L2 reads a platform log before asking L1 for more.

1. Sort by `time`; the failed step has `level` 50 and an `err.message`.
2. `ELASTICIO_EXEC_ID` ties every line of one execution together; `messageId` one message.
3. A `level` 40 line with *rebound* before the error means the platform retried already.
4. Compare `ELASTICIO_FLOW_VERSION` with the version the customer names.
"""


def build_kb(cast: Cast) -> int:
    """Returns how many articles the demo added."""
    kb_seed.load()
    triage_seed.load()
    now = clock.now()
    with clock.travel_to(now - timedelta(days=20)):
        northwind = article_create(
            actor=cast.actor("stefan"),
            draft=ArticleDraft(
                title="Northwind agent offline: on-premises systems unreachable",
                summary="Restart the on-premises agent when flows cannot reach the ERP.",
                body="Draft.",
                audience="partner",
                status="draft",
                category_id=Category.objects.get(slug="connections").pk,
            ),
        )
    with clock.travel_to(now - timedelta(days=19)):
        article_update(
            actor=cast.actor("stefan"),
            article_id=northwind.pk,
            version=northwind.version,
            note="Symptoms, checks and the restart",
            draft=ArticleDraft(
                title=northwind.title,
                summary=northwind.summary,
                body=NORTHWIND_VPN.strip(),
                audience="partner",
                status="published",
                category_id=northwind.category_id,
            ),
        )
        article_create(
            actor=cast.actor("gareth"),
            draft=ArticleDraft(
                title="Shopify 429 with the Bluefin connector",
                summary="Set the connector's requests per second to the shop's plan.",
                body=BLUEFIN_SHOPIFY.strip(),
                audience="partner",
                status="published",
            ),
        )
        # The vendor's own articles outlive a demo reset (they belong to no demo partner).
        for draft in (
            ArticleDraft(
                title="Reading a platform log (L2, internal)",
                body=INTERNAL_LOGS.strip(),
                audience="internal",
                status="published",
            ),
            ArticleDraft(
                title="Webhook signature mismatch after a secret rotation",
                body="To be written.",
                status="draft",
            ),
        ):
            if not Article.objects.filter(title=draft.title).exists():
                article_create(actor=cast.actor("lena"), draft=draft)
    token_article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    for who, days, text in (
        ("jan", 6, "HubSpot step fails: invalid_grant - Token has been expired or revoked."),
        ("emma", 3, "Xero sync: Failed to refresh token for credential 64b7f0c2aa91"),
    ):
        with clock.travel_to(now - timedelta(days=days)):
            deflection_record(actor=cast.actor(who), article_id=token_article.pk, text=text)
    return 4
