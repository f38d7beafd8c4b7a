"""Tickets back from engineering: fixes delivered and waiting for L2's verification, one
verified and resolved, one whose first hot-fix failed verification before the second passed,
and one L3 sent back to L2 as not a defect."""

from __future__ import annotations

from tierdesk.demo import problems as p
from tierdesk.demo.logs import Failure, sshd_log
from tierdesk.demo.stories_l3 import env
from tierdesk.demo.story import Story, Timeline, log_name, platform_log, screenshot, span

GATEWAY_TIMEOUT = Failure(
    step=1,
    msg="Request failed: timeout of 60000ms exceeded",
    error="timeout of 60000ms exceeded",
    frames=(
        "RedirectableRequest.handleRequestTimeout "
        "(/home/node/node_modules/axios/lib/adapters/http.js:647:16)",
        "Timeout._onTimeout (/home/node/node_modules/follow-redirects/index.js:214:12)",
    ),
    record=0,
    retries=("Gateway export still streaming after 45 s (48,210 readings so far)",),
)


def orders_snapshot_verifying(T: Timeline) -> Story:
    at = T.ago("6d3h")
    s = Story("lindner-snapshot", T.ago("6d2h"))
    s.open(
        "katrin",
        customer="miriam",
        flow="lindner-orders",
        title="Old orders sent to SAP again after a flow restart",
        description="""Miriam Lindner: around noon about 80 orders from the last weeks were
        processed again. SAP rejected most as duplicates; 6 were created twice and
        shipped.""",
        expected_behaviour="Each order is sent to SAP once, also after a restart.",
        actual_behaviour="After the restart the trigger fetched orders from January again.",
        occurred_at=at,
        reproducibility="once",
        context="Happened once, right after the platform restarted the flow's containers "
        "(the flow shows a restart at that time).",
        is_blocker=False,
        needed_by=T.ahead("1d8h"),
        check_connectivity="SAP and Shopify reachable.",
        check_credentials="Both credentials valid.",
        priority="high",
    )
    s.take("katrin", "+10m")
    s.attach(
        "katrin",
        "+10m",
        log_name("lindner-orders", at),
        platform_log(
            "lindner-orders",
            at,
            p.SNAPSHOT_DUPLICATE,
            records=5,
            notes=p.SNAPSHOT_NOTES,
            first=4702,
        ),
    )
    s.hand_over("katrin", "+5m")
    s.take("lena", "+2h")
    s.reproduce(
        "lena",
        "+6h",
        steps="""1. Copy of the flow in the L2 test workspace against a Shopify dev store.
        2. Ran it until a snapshot was stored, then killed the step-1 container (OOM).
        3. The restarted container finds no snapshot and starts from startTime.""",
        environment=env("lindner-orders"),
        observed="Snapshot lookup after restart returns nothing; the trigger falls back to "
        "the configured startTime and re-emits every order since then.",
        analysis="Snapshots are written asynchronously and lost when the container is "
        "OOM-killed before the write is flushed. Platform defect; also seen by Pennine "
        "Outdoor (Bluefin).",
        evidence=(log_name("lindner-orders", at),),
        log_lines="step_1 WARN Snapshot not found for step_1, falling back to startTime",
    )
    s.escalate("lena", "+15m")
    s.take("dmytro", "+20h")
    s.deliver_fix(
        "dmytro",
        "+3d16h",
        "HF-2026-121 (platform 26.11.3)",
        release="26.11.3",
        notes="Snapshots are written synchronously before a message is acknowledged; a "
        "restarted trigger resumes from the last acknowledged snapshot.",
    )
    return s


def meter_timeout_verifying(T: Timeline) -> Story:
    at = T.ago("8d5h")
    s = Story("rheinau-timeout", T.ago("8d4h"))
    s.open(
        "daniel",
        flow="rheinau-meter",
        title="Nightly readings import stops after 60 seconds",
        description="""Since the gateway vendor added 12,000 meters, the nightly import
        fails: the HTTP step that downloads the gateway export gives up after 60 s.""",
        expected_behaviour="The whole export (≈ 90,000 readings) is imported nightly.",
        actual_behaviour="The HTTP step fails with 'timeout of 60000ms exceeded'.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="No readings for 12,000 meters; estimated bills instead of actual.",
    )
    s.attach(
        "daniel",
        "+3m",
        "import-timeout.png",
        screenshot("rheinau-meter", GATEWAY_TIMEOUT, at, recurring=True),
    )
    s.take("tobias", "+50m")
    s.attach(
        "tobias",
        "+10m",
        log_name("rheinau-meter", at),
        platform_log("rheinau-meter", at, GATEWAY_TIMEOUT, records=2),
    )
    s.update(
        "tobias",
        "+5m",
        steps_to_reproduce="Start the flow manually; step 2 fails after 60 s.",
        needed_by=T.ahead("2d"),
        check_connectivity="Gateway reachable; the download starts and streams data.",
        check_credentials="Gateway API key valid (download starts).",
        priority="high",
    )
    s.hand_over("tobias", "+5m")
    s.take("marco", "+1h")
    s.reproduce(
        "marco",
        "+5h",
        steps="Requested a 90 MB test file from a slow endpoint with the HTTP step; it "
        "fails at exactly 60 s whatever the step's 'Timeout' field says.",
        environment=env("rheinau-meter") + " rest-api-component-v2 2.4.1.",
        observed="The step's timeout setting is ignored; the platform's 60 s default wins.",
        analysis="rest-api-component-v2 reads the timeout from the wrong config key since "
        "2.4.0. Component defect.",
        evidence=(log_name("rheinau-meter", at), "import-timeout.png"),
    )
    s.escalate("marco", "+10m")
    s.take("jonas", "+1d")
    s.deliver_fix(
        "jonas",
        "+5d",
        "HF-2026-119 (rest-api-component-v2 2.5.0, platform 26.11.2)",
        release="rest-api-component-v2 2.5.0",
        notes="The step's timeout is honoured again (up to 15 minutes); the flow needs "
        "component 2.5.0, published to all tenants.",
    )
    return s


