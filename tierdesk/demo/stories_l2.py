"""Tickets at level 2 waiting for someone: handovers waiting to be accepted (one straight
from a partner's helpdesk tool, one handed over again after a bounce) and tickets waiting on
the customer's answer to L2's question."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.logs import Note
from tierdesk.demo.story import Story, Timeline, log_name, platform_log
from tierdesk.tickets.models import Channel


def webhook_late(T: Timeline) -> Story:
    at = T.ago("5h")
    s = Story("hafen-webhook-late", T.ago("2h30m"))
    s.open(
        "katrin",
        customer="jan",
        flow="hafen-webhook-sf",
        via_url=True,
        title="Shipment status updates reach Salesforce hours late",
        description="""Jan Petersen: status events from the carriers ("delivered",
        "exception") show up in Salesforce two to four hours after the carrier sent them.
        Their customer service tells consignees wrong information meanwhile.""",
        expected_behaviour="A carrier status event is on the Salesforce shipment within a minute.",
        actual_behaviour="Events arrive 2–4 hours late; the flow shows no errors, but the "
        "executions start late.",
        occurred_at=at,
        occurred_until=T.ago("3h"),
        reproducibility="sometimes",
        context="Seen several times this week, always in the carriers' busiest hours in the "
        "afternoon; mornings are fine.",
        is_blocker=False,
        needed_by=T.ahead("3d"),
        check_connectivity="Webhook endpoint answers 200 within 150 ms (tested with curl); "
        "Salesforce reachable.",
        check_credentials="Salesforce credential valid; no auth errors in the log.",
        priority="normal",
    )
    s.take("katrin", "+10m")
    s.attach(
        "katrin",
        "+30m",
        log_name("hafen-webhook-sf", at),
        platform_log("hafen-webhook-sf", at, records=6),
    )
    s.note(
        "katrin",
        "+5m",
        """The log shows the webhook receiving the event and the Salesforce step starting
        2 h 13 min later for the same messageId — the delay is inside the platform, not at the
        carrier. Handing over.""",
    )
    s.hand_over("katrin", "+20m")
    return s


def salesforce_session_direct(T: Timeline) -> Story:
    """Bluefin's helpdesk tool hands the ticket over through the API: created at new@L2."""
    at = T.ago("3h")
    log = platform_log("greenfield-sf", at, p.SF_SESSION, records=4).decode().splitlines()
    s = Story("greenfield-sf-session", T.ago("31m"))
    s.open(
        "ravi",
        customer="emma",
        flow="greenfield-sf",
        hand_over=True,
        channel=Channel.API,
        title="Salesforce contacts sync fails every ~2 hours with INVALID_SESSION_ID",
        description="""[Bluefin Zendesk #88412] Emma Clarke: the contacts sync stops with
        INVALID_SESSION_ID several times a day. Reconnecting the Salesforce credential
        helps for about two hours, then it fails again.""",
        expected_behaviour="The credential refreshes its token by itself; the sync runs "
        "every 15 minutes without errors.",
        actual_behaviour="After ~2 hours every run fails with INVALID_SESSION_ID until the "
        "credential is reconnected by hand.",
        occurred_at=at,
        pasted_log="\n".join(log[-4:]),
        reproducibility="always",
        steps_to_reproduce="""1. Reconnect the Salesforce credential (OAuth).
        2. Let the flow run every 15 minutes.
        3. After about 2 hours runs fail with INVALID_SESSION_ID.""",
        is_blocker=True,
        blocker_impact="Sales reps work with stale contacts; a credential reconnect by hand "
        "every two hours is not sustainable.",
        needed_by=T.ahead("1d4h"),
        check_connectivity="Salesforce reachable; the runs succeed right after a reconnect.",
        check_credentials="Reconnected the OAuth credential twice; the failure returns after "
        "~2 h. Salesforce 'Refresh token policy' is 'valid until revoked'.",
        priority="high",
    )
    return s


