"""Tickets that reached engineering: escalated on a reproduction record and waiting for L3,
the webhook incident escalated by a support lead's override, and tickets L3 is working on (one
after its fix failed verification)."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.logs import http_client_log
from tierdesk.demo.story import Story, Timeline, log_name, platform_log, screenshot
from tierdesk.demo.world import FLOW
from tierdesk.tickets.models import Channel


def env(flow: str) -> str:
    spec = FLOW[flow]
    return (
        f"Contract {spec.contract_id}, workspace {spec.workspace_id}, flow {spec.flow_id} "
        f'("{spec.name}"), version v{spec.version} ({spec.version_id}).'
    )


def rebound_dropped(T: Timeline) -> Story:
    at = T.ago("2d23h")
    s = Story("greenfield-rebound", T.ago("2d22h"))
    s.open(
        "emma",
        flow="greenfield-netsuite",
        title="Some sales orders never reach Shopify — no error anywhere",
        description="""During busy hours a few NetSuite sales orders never appear in
        Shopify. The execution shows no error, and we get no error e-mail.""",
        expected_behaviour="Every sales order reaches Shopify or the execution shows an error.",
        actual_behaviour="About 1 in 200 orders silently disappears.",
        occurred_at=at,
        is_blocker=False,
    )
    s.take("chloe", "+1h")
    s.attach(
        "chloe",
        "+10m",
        log_name("greenfield-netsuite", at),
        platform_log("greenfield-netsuite", at, records=3, notes=p.REBOUND_NOTES, first=88120),
    )
    s.update(
        "chloe",
        "+5m",
        reproducibility="sometimes",
        context="Only at peak times (Monday mornings), when Shopify throttles the app.",
        needed_by=T.ahead("5d"),
        check_connectivity="Other orders of the same run arrive.",
        check_credentials="Shopify credential valid.",
        priority="high",
    )
    s.hand_over("chloe", "+3m")
    s.take("lena", "+1d")
    s.reproduce(
        "lena",
        "+1d18h",
        steps="""1. Copy of the flow in the L2 test workspace, Shopify step pointed at a mock
        that answers 429 for one order id.
        2. Sent 20 orders.
        3. The order answered with 429 is rebounded 10 times and then disappears.""",
        environment=env("greenfield-netsuite") + " Reproduced on platform 26.11.2.",
        observed="After the 10th rebound the message is discarded with a WARN line only. The "
        "execution is shown as successful; no error e-mail; nothing in the error queue.",
        analysis="The rebound limit handler acks the message instead of routing it to the "
        "error queue. Data loss without a trace: platform defect.",
        evidence=(log_name("greenfield-netsuite", at),),
        log_lines="step_4 WARN Rebound limit reached, message discarded",
    )
    s.escalate("lena", "+10m")
    return s


def dst_shift(T: Timeline) -> Story:
    at = T.ago("2d10h")
    s = Story("rheinau-dst", T.ago("2d3h"))
    s.open(
        "daniel",
        flow="rheinau-meter",
        title="Readings of the DST night rejected by IS-U (one hour shifted)",
        description="""Readings taken between 02:00 and 03:00 in the night the clocks went
        back are shifted by one hour, and IS-U rejects them as implausible.""",
        expected_behaviour="Readings keep their local time with the right offset.",
        actual_behaviour="Readings of the repeated hour get +01:00 one hour too late.",
        occurred_at=at,
        is_blocker=False,
    )
    s.take("tobias", "+40m")
    s.attach(
        "tobias",
        "+5m",
        log_name("rheinau-meter", at),
        platform_log("rheinau-meter", at, p.DST_REJECTED, records=2, notes=p.DST_NOTES),
    )
    s.update(
        "tobias",
        "+10m",
        steps_to_reproduce="Re-run the import of the gateway file for the DST night "
        "(readings_20261025.csv); readings 02:15–02:45 are rejected.",
        needed_by=T.ahead("8d"),
        check_connectivity="All steps reach their systems.",
        check_credentials="No auth errors.",
    )
    s.hand_over("tobias", "+5m")
    s.take("olena", "+1h")
    s.reproduce(
        "olena",
        "+2h",
        steps="""1. Ran the flow's JSONata step in the mapper test view with input
        "2026-10-25T02:15:00" (no offset) and the flow's time zone Europe/Berlin.
        2. Result: 2026-10-25T03:15:00+01:00.""",
        environment=env("rheinau-meter"),
        observed="$toMillis() on local times without offset in the repeated DST hour yields "
        "the later instant plus one hour.",
        analysis="The JSONata runtime resolves ambiguous local times with the wrong fold. "
        "Affects every flow that parses local times in the DST night.",
        evidence=(log_name("rheinau-meter", at),),
    )
    s.escalate("olena", "+20m")
    return s


def checkout_incident(T: Timeline) -> Story:
    """The incident: a support lead escalates without a reproduction, with a reason."""
    at = T.ago("2h55m")
    url = f"https://in.integra.example/hook/{FLOW['lindner-webhook'].flow_id}"
    s = Story("lindner-webhook-incident", T.ago("2h48m"))
    s.open(
        "emre",
        customer="miriam",
        flow="lindner-webhook",
        channel=Channel.PHONE,
        title="INCIDENT: checkout webhook returns 502 — no reservations in SAP",
        description="""Miriam Lindner called: since a few minutes ago the shop's checkout
        webhook gets 502 Bad Gateway from the platform. No stock reservations reach SAP,
        so the shop oversells.""",
        expected_behaviour="The webhook accepts each checkout with 200 within a second.",
        actual_behaviour="Every call gets 502 Bad Gateway after ~1.2 s.",
        occurred_at=at,
        steps_to_reproduce=f"curl -X POST {url} -H 'Content-Type: application/json' -d '{{}}'",
        is_blocker=True,
        blocker_impact="Checkout works but reservations are lost: overselling during the "
        "sale, about 300 orders an hour.",
        needed_by=T.ahead("1h30m"),
        check_connectivity="502 reproduced with curl from Northwind's office and a mobile "
        "network; other sites are reachable.",
        check_credentials="The webhook has no authentication; the 502 comes from the ingress.",
        priority="urgent",
        incident=True,
    )
    s.take("emre", "+2m")
    s.attach(
        "emre",
        "+4m",
        "shopify-webhook-deliveries.log",
        http_client_log(url=url, at=at, seed="lindner-webhook", calls=26, failing_from=5),
    )
    s.attach(
        "emre",
        "+1m",
        "webhook-502.png",
        screenshot("lindner-webhook", p.WEBHOOK_502, at, p.WEBHOOK_502_SCREEN, recurring=True),
    )
    s.hand_over("emre", "+1m")
    s.take("sarah", "+4m")
    s.note(
        "sarah",
        "+3m",
        """Checked: ingress eu-central-1 returns 502 for all /hook/ routes since just
        before the first report; Bluefin reports the same for Atlas Freight. Not
        reproducible on staging (different ingress). Opening the incident bridge.""",
    )
    s.escalate(
        "sarah",
        "+2m",
        """Production incident: all inbound webhooks in eu-central fail with 502 for at
        least two partners. Cannot be reproduced outside production, so no reproduction
        record — engineering needs to look at the ingress now.""",
    )
    s.take("dmytro", "+4m")
    s.note(
        "dmytro",
        "+15m",
        """Ingress pods restarted by the 26.11.3 node-pool rollout; the new pods miss the
        webhook route config map (mounted from the old namespace). Rolling back the
        node pool; ETA 20 min.""",
    )
    s.reply(
        "sarah",
        "+5m",
        """Update: engineering has found the cause of the webhook failures and is rolling
        back a configuration change. We expect webhooks to recover within 30 minutes; your
        shop's retries will be accepted then.""",
    )
    return s


