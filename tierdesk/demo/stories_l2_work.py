"""Tickets L2 is working on: investigations, the second ticket of the webhook incident, a
reproduction recorded before escalating, and one the customer reopened."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.logs import Note, http_client_log
from tierdesk.demo.story import Story, Timeline, log_name, platform_log, screenshot
from tierdesk.demo.world import FLOW

SECRET_REQUEST = Note(
    2,
    0,
    "Sending request POST https://portal-api.stadtwerke-rheinau.example/v2/contacts",
    fields={
        "request": {
            "method": "POST",
            "headers": {
                "Content-Type": "application/json",
                "Authorization": "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnRl"
                "Z3JhLXN5bmMiLCJhdWQiOiJwb3J0YWwtYXBpIn0.Qm9ndXNTaWduYXR1cmVGb3JEZW1vT25seQ",
            },
        }
    },
)


def rheinau_session(T: Timeline) -> Story:
    at = T.ago("1d1h")
    s = Story("rheinau-sf-session", T.ago("1d"))
    s.open(
        "tobias",
        customer="daniel",
        flow="rheinau-sf",
        title="Salesforce contacts sync: 401 every two hours",
        description="""Daniel Wagner: the contacts sync to the customer portal fails with
        INVALID_SESSION_ID a few times a day; reconnecting the credential fixes it for a
        while.""",
        expected_behaviour="The sync runs every 15 minutes without manual reconnects.",
        actual_behaviour="Runs fail with INVALID_SESSION_ID about two hours after each reconnect.",
        occurred_at=at,
        reproducibility="always",
        steps_to_reproduce="Reconnect the credential, wait ~2 hours, watch the next runs.",
        is_blocker=False,
        needed_by=T.ahead("4d"),
        check_connectivity="Portal API and Salesforce reachable.",
        check_credentials="Reconnected the credential; works for ~2 h, then fails again.",
        priority="normal",
    )
    s.take("tobias", "+5m")
    s.attach(
        "tobias",
        "+10m",
        log_name("rheinau-sf", at),
        platform_log("rheinau-sf", at, p.SF_SESSION, records=4, notes=(SECRET_REQUEST,)),
    )
    s.hand_over("tobias", "+5m")
    s.take("marco", "+2h")
    s.note(
        "marco",
        "+30m",
        """Same pattern as the Vitalis contacts sync that Jonas has at L3 (token refresh
        fails with invalid_grant after Salesforce rotates the refresh token). Linking
        rather than escalating a second time. Note: the attached log contains the portal
        API's bearer token in clear text. @sarah.whitfield FYI.""",
    )
    s.reply(
        "marco",
        "+10m",
        """Hello Mr Wagner, we know this problem: the platform does not keep the new refresh
        token that Salesforce issues. Engineering is working on it. Until the fix, setting
        the connected app's "Refresh token policy" to "valid until revoked" without
        rotation avoids the failures.""",
    )
    return s


def pennine_netprice(T: Timeline) -> Story:
    at = T.ago("6h")
    s = Story("pennine-netprice", T.ago("5h30m"))
    s.open(
        "ravi",
        customer="sophie",
        flow="pennine-orders",
        title="Orders of £1,000 or more rejected by SAP",
        description="""Orders with a total of £1,000 or more fail at the SAP step since
        this morning's change to the price mapping (VAT display for the invoice text).""",
        expected_behaviour="Orders of any value are created in SAP.",
        actual_behaviour='SAP answers 400: Property "NetPrice" has invalid value "1.234,50".',
        occurred_at=at,
        steps_to_reproduce="Place a test order over £1,000; it fails at step 3.",
        is_blocker=True,
        blocker_impact="Large trade orders (tents, group kit) are not processed.",
        needed_by=T.ahead("6h"),
        check_connectivity="Smaller orders of the same run succeed.",
        check_credentials="Same credential works for smaller orders.",
        priority="urgent",
    )
    s.take("ravi", "+4m")
    s.attach(
        "ravi",
        "+6m",
        log_name("pennine-orders", at),
        platform_log("pennine-orders", at, p.SAP_NETPRICE, records=4, first=5230),
    )
    s.attach(
        "ravi",
        "+2m",
        "sap-netprice-pennine.png",
        screenshot("pennine-orders", p.SAP_NETPRICE, at, p.SAP_NETPRICE_SCREEN),
    )
    s.hand_over("ravi", "+3m")
    s.take("olena", "+25m")
    s.note(
        "olena",
        "+20m",
        """Same error as the Kaufhaus Lindner ticket three weeks ago (formatted display price
        reused for NetPrice). Pennine copied the German mapping template for their VAT
        text. Preparing the mapping change with Ravi.""",
    )
    return s


