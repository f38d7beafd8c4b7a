"""Tickets solved without engineering: resolved at L1 (the obvious causes), resolved at L2
with a workaround, and closed ones — confirmed by the customer or after the reopen period."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.story import Story, Timeline, log_name, platform_log, screenshot, span
from tierdesk.tickets.models import Channel


def stock_refused(T: Timeline) -> Story:
    at = T.ago("1d9h")
    s = Story("lindner-stock-refused", T.ago("1d8h"))
    s.open(
        "miriam",
        flow="lindner-stock",
        title="Stock levels in Shopify not updated since this morning",
        description="""Stock in the shop is stuck at this morning's numbers; we sold items
        that are no longer in the warehouse.""",
        expected_behaviour="Shopify stock follows SAP within 15 minutes.",
        actual_behaviour="Every run fails at the first step with ECONNREFUSED.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="Overselling: 14 orders for items out of stock so far.",
    )
    s.attach(
        "miriam",
        "+3m",
        log_name("lindner-stock", at),
        platform_log("lindner-stock", at, p.SAP_REFUSED, records=3),
    )
    s.take("emre", "+22m")
    s.note(
        "emre",
        "+6m",
        """ECONNREFUSED from 194.25.134.12 (Lindner's SAP gateway) on every record; other
        Northwind customers' flows run. The platform moved to new egress IPs last week (see
        the platform newsletter) — Lindner's firewall probably still allows only the old
        ones.""",
    )
    s.reply(
        "emre",
        "+4m",
        """Hello Ms Lindner, your SAP gateway refuses connections from the platform. Since
        last week the platform connects from 3.121.45.200 and 3.121.45.201; please ask your IT
        to allow both on port 443 of the SAP gateway. The flow will catch up by itself.""",
    )
    s.reply("miriam", "+1h10m", "IT has added both addresses. Stock is moving again, thank you!")
    s.resolve(
        "emre",
        "+15m",
        """The customer's firewall in front of the SAP gateway did not allow the platform's
        new egress IPs (3.121.45.200/201). IT added them; the flow caught up at the next run.""",
        "connectivity",
        customer_message=(
            "Your IT team's firewall did not yet allow the platform's new addresses. Now that "
            "they are added, the flow has caught up with every waiting order. Thank you for "
            "your help!"
        ),
    )
    return s


def shopify_rate_limit(T: Timeline) -> Story:
    at = T.ago("2d5h")
    s = Story("pennine-shopify-429", T.ago("2d4h"))
    s.open(
        "chloe",
        customer="sophie",
        flow="pennine-orders",
        title="Order sync fails with 429 Too Many Requests during the sale",
        description="""Sophie Walsh: during the Black Friday preview sale, order
        executions fail with 429 from Shopify. Orders arrive in SAP late or after a retry.""",
        expected_behaviour="Orders are in SAP within minutes, also during a sale.",
        actual_behaviour="Shopify answers 429; executions retry and some fail.",
        occurred_at=at,
        is_blocker=False,
        priority="high",
    )
    s.take("chloe", "+4m")
    s.attach(
        "chloe",
        "+10m",
        log_name("pennine-orders", at),
        platform_log("pennine-orders", at, p.SHOPIFY_429, records=5),
    )
    s.note(
        "chloe",
        "+5m",
        "Shopify's REST limit (2 calls/s for a standard app) — the flow runs with "
        "parallelism 8. Known from our KB: set the component's rate limit.",
    )
    s.resolve(
        "chloe",
        "+20m",
        """Shopify's API limit was exceeded because the flow processes 8 orders in
        parallel. Set "Requests per second" to 2 in the Shopify step and parallelism to 2;
        the sale traffic runs without 429s since.""",
        "configuration",
        customer_message=(
            "The flow sent more requests to Shopify at once than Shopify allows. We slowed it "
            "down a little (2 requests per second, 2 at a time); your sale orders go through "
            "without errors since."
        ),
    )
    return s


def platform_login(T: Timeline) -> Story:
    s = Story("vitalis-login", T.ago("2d7h"))
    s.open(
        "paul",
        title="Cannot log in to the integration platform after a password reset",
        description="""After resetting my password I get "Your account is locked" on the
        platform's login page.""",
        no_flow_reason="Login to the platform, not about a flow.",
        is_blocker=False,
        priority="normal",
    )
    s.take("katrin", "+35m")
    s.reply(
        "katrin",
        "+10m",
        """Hello Mr Schneider, the account was locked after five attempts with the old
        password (probably a saved password in your browser). I have unlocked it; please
        log in with the new password and update the saved one.""",
    )
    s.resolve(
        "katrin",
        "+2m",
        "Account locked after failed logins with the saved old password; unlocked by the "
        "partner admin, customer told to update the browser's saved password.",
        "credentials",
        customer_message=(
            "Your account was locked after several sign-ins with an old saved password. It is "
            "unlocked now; please update the password your browser saved."
        ),
    )
    return s