def vitalis_session(T: Timeline) -> Story:
    at = T.ago("4d2h")
    s = Story("vitalis-sf-session", T.ago("4d1h"))
    s.open(
        "katrin",
        customer="paul",
        flow="vitalis-sf",
        title="Salesforce contacts sync: INVALID_SESSION_ID after a few hours",
        description="""Paul Schneider: the Salesforce contacts sync fails several times a
        day with INVALID_SESSION_ID. Reconnecting the credential helps until the next
        failure about two hours later.""",
        expected_behaviour="The credential refreshes its access token by itself.",
        actual_behaviour="Runs fail with INVALID_SESSION_ID about two hours after every reconnect.",
        occurred_at=at,
        reproducibility="always",
        steps_to_reproduce="Reconnect the credential; the failure returns after ~2 h.",
        is_blocker=False,
        needed_by=T.ahead("3d"),
        check_connectivity="Salesforce reachable; runs succeed right after a reconnect.",
        check_credentials="Reconnected twice, the problem returns; the password was not changed.",
        priority="high",
    )
    s.take("katrin", "+5m")
    s.attach(
        "katrin",
        "+10m",
        log_name("vitalis-sf", at),
        platform_log("vitalis-sf", at, p.SF_SESSION, records=4, first=8801),
    )
    s.attach(
        "katrin",
        "+2m",
        "salesforce-invalid-session.png",
        screenshot("vitalis-sf", p.SF_SESSION, at, p.SF_SESSION_SCREEN, recurring=True),
    )
    s.hand_over("katrin", "+3m")
    s.take("lena", "+1h")
    s.reproduce(
        "lena",
        "+5h",
        steps="""1. Connected a Salesforce developer org with a connected app whose refresh
        token policy rotates tokens.
        2. Ran the flow every 15 minutes for three hours.
        3. At the first refresh Salesforce issues a new refresh token; the second refresh
        fails with invalid_grant.""",
        environment=env("vitalis-sf") + " Reproduced in the L2 test tenant on 26.11.2.",
        observed="The secrets service stores the new access token but keeps the old refresh "
        "token; the next refresh uses the revoked one.",
        analysis="The OAuth2 refresh handler ignores a refresh_token in the token response. "
        "Affects every OAuth2 credential whose provider rotates refresh tokens.",
        evidence=(log_name("vitalis-sf", at), "salesforce-invalid-session.png"),
        log_lines="Token refresh failed: invalid_grant: expired access/refresh token",
    )
    s.escalate("lena", "+10m")
    s.take("jonas", "+20h")
    s.note(
        "jonas",
        "+3h",
        """Confirmed in secrets-service: OAuth2Refresher.refresh() persists only
        access_token and expires_in. Fix in progress (persist a rotated refresh_token,
        migration for affected secrets). Also seen at Greenfield and Stadtwerke Rheinau.""",
    )
    return s