def stock_bundles_reopened(T: Timeline) -> Story:
    at = T.ago("4d4h")
    s = Story("lindner-bundles", T.ago("4d3h"))
    s.open(
        "emre",
        customer="miriam",
        flow="lindner-stock",
        title="Bundles show zero stock in Shopify",
        description="""Product bundles (e.g. "Bettwäsche-Set") show 0 in Shopify although
        all components are in stock in SAP.""",
        expected_behaviour="A bundle's stock is the minimum of its components' stock.",
        actual_behaviour="Bundles always show 0.",
        occurred_at=at,
        steps_to_reproduce="Look at SKU LIN-20431 (bundle of LIN-20432 and LIN-20433) in "
        "Shopify after the next sync.",
        is_blocker=False,
        needed_by=T.ahead("2d"),
        check_connectivity="The sync runs; other SKUs update.",
        check_credentials="No auth errors.",
        priority="normal",
    )
    s.take("emre", "+10m")
    s.attach(
        "emre",
        "+8m",
        log_name("lindner-stock", at),
        platform_log("lindner-stock", at, records=5, first=20429),
    )
    s.hand_over("emre", "+4m")
    s.take("lena", "+3h")
    s.resolve(
        "lena",
        "+1h",
        """Bundles have no stock of their own in SAP (they are BOM headers). Added a
        JSONata step that computes a bundle's stock from its components, as described in
        the KB article "Stock for bundles". Verified with LIN-20431.""",
        "configuration",
        customer_message=(
            "Bundles have no stock of their own in SAP, so the flow now adds up the stock of "
            "their components. Bundle stock is correct in your shop again."
        ),
    )
    s.reopen(
        "miriam",
        "+1d2h",
        """LIN-20431 is fine now, but bundles with three or more components (LIN-20500,
        LIN-20510) still show 0.""",
    )
    s.note(
        "lena",
        "+1h",
        "The expression only reads the first two BOM items. Fixing the mapping for any "
        "number of components.",
    )
    return s


def booking_webhook_incident(T: Timeline) -> Story:
    at = T.ago("2h50m")
    url = f"https://in.integra.example/hook/{FLOW['atlas-webhook'].flow_id}"
    s = Story("atlas-webhook-502", T.ago("2h35m"))
    s.open(
        "chloe",
        customer="liam",
        flow="atlas-webhook",
        title="Booking webhook answers 502 Bad Gateway",
        description="""Liam O'Connor: since about 10 minutes ago their booking system gets
        502 Bad Gateway from the platform webhook; no bookings reach the TMS.""",
        expected_behaviour="The webhook accepts bookings with 200.",
        actual_behaviour="Every call is answered with 502 after ~1.2 s.",
        occurred_at=at,
        steps_to_reproduce=f"curl -X POST {url} -d '{{}}' → 502",
        is_blocker=True,
        blocker_impact="No bookings reach the transport management system; trucks are "
        "dispatched from paper lists.",
        needed_by=T.ahead("2h"),
        check_connectivity="Reproduced from two networks (Atlas and Bluefin office) with curl.",
        check_credentials="Webhook has no auth; 502 comes before any authentication.",
        priority="urgent",
        incident=True,
    )
    s.take("chloe", "+3m")
    s.attach(
        "chloe",
        "+5m",
        "booking-dispatcher.log",
        http_client_log(url=url, at=at, seed="atlas-webhook", calls=30, failing_from=7),
    )
    s.hand_over("chloe", "+2m")
    s.take("lena", "+6m")
    s.note(
        "lena",
        "+4m",
        """Same incident as the Kaufhaus Lindner checkout webhook Sarah escalated to L3 a
        few minutes ago (ingress in eu-central returns 502). Keeping this one at L2 and
        linking it; updates go out from the incident ticket.""",
    )
    s.reply(
        "lena",
        "+3m",
        """We are aware of an incident affecting inbound webhooks and engineering is on it.
        Your booking system's retries will be accepted once it is resolved; we will update
        you here.""",
    )
    return s


def vitalis_umlauts(T: Timeline) -> Story:
    at = T.ago("2d4h")
    s = Story("vitalis-umlauts", T.ago("2d3h"))
    s.open(
        "emre",
        customer="paul",
        flow="vitalis-sf",
        title="Umlauts garbled in the loyalty system (MÃ¼ller)",
        description="""Paul Schneider: contacts synced from Salesforce to the loyalty system
        show "MÃ¼ller" instead of "Müller" since the flow was updated to version 8.""",
        expected_behaviour="Names arrive in the loyalty system exactly as in Salesforce.",
        actual_behaviour="Non-ASCII characters are double-encoded.",
        occurred_at=at,
        steps_to_reproduce="Change a contact's last name in Salesforce to 'Müller'; after "
        "the next run the loyalty system shows 'MÃ¼ller'.",
        is_blocker=False,
        needed_by=T.ahead("5d"),
        check_connectivity="All calls succeed (200).",
        check_credentials="Not relevant: calls succeed.",
        priority="normal",
    )
    s.take("emre", "+15m")
    s.attach("emre", "+10m", log_name("vitalis-sf", at), platform_log("vitalis-sf", at, records=4))
    s.hand_over("emre", "+3m")
    s.take("marco", "+4h")
    s.reproduce(
        "marco",
        "+1d",
        steps="""1. Copied flow v8 to the L2 test workspace with a request bin as target.
        2. Changed test contact 003TEST000001 to last name "Müller".
        3. Ran the flow once.""",
        environment=f"Contract {FLOW['vitalis-sf'].contract_id}, flow "
        f"{FLOW['vitalis-sf'].flow_id}, version v8; rest-api-component-v2 2.4.1.",
        observed="The request body is sent as UTF-8 but with 'Content-Type: application/json; "
        "charset=ISO-8859-1'; the loyalty system decodes it as Latin-1.",
        analysis="rest-api-component-v2 2.4.x sets the charset from the flow's default "
        "encoding setting, which the v8 migration set to ISO-8859-1. Component defect, or at "
        "least a wrong migration default.",
        evidence=(log_name("vitalis-sf", at),),
        log_lines='"Content-Type":"application/json; charset=ISO-8859-1" (request bin capture)',
    )
    s.note(
        "marco", "+10m", "Reproduced. Checking with L3 whether 2.4.2 fixes it before escalating."
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        rheinau_session(T),
        pennine_netprice(T),
        stock_bundles_reopened(T),
        booking_webhook_incident(T),
        vitalis_umlauts(T),
    ]