def datev_reset_resolved(T: Timeline) -> Story:
    at = T.ago("12d6h")
    s = Story("hafen-datev-reset", T.ago("12d5h"))
    s.open(
        "jan",
        flow="hafen-datev",
        title="DATEV export aborts: file on the SFTP server only 64 KB",
        description="""Since the platform update the nightly DATEV export leaves a file of
        exactly 64 KB on our tax adviser's SFTP server and the execution fails. Our IT sent
        the SFTP server's log, attached.""",
        expected_behaviour="The full booking batch (~2 MB) is uploaded every night.",
        actual_behaviour="Upload stops after 65,536 bytes with ECONNRESET.",
        occurred_at=at,
        is_blocker=True,
        blocker_impact="The tax adviser cannot book November; VAT return due on the 10th.",
    )
    s.attach(
        "jan",
        "+5m",
        "sftp01-sshd.log",
        sshd_log(
            at=at, host="sftp01", user="hafenlog", client="3.121.45.200", seed="datev", resets=2
        ),
    )
    s.take("katrin", "+40m")
    s.attach(
        "katrin",
        "+10m",
        log_name("hafen-datev", at),
        platform_log("hafen-datev", at, p.SFTP_RESET, records=2),
    )
    s.update(
        "katrin",
        "+5m",
        steps_to_reproduce="Run the flow manually; the SFTP step fails after 64 KiB.",
        needed_by=at + span("8d"),
        check_connectivity="SFTP reachable; login succeeds (see sshd log).",
        check_credentials="Key accepted by the server (sshd 'Accepted publickey').",
        priority="high",
    )
    s.hand_over("katrin", "+5m")
    s.take("marco", "+1h")
    s.reproduce(
        "marco",
        "+4h",
        steps="Uploaded a 2 MB file with the SFTP step to the L2 test SFTP (OpenSSH 9.6).",
        environment=env("hafen-datev") + " Platform 26.10.2, sftp-component 3.1.0.",
        observed="The upload stops after 65,536 bytes with write ECONNRESET; small files work.",
        analysis="26.10 upgraded ssh2 to 1.16; fastPut with concurrency > 1 breaks against "
        "servers that limit the window. Platform defect.",
        evidence=(log_name("hafen-datev", at), "sftp01-sshd.log"),
    )
    s.escalate("marco", "+10m")
    s.take("dmytro", "+3h")
    s.deliver_fix(
        "dmytro",
        "+6d",
        "HF-2026-117 (platform 26.11.2)",
        release="26.11.2",
        notes="sftp-component 3.1.1: uploads with concurrency 1 and honour the server's "
        "window size.",
    )
    s.verify(
        "marco",
        "+20h",
        True,
        "Verified against the reproduction: 2 MB and 40 MB uploads complete on the test "
        "SFTP; the customer's nightly export ran through (2.1 MB).",
    )
    return s