def claims_nulls_failed(T: Timeline) -> Story:
    """The first fix failed verification: back at L3."""
    at = T.ago("9d3h")
    s = Story("kestrel-claims-nulls", T.ago("9d2h"))
    s.open(
        "aisha",
        flow="kestrel-claims",
        title="Claims rejected by Guidewire: contact phone missing",
        description="""Claims with two or more contacts are rejected by Guidewire with
        "primaryPhone is required", although every contact in the portal has a phone.""",
        expected_behaviour="Claims from the portal are created in Guidewire.",
        actual_behaviour="Claims with several contacts are rejected with 422.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="About 30 claims a day are keyed in by hand by the claims team.",
    )
    s.attach(
        "aisha",
        "+6m",
        # The execution log copied as text from the platform's execution view.
        log_name("kestrel-claims", at, "txt"),
        platform_log("kestrel-claims", at, p.NULLS_DROPPED, records=3, as_text=True),
    )
    s.take("tobias", "+1h")
    s.update(
        "tobias",
        "+10m",
        steps_to_reproduce="Submit a claim with two contacts where the first has no email "
        "(null) in the portal's test environment.",
        needed_by=T.ahead("4d"),
        check_connectivity="Claims with one contact go through.",
        check_credentials="Guidewire credential valid.",
        priority="high",
    )
    s.hand_over("tobias", "+5m")
    s.take("marco", "+2h")
    s.reproduce(
        "marco",
        "+4h",
        steps="""1. Mapper test view with a claim whose contacts array is
        [{"email": null, "primaryPhone": "+44 20 7946 0018"}, {...}].
        2. Output: the first contact's null field removes the whole array element.""",
        environment=env("kestrel-claims"),
        observed="Array elements containing a null value are dropped, so the contacts shift "
        "and Guidewire sees a contact without a phone.",
        analysis="The mapper's 'omit empty values' option removes array elements instead of "
        "the null fields. Platform defect in the mapper runtime.",
        evidence=(log_name("kestrel-claims", at, "txt"),),
    )
    s.escalate("marco", "+15m")
    s.take("priya", "+1d")
    s.deliver_fix(
        "priya",
        "+2d",
        "HF-2026-109 (platform 26.11.1)",
        release="26.11.1",
        notes="'Omit empty values' now removes null fields, keeping the array element.",
    )
    s.verify(
        "marco",
        "+1d",
        False,
        """Fails against the reproduction: with a null in the LAST element the element is
        still dropped (contacts [ok, {"email": null}] → one contact). First and middle
        elements are fine now.""",
    )
    s.note(
        "priya",
        "+3d",
        "Off-by-one in the trailing-element path. Patch in review with a test for first, "
        "middle and last elements; ships as HF-2026-123.",
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        rebound_dropped(T),
        dst_shift(T),
        checkout_incident(T),
        vitalis_session(T),
        claims_nulls_failed(T),
    ]