def datev_auth_closed(T: Timeline) -> Story:
    at = T.ago("25d2h")
    s = Story("hafen-datev-auth", T.ago("25d1h"))
    s.open(
        "jan",
        flow="hafen-datev",
        title="DATEV export fails: SFTP authentication failed",
        description="The daily invoice export to our tax adviser's DATEV SFTP failed today.",
        expected_behaviour="The invoice batch is uploaded to the DATEV SFTP every night.",
        actual_behaviour="The SFTP step fails with 'All configured authentication methods failed'.",
        occurred_at=at,
        is_blocker=False,
    )
    s.attach(
        "jan",
        "+5m",
        log_name("hafen-datev", at),
        platform_log("hafen-datev", at, p.SFTP_AUTH, records=2),
    )
    s.take("katrin", "+1h")
    s.reply(
        "katrin",
        "+12m",
        """Hello Mr Petersen, the SFTP server refuses the platform's key. Did your tax
        adviser's office change the SFTP access recently? They may have rotated the
        authorised keys.""",
    )
    s.reply(
        "jan",
        "+2h",
        """Yes — they moved to a new server and sent us a new user name last week. We
        entered it in the credential now and the export went through.""",
    )
    s.resolve(
        "katrin",
        "+10m",
        "The tax adviser moved to a new SFTP server with a new user; the customer updated "
        "the credential.",
        "credentials",
        customer_message=(
            "Thank you for updating the login for your tax adviser's new SFTP server; the "
            "export runs again."
        ),
    )
    s.rate("jan", "+20m", 5, "Quick pointer to the new login, thank you.")
    s.close("jan", "+1d1h")
    return s


def netsuite_variant_closed(T: Timeline) -> Story:
    at = T.ago("23d1h")
    start = T.ago("23d")
    s = Story("greenfield-variant", start)
    s.open(
        "ravi",
        customer="emma",
        flow="greenfield-netsuite",
        title="Sales orders stop at Shopify step: variant does not exist",
        description="""Emma Clarke: orders with products re-created in Shopify last week
        fail with "variant does not exist". About 40 orders are stuck.""",
        expected_behaviour="NetSuite sales orders are created as Shopify orders.",
        actual_behaviour="Orders containing re-created products fail at the Shopify step.",
        occurred_at=at,
        steps_to_reproduce="""1. Create a sales order in NetSuite with item GF-OLIVE-500.
        2. Wait for the next run (every 10 minutes).
        3. The Shopify step fails with 422 "variant_id … does not exist".""",
        is_blocker=True,
        blocker_impact="40 wholesale orders are not fulfilled.",
        needed_by=start + span("2d"),
        check_connectivity="Other records of the same run reach Shopify.",
        check_credentials="Shopify credential valid; only these orders fail.",
        priority="high",
    )
    s.take("ravi", "+5m")
    s.attach(
        "ravi",
        "+8m",
        log_name("greenfield-netsuite", at),
        platform_log("greenfield-netsuite", at, p.NETSUITE_REF, records=3),
    )
    s.hand_over("ravi", "+6m")
    s.take("olena", "+1h10m")
    s.note(
        "olena",
        "+35m",
        """The flow looks up Shopify variants in a lookup table filled once at set-up. The
        re-created products have new variant IDs; the table still has the old ones. Not a
        platform defect.""",
    )
    s.resolve(
        "olena",
        "+20m",
        """Workaround and fix: refreshed the flow's variant lookup table from Shopify and
        re-ran the 40 failed executions. Suggested to the customer to switch the lookup to
        SKU so re-created products keep working.""",
        "configuration",
        customer_message=(
            "We refreshed the flow's list of product variants and re-ran the 40 orders that "
            "had failed; they are all in your system now. Tip: looking variants up by SKU "
            "keeps re-created products working."
        ),
    )
    s.rate("emma", "+3h", 3, "Solved, but it took two days to reach the right people.")
    s.close("system", "+15d")
    return s


def meter_schedule_closed(T: Timeline) -> Story:
    s = Story("rheinau-schedule", T.ago("12d"))
    s.open(
        "daniel",
        flow="rheinau-meter",
        title="How do we move the readings import to 04:00?",
        description="""Our gateway export now finishes at 03:30. The flow starts at 02:00
        and finds nothing. How do we change the start time?""",
        is_blocker=False,
        priority="low",
        channel=Channel.EMAIL,
    )
    s.take("tobias", "+2h")
    s.reply(
        "tobias",
        "+5m",
        """Hello Mr Wagner, open the flow, click the first step ("Every day at 02:00") and
        change the cron expression to "0 4 * * *" (Europe/Berlin), then publish the new
        version. I have checked that your plan allows it.""",
    )
    s.resolve(
        "tobias",
        "+1m",
        "Explained how to change the scheduler's cron expression.",
        "usage",
        customer_message=(
            "You can change when the flow runs in its scheduler step: edit the cron "
            "expression (e.g. `0 6 * * 1-5` for 06:00 on weekdays) and publish the flow."
        ),
    )
    s.reply("daniel", "+3h", "Done, works. Thanks!")
    s.close("daniel", "+1m")
    return s