def catalogue_two_fixes(T: Timeline) -> Story:
    at = T.ago("20d3h")
    s = Story("pennine-catalogue-size", T.ago("20d2h"))
    s.open(
        "sophie",
        flow="pennine-catalogue",
        title="Catalogue sync fails for products with many images",
        description="""Products with more than ~40 images fail with "message size exceeds
        the limit". Our plan says 25 MB messages.""",
        expected_behaviour="Products up to 25 MB sync (premium plan limit).",
        actual_behaviour="Anything above 10 MB fails.",
        occurred_at=at,
        is_blocker=False,
    )
    s.take("chloe", "+1h")
    s.attach(
        "chloe",
        "+5m",
        log_name("pennine-catalogue", at),
        platform_log("pennine-catalogue", at, p.MESSAGE_TOO_LARGE, records=3, first=7001),
    )
    s.update(
        "chloe",
        "+5m",
        steps_to_reproduce="Sync product 7003 (48 images, 12.6 MB).",
        needed_by=at + span("14d"),
        check_connectivity="Smaller products sync.",
        check_credentials="Credentials valid.",
    )
    s.hand_over("chloe", "+5m")
    s.take("lena", "+2h")
    s.reproduce(
        "lena",
        "+3h",
        steps="Emitted 12 MB and 24 MB test messages from a code step on a premium tenant.",
        environment=env("pennine-catalogue"),
        observed="Both fail: 'exceeds the limit of 10 MB'.",
        analysis="Sailor ignores the plan's message limit and uses its built-in 10 MB.",
        evidence=(log_name("pennine-catalogue", at),),
    )
    s.escalate("lena", "+10m")
    s.take("priya", "+1d")
    s.deliver_fix(
        "priya",
        "+2d",
        "HF-2026-112 (platform 26.10.3)",
        release="26.10.3",
        notes="Sailor reads the tenant's message limit.",
    )
    s.verify(
        "lena",
        "+1d",
        False,
        "12 MB passes now, 24 MB still fails: the limit is read, but the AMQP "
        "frame_max of the broker (16 MB) cuts it.",
    )
    s.deliver_fix(
        "priya",
        "+3d",
        "HF-2026-114 (platform 26.10.4)",
        release="26.10.4",
        notes="Messages over 8 MB go through object storage (lightweight messages).",
    )
    s.verify("lena", "+1d", True, "12 MB and 24 MB messages pass; product 7003 synced.")
    s.reply("sophie", "+20h", "All products are in Shopify. Thanks for sticking with it.")
    s.close("sophie", "+5m")
    return s


def edi_not_a_defect(T: Timeline) -> Story:
    """L3 returns it to L2: the customer's own validation rule, not a defect."""
    at = T.ago("7d4h")
    s = Story("atlas-edi-validation", T.ago("7d3h"))
    s.open(
        "ravi",
        customer="liam",
        flow="atlas-edi",
        title="Delayed shipments not updated in Salesforce",
        description="""Liam O'Connor: shipments delayed for weather ("X6") keep their old
        status in Salesforce.""",
        expected_behaviour="Every EDI 214 status reaches the Salesforce shipment.",
        actual_behaviour="Status X6 is rejected by Salesforce.",
        occurred_at=at,
        steps_to_reproduce="Send an EDI 214 with AT7 status X6 for a closed shipment.",
        is_blocker=False,
        needed_by=T.ahead("2d"),
        check_connectivity="Other statuses arrive.",
        check_credentials="Salesforce credential valid.",
        priority="normal",
    )
    s.take("ravi", "+10m")
    s.attach(
        "ravi",
        "+10m",
        log_name("atlas-edi", at),
        platform_log("atlas-edi", at, p.SF_VALIDATION, records=3),
    )
    s.hand_over("ravi", "+5m")
    s.take("olena", "+3h")
    s.reproduce(
        "olena",
        "+3h",
        steps="Replayed EDI 214 #8790 (status X6) against the customer's Salesforce sandbox.",
        environment=env("atlas-edi"),
        observed="FIELD_CUSTOM_VALIDATION_EXCEPTION on Shipment__c.Status__c.",
        analysis="Salesforce rejects the update; unclear whether the component should map X6 "
        "before upserting. Asking L3 to check the Salesforce component's status mapping.",
        evidence=(log_name("atlas-edi", at),),
    )
    s.escalate("olena", "+10m")
    s.take("priya", "+1d")
    s.return_to_l2(
        "priya",
        "+2h",
        """Not a platform defect: the rejection comes from the validation rule
        "No_status_change_when_closed" in Atlas Freight's own Salesforce org. The component
        sends what the mapping gives it. The customer's Salesforce admin needs to allow X6
        (or the flow should skip closed shipments).""",
    )
    s.reply(
        "olena",
        "+1h",
        """Hello Liam, the updates are refused by a validation rule in your Salesforce
        ("No_status_change_when_closed"). Your Salesforce admin can add an exception for
        status X6, or we can let the flow skip closed shipments — tell us which you
        prefer.""",
    )
    s.resolve(
        "olena",
        "+1d",
        "Customer's Salesforce validation rule blocked status X6 on closed shipments; "
        "their admin added an exception. Replayed the 14 rejected messages.",
        "third_party",
        customer_message=(
            "A validation rule in your Salesforce refused status X6 for closed shipments. "
            "Since your administrator added an exception, we replayed the 14 refused "
            "messages; all are in Salesforce now."
        ),
    )
    return s


def stories(T: Timeline) -> list[Story]:
    return [
        orders_snapshot_verifying(T),
        meter_timeout_verifying(T),
        datev_reset_resolved(T),
        catalogue_two_fixes(T),
        edi_not_a_defect(T),
    ]
