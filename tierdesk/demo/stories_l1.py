"""Tickets still at level 1: just opened, being worked, waiting on the customer, and one
handover L2 bounced back."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.logs import Failure
from tierdesk.demo.story import Story, Timeline, log_name, platform_log, screenshot
from tierdesk.tickets.models import Channel

SAP_LOCKED = Failure(
    step=2,
    msg="Request failed with status code 401",
    error="Request failed with status code 401: Logon failed for user RFC_SHOPIFY",
    frames=p.AXIOS,
    every_record=True,
)


def missing_orders(T: Timeline) -> Story:
    at = T.ago("7h20m")
    s = Story("lindner-missing-orders", T.ago("38m"))
    s.open(
        "miriam",
        flow="lindner-orders",
        via_url=True,
        title="Orders from last night are missing in SAP",
        description="""Our warehouse noticed this morning that about 30 web shop orders from
        last night never arrived in SAP. The flow "Shopify → SAP orders" shows red executions
        since late evening. Screenshot attached.""",
        expected_behaviour="Every paid Shopify order is a sales order in SAP within 5 minutes.",
        actual_behaviour="Every execution fails at the SAP step with 401; no orders in SAP.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="The warehouse cannot pick or ship these orders; next-day delivery was "
        "promised to the shoppers.",
        needed_by=T.ahead("5h"),
        priority="high",
    )
    s.attach("miriam", "+4m", "shopify-sap-401.png", screenshot("lindner-orders", SAP_LOCKED, at))
    return s


def xero_did_not_run(T: Timeline) -> Story:
    s = Story("atlas-xero-not-run", T.ago("1h55m"))
    s.open(
        "liam",
        flow="atlas-xero",
        title="Invoice export to Xero did not run this morning",
        description="""The daily export normally puts yesterday's invoices into Xero by 7 am.
        Today there is nothing in Xero and our accounts team is waiting. We did not change
        anything in the flow.""",
        expected_behaviour="Yesterday's invoices are in Xero as drafts by 07:00.",
        actual_behaviour="No invoices in Xero; the flow overview shows no execution today.",
        occurred_at=T.ago("8h"),
        is_blocker=False,
        priority="normal",
    )
    return s


def hubspot_private_app(T: Timeline) -> Story:
    s = Story("kestrel-hubspot-403", T.ago("24m"))
    s.open(
        "aisha",
        flow="kestrel-renewals",
        channel=Channel.EMAIL,
        title="Policy renewals no longer reach HubSpot (403)",
        description="""Since our marketing team moved HubSpot to "private apps" yesterday,
        the renewals flow fails with "403 This app hasn't been granted all required scopes".
        Renewal reminders for next week depend on it.""",
        expected_behaviour="Renewed policies update the HubSpot contact's renewal date.",
        actual_behaviour="The HubSpot step fails with 403 for every policy.",
        occurred_at=T.ago("14h"),
        is_blocker=False,
        priority="normal",
    )
    return s


def dhl_slow(T: Timeline) -> Story:
    s = Story("hafen-dhl-slow", T.ago("3h10m"))
    s.open(
        "emre",
        customer="jan",
        flow="hafen-dhl",
        channel=Channel.PHONE,
        title="DHL shipments created much slower for a few days",
        description="""Jan Petersen called: creating DHL shipments for SAP deliveries takes
        up to 40 minutes instead of 2–3 for a few days now. Nothing fails, it is just slow. Their
        dispatch closes at 16:00, so late labels miss the truck.""",
        expected_behaviour="A delivery released in SAP has its DHL label within 5 minutes.",
        actual_behaviour="Labels arrive 25–40 minutes after release, no errors in the flow.",
        occurred_at=T.ago("1d2h"),
        reproducibility="sometimes",
        context="Mostly in the morning wave (08:00–10:00) when ~400 deliveries are released.",
        is_blocker=False,
        needed_by=T.ahead("2d"),
        priority="normal",
    )
    return s


def catalogue_question(T: Timeline) -> Story:
    s = Story("pennine-schedule-question", T.ago("1d1h"))
    s.open(
        "sophie",
        title="Can the catalogue sync run every 15 minutes?",
        description="""Our buying team updates prices several times a day. The Magento →
        Shopify catalogue flow runs hourly. Can we run it every 15 minutes, and does that
        change what we pay?""",
        no_flow_reason="A question about scheduling, not a problem with a flow.",
        priority="low",
    )
    return s


def mailchimp_key(T: Timeline) -> Story:
    at = T.ago("6h")
    s = Story("vitalis-mailchimp-401", T.ago("5h12m"))
    s.open(
        "paul",
        flow="vitalis-mailchimp",
        via_url=True,
        title="Newsletter opt-ins not arriving in Mailchimp",
        description="""New newsletter sign-ups from our pharmacy app stopped appearing in
        Mailchimp this morning. I downloaded the log of one run.""",
        expected_behaviour="Every opt-in from the app is a subscribed member in Mailchimp.",
        actual_behaviour="The Mailchimp step fails for every opt-in.",
        occurred_at=at,
        is_blocker=False,
        priority="normal",
    )
    s.attach(
        "paul",
        "+2m",
        log_name("vitalis-mailchimp", at),
        platform_log("vitalis-mailchimp", at, p.MAILCHIMP_401, records=3),
    )
    s.take("katrin", "+48m")
    s.note(
        "katrin",
        "+9m",
        """Log: 401 "API Key Invalid" on every record since the first run today. Looks like
        the key was revoked or rotated on Mailchimp's side — a credentials case, not for L2.""",
    )
    s.reply(
        "katrin",
        "+3m",
        """Hello Mr Schneider, the flow is rejected by Mailchimp with "API key invalid".
        Could someone check in Mailchimp (Profile → Extras → API keys) whether the key
        named "northwind-integration" is still active? If it was deleted, create a new one
        and we will enter it in the flow's credential with you.""",
    )
    s.reply(
        "paul",
        "+1h5m",
        """Our agency cleaned up API keys yesterday evening. They will send a new key this
        afternoon.""",
    )
    return s