def pennine_duplicates(T: Timeline) -> Story:
    """Bounced for a missing log, handed over again with it: waiting at L2 once more."""
    at = T.ago("1d6h")
    s = Story("pennine-duplicates", T.ago("1d5h"))
    s.open(
        "chloe",
        customer="sophie",
        flow="pennine-orders",
        title="Orders created twice in SAP after the flow restarts",
        description="""Sophie Walsh: about 60 web orders were created a second time in SAP
        yesterday afternoon. The second copies were rejected by SAP for some, created for
        others; the warehouse shipped 9 orders twice.""",
        expected_behaviour="Each Shopify order is created in SAP once.",
        actual_behaviour="Orders placed days ago were processed again.",
        occurred_at=at,
        reproducibility="once",
        context="Happened once, yesterday during the sale's traffic peak. Nobody changed the flow.",
        is_blocker=False,
        no_logs_reason="The customer did not keep a log.",
        needed_by=T.ahead("2d"),
        check_connectivity="SAP and Shopify reachable; orders are processed.",
        check_credentials="Both credentials valid.",
        priority="high",
    )
    s.take("chloe", "+8m")
    s.hand_over("chloe", "+4m")
    s.take("olena", "+1h30m")
    s.bounce(
        "olena",
        "+20m",
        ["logs"],
        """The platform keeps execution logs for 30 days: please download the log of the
        execution that created the duplicates (Executions → filter "Failed" → Download log).
        It shows whether the trigger lost its state, which decides whether this goes to
        engineering.""",
    )
    s.attach(
        "chloe",
        "+2h",
        log_name("pennine-orders", at),
        platform_log(
            "pennine-orders",
            at,
            p.SNAPSHOT_DUPLICATE,
            records=5,
            notes=p.SNAPSHOT_NOTES,
            first=4602,
        ),
    )
    s.update("chloe", "+3m", no_logs_reason="")
    s.hand_over("chloe", "+2m")
    return s


def dhl_label_empty(T: Timeline) -> Story:
    at = T.ago("1d2h")
    basic = Note(
        2,
        -1,
        "Calling DHL Parcel DE Shipping API: POST "
        "https://api-eu.dhl.example/parcel/de/shipping/v2/orders Authorization: Basic "
        "aGFmZW5sb2dpc3Rpazp3aW50ZXJTdW4yMDI2IQ==",
    )
    s = Story("hafen-dhl-label", T.ago("1d1h"))
    s.open(
        "katrin",
        customer="jan",
        flow="hafen-dhl",
        title="DHL label PDF empty for some deliveries",
        description="""Jan Petersen: for a few deliveries a day the label PDF is empty; the
        flow shows the DHL step as failed.""",
        expected_behaviour="Each delivery gets a printable DHL label.",
        actual_behaviour="Some deliveries get no label; DHL answers with a validation message.",
        occurred_at=at,
        reproducibility="sometimes",
        context="About 5 of 400 deliveries a day; the warehouse prints those labels by hand.",
        is_blocker=False,
        needed_by=T.ahead("3d"),
        check_connectivity="DHL API reachable; most labels are created.",
        check_credentials="DHL credential valid.",
        priority="normal",
    )
    s.take("katrin", "+10m")
    s.attach(
        "katrin",
        "+15m",
        log_name("hafen-dhl", at),
        platform_log("hafen-dhl", at, p.LABEL_EMPTY, records=4, notes=(basic,)),
    )
    s.hand_over("katrin", "+5m")
    s.take("marco", "+5h")
    s.ask(
        "marco",
        "+30m",
        """Hello Mr Petersen, DHL reports "Die Hausnummer fehlt" (house number missing) for
        these deliveries. Could you send two affected delivery numbers and a screenshot of
        the ship-to address in SAP (transaction VL03N, partner tab)? We suspect the house
        number is in the street field for some customers.""",
    )
    return s


def edi_timestamps(T: Timeline) -> Story:
    at = T.ago("3d5h")
    s = Story("atlas-edi-time", T.ago("3d4h"))
    s.open(
        "liam",
        flow="atlas-edi",
        title="Shipment status times one hour off in Salesforce",
        description="""Since the clocks went back, status times from one carrier (NorthLine
        Haulage) are one hour early in Salesforce.""",
        expected_behaviour="Status times in Salesforce match the carrier's EDI 214 message.",
        actual_behaviour="Times are one hour early for NorthLine; other carriers are right.",
        occurred_at=at,
        is_blocker=False,
    )
    s.take("ravi", "+40m")
    s.attach("ravi", "+20m", log_name("atlas-edi", at), platform_log("atlas-edi", at, records=4))
    s.update(
        "ravi",
        "+5m",
        steps_to_reproduce="Compare EDI 214 #8812 (AT7 segment 0930 local) with Shipment "
        "SH-10022's Status_Time__c (08:30).",
        needed_by=T.ahead("6d"),
        check_connectivity="Messages arrive and are processed.",
        check_credentials="No auth errors.",
    )
    s.hand_over("ravi", "+5m")
    s.take("olena", "+1d")
    s.ask(
        "olena",
        "+1h",
        """Hello Liam, NorthLine's messages carry local times without a time zone code in
        the AT7 segment. Could you ask NorthLine whether they send UK local time, and
        whether they can add the time zone code (e.g. "LT" or "GM")?""",
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        webhook_late(T),
        salesforce_session_direct(T),
        pennine_duplicates(T),
        dhl_label_empty(T),
        edi_timestamps(T),
    ]