def netprice_closed(T: Timeline) -> Story:
    at = T.ago("21d3h")
    start = T.ago("21d2h")
    s = Story("lindner-netprice", start)
    s.open(
        "katrin",
        customer="miriam",
        flow="lindner-orders",
        title="Orders with prices over 1,000 € rejected by SAP",
        description="""Orders containing an item of 1,000 € or more fail at the SAP step;
        cheaper orders go through.""",
        expected_behaviour="All orders are created in SAP, whatever the price.",
        actual_behaviour='SAP answers 400: Property "NetPrice" has invalid value "1.234,50".',
        occurred_at=at,
        steps_to_reproduce="Place a test order for article 880123 (1,234.50 €) in the shop.",
        is_blocker=True,
        blocker_impact="High-value orders (furniture) are not delivered.",
        needed_by=start + span("3d"),
        check_connectivity="SAP reachable; cheaper orders of the same run succeed.",
        check_credentials="Same credential succeeds for other orders.",
        priority="high",
    )
    s.take("katrin", "+3m")
    s.attach(
        "katrin",
        "+9m",
        log_name("lindner-orders", at),
        platform_log("lindner-orders", at, p.SAP_NETPRICE, records=4),
    )
    s.attach(
        "katrin",
        "+2m",
        "sap-netprice.png",
        screenshot("lindner-orders", p.SAP_NETPRICE, at, p.SAP_NETPRICE_SCREEN),
    )
    s.hand_over("katrin", "+4m")
    s.take("marco", "+50m")
    s.note(
        "marco",
        "+40m",
        """The JSONata mapping formats the price with $formatNumber(price, '#.##0,00') for
        the invoice text and reuses that field for NetPrice. SAP expects "1234.50". Only
        prices ≥ 1,000 contain the thousands separator, hence the pattern.""",
    )
    s.reply(
        "marco",
        "+10m",
        """Hello Ms Lindner, the price mapping formats numbers the German way, which SAP
        cannot read. I changed NetPrice to use the raw number and re-ran the 12 failed
        orders; they are in SAP now.""",
    )
    s.resolve(
        "marco",
        "+5m",
        "Mapping fix: NetPrice now maps $number(price) instead of the formatted display "
        "price; the 12 failed orders were re-run.",
        "configuration",
        customer_message=(
            "The net price was taken from the formatted display price; the flow now uses the "
            "plain number. The 12 orders that failed have been processed again."
        ),
    )
    s.reply("miriam", "+1d", "All furniture orders are in SAP. Thank you.")
    s.close("katrin", "+10m", confirmed=True)
    return s


def sandbox_doubles(T: Timeline) -> Story:
    at = T.ago("4d3h")
    start = T.ago("4d2h")
    s = Story("greenfield-sandbox-doubles", start)
    s.open(
        "chloe",
        customer="tom",
        flow="greenfield-netsuite",
        title="Every sales order arrives twice in Shopify",
        description="""Tom Baker: since yesterday afternoon each NetSuite sales order
        creates two orders in Shopify, a few seconds apart.""",
        expected_behaviour="One Shopify order per NetSuite sales order.",
        actual_behaviour="Two Shopify orders with the same NetSuite reference.",
        occurred_at=at,
        reproducibility="always",
        steps_to_reproduce="Create a sales order in NetSuite; two orders appear in Shopify.",
        is_blocker=False,
        needed_by=start + span("2d"),
        check_connectivity="Both orders arrive, so connectivity is fine.",
        check_credentials="Not a credentials problem (orders are created).",
        priority="normal",
    )
    s.take("chloe", "+6m")
    s.attach(
        "chloe",
        "+10m",
        log_name("greenfield-netsuite", at),
        platform_log("greenfield-netsuite", at, records=2),
    )
    s.hand_over("chloe", "+3m")
    s.take("lena", "+1h30m")
    s.note(
        "lena",
        "+25m",
        """Found it: the sandbox copy "NetSuite sales orders → Shopify (sandbox)" was
        switched on yesterday afternoon and its Shopify credential points to the production
        store. Both flows pick up the same orders.""",
    )
    s.resolve(
        "lena",
        "+15m",
        "The sandbox flow used the production Shopify credential. Stopped it and pointed "
        "its credential to the Shopify development store; the customer removed the 23 "
        "duplicate orders.",
        "configuration",
        customer_message=(
            "Your test flow was connected to your live Shopify store. We stopped it and "
            "connected it to the development store, so tests no longer create real orders."
        ),
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        stock_refused(T),
        shopify_rate_limit(T),
        platform_login(T),
        datev_auth_closed(T),
        netsuite_variant_closed(T),
        meter_schedule_closed(T),
        netprice_closed(T),
        sandbox_doubles(T),
    ]