def pricelist_sftp(T: Timeline) -> Story:
    at = T.ago("1d4h")
    s = Story("greenfield-pricelist-timeout", T.ago("22h"))
    s.open(
        "tom",
        flow="greenfield-pricelist",
        title="Nightly price list not on our SFTP server",
        description="""The price list file for our stores was not on sftp.greenfield-foods
        this morning. Stores opened with yesterday's prices.""",
        expected_behaviour="pricelist_YYYYMMDD.csv is in /outbound/prices by 03:00.",
        actual_behaviour="No file; the flow shows a failed execution at 02:00.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="Stores sell at yesterday's prices; promotions did not start.",
        needed_by=T.ahead("9h"),
        priority="high",
    )
    failure = Failure(
        step=3,
        msg="SFTP connection failed",
        error="Timed out while waiting for handshake",
        frames=("Timeout._onTimeout (/home/node/node_modules/ssh2/lib/client.js:1029:23)",),
        retries=("Connecting to sftp.greenfield-foods.example:22 timed out (1/2)",),
    )
    s.take("ravi", "+35m")
    s.attach(
        "ravi",
        "+6m",
        log_name("greenfield-pricelist", at),
        platform_log("greenfield-pricelist", at, failure, records=2),
    )
    s.note(
        "ravi",
        "+4m",
        """Handshake timeout, not an auth error. Greenfield's IT replaced their firewall
        last weekend — suspect the platform's egress IPs (3.121.45.200, 3.121.45.201) are
        not on the new allow-list. Asked Tom to check with IT.""",
    )
    s.reply(
        "ravi",
        "+2m",
        """Hi Tom, the platform cannot reach your SFTP server at all (the connection times
        out before login). Could your IT check that 3.121.45.200 and 3.121.45.201 are
        allowed on port 22 of the new firewall? Tonight's run will retry automatically.""",
    )
    return s


def meter_duplicates(T: Timeline) -> Story:
    s = Story("rheinau-meter-duplicates", T.ago("4h40m"))
    s.open(
        "tobias",
        customer="daniel",
        flow="rheinau-meter",
        channel=Channel.PHONE,
        title="Meter readings appear twice in SAP IS-U",
        description="""Daniel Wagner reports duplicate meter readings for about 120 meters
        in SAP IS-U from last night's import, which blocks this month's billing run.""",
        expected_behaviour="Each reading of the gateway export is posted to IS-U once.",
        actual_behaviour="Some readings are posted twice, the second with a new document "
        "number; IS-U plausibility check flags them.",
        occurred_at=T.ago("14h"),
        is_blocker=True,
        blocker_impact="Billing run for 38,000 customers cannot start until duplicates are "
        "cleared; it must start today.",
        needed_by=T.ahead("3h"),
        priority="urgent",
    )
    s.take("tobias", "+6m")
    s.update(
        "tobias",
        "+25m",
        check_connectivity="All steps reach their endpoints; the run completed without "
        "connection errors.",
        check_credentials="No authentication errors in the run; SAP user INT_METER active.",
    )
    s.note(
        "tobias",
        "+2m",
        """Preparing the handover. Waiting for Daniel's log export of the 02:00 run; may
        be related to the DST mapping ticket Olena escalated this week (same flow).""",
    )
    return s


def dhl_customs_bounced(T: Timeline) -> Story:
    """Handed over with the staging flow and a log of a good run: L2 sends it back."""
    staging_at = T.ago("1d3h")
    s = Story("hafen-dhl-customs", T.ago("1d5h"))
    s.open(
        "katrin",
        customer="anke",
        flow="hafen-dhl-staging",
        title="Customs data (CN23) missing for Swiss deliveries",
        description="""Anke Brandt: shipments to Switzerland are created without the
        customs declaration, so DHL rejects them at the hub and returns the parcels.""",
        expected_behaviour="Shipments to CH carry the CN23 export document data.",
        actual_behaviour="The shipment is created, but without export document data.",
        occurred_at=T.ago("1d6h"),
        steps_to_reproduce="Release a delivery to a Swiss address in SAP and let the flow "
        "create the shipment.",
        is_blocker=False,
        needed_by=T.ahead("1d6h"),
        check_connectivity="Flow runs and reaches DHL; no network errors.",
        check_credentials="DHL API credential tested OK.",
        priority="high",
    )
    s.take("katrin", "+5m")
    s.attach(
        "katrin",
        "+20m",
        log_name("hafen-dhl-staging", staging_at),
        platform_log("hafen-dhl-staging", staging_at, records=3),
    )
    s.hand_over("katrin", "+10m")
    s.take("lena", "+2h5m")
    s.bounce(
        "lena",
        "+25m",
        ["platform_ids", "logs"],
        """The flow ID is the staging copy ("SAP deliveries → DHL shipments (staging)"), but
        the rejected parcels were created by the production flow. The attached log is a
        successful staging run without any Swiss delivery. Please give the production
        flow and the log of an execution that created one of the returned shipments
        (delivery number from DHL's return notice).""",
    )
    s.note(
        "katrin",
        "+40m",
        "Asked Anke for the DHL return notice and the production execution of delivery 80004811.",
    )
    return s


def returns_zendesk(T: Timeline) -> Story:
    s = Story("lindner-returns-zendesk", T.ago("2d3h"))
    s.open(
        "miriam",
        flow="lindner-returns",
        title="Returns no longer create Zendesk tickets",
        description="""Since Friday our customer service sees no new return tickets in
        Zendesk, although returns are registered in Shopify.""",
        expected_behaviour="Each return in Shopify opens a Zendesk ticket for the service team.",
        actual_behaviour="No tickets in Zendesk for returns since Friday.",
        occurred_at=T.ago("4d"),
        is_blocker=False,
    )
    s.take("emre", "+1h20m")
    s.ask(
        "emre",
        "+15m",
        """Hello Ms Lindner, the flow has had no executions since Friday, so the webhook from
        Shopify may not be arriving. Could you send one return number from Friday or later,
        and check in Shopify (Settings → Notifications → Webhooks) whether the webhook for
        "Return request" still points to the platform URL?""",
    )
    return s


def xero_tax(T: Timeline) -> Story:
    s = Story("atlas-xero-tax", T.ago("1d22h"))
    s.open(
        "chloe",
        customer="liam",
        flow="atlas-xero",
        title="Invoices posted to Xero with 0% tax instead of 20% VAT",
        description="""Liam O'Connor: since the start of the month a few invoices in Xero
        have "No VAT" instead of "20% (VAT on Income)". Most are correct.""",
        expected_behaviour="Domestic invoices carry the tax rate OUTPUT2 (20%).",
        actual_behaviour="Some domestic invoices carry NONE (0%).",
        occurred_at=T.ago("3d"),
        is_blocker=False,
        priority="normal",
    )
    s.take("chloe", "+30m")
    s.ask(
        "chloe",
        "+12m",
        """Hi Liam, could you send two or three invoice numbers with the wrong tax rate, and
        a screenshot of Xero's tax rates page? Please keep the address bar visible.""",
    )
    return s


def hubspot_duplicates(T: Timeline) -> Story:
    s = Story("kestrel-hubspot-duplicates", T.ago("3d2h"))
    s.open(
        "aisha",
        flow="kestrel-renewals",
        title="Renewed policies create a second HubSpot contact",
        description="""For some renewals HubSpot gets a new contact instead of updating the
        existing one, so customers receive the renewal mail twice.""",
        expected_behaviour="The existing contact (matched by email) is updated.",
        actual_behaviour="A second contact with the same name and email is created.",
        occurred_at=T.ago("3d6h"),
        is_blocker=False,
        priority="low",
    )
    s.take("tobias", "+3h")
    s.ask(
        "tobias",
        "+20m",
        """Dear Ms Rahman, HubSpot matches contacts by email. Could you send the two
        contact IDs of one duplicate? I suspect one address differs in capitals or a
        trailing space.""",
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        missing_orders(T),
        xero_did_not_run(T),
        hubspot_private_app(T),
        dhl_slow(T),
        catalogue_question(T),
        mailchimp_key(T),
        pricelist_sftp(T),
        meter_duplicates(T),
        dhl_customs_bounced(T),
        returns_zendesk(T),
        xero_tax(T),
        hubspot_duplicates(T),
    ]
