"""The errors behind the demo's tickets, as the platform logs and shows them. Several
tickets share one (the same flow, the same error), so similar-ticket and problem-record
features have something to find."""

from __future__ import annotations

from tierdesk.demo.logs import WARN, Failure, Note

AXIOS = (
    "createError (/home/node/node_modules/axios/lib/core/createError.js:16:15)",
    "settle (/home/node/node_modules/axios/lib/core/settle.js:17:12)",
    "IncomingMessage.handleStreamEnd (/home/node/node_modules/axios/lib/adapters/http.js:269:11)",
    "IncomingMessage.emit (node:events:531:35)",
    "process.processTicksAndRejections (node:internal/process/task_queues:82:21)",
)
JSFORCE = (
    "HttpApi.getError (/home/node/node_modules/jsforce/lib/http-api.js:250:13)",
    "/home/node/node_modules/jsforce/lib/http-api.js:95:22",
    "QueryHandler.queryMore (/home/node/lib/helpers/query.js:88:19)",
    "process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
)
SAILOR = (
    "Amqp.sendData (/home/node/node_modules/elasticio-sailor-nodejs/lib/amqp.js:212:19)",
    "Sailor.processMessage (/home/node/node_modules/elasticio-sailor-nodejs/lib/sailor.js:370:28)",
    "process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
)
NET = (
    "WriteWrap.onWriteComplete [as oncomplete] (node:internal/stream_base_commons:94:16)",
    "SFTP.fastPut (/home/node/node_modules/ssh2-sftp-client/src/index.js:694:17)",
    "Object.upload [as process] (/home/node/lib/actions/upload.js:61:24)",
)

# Salesforce sessions expire mid-run: the OAuth2 refresh token is not kept after Salesforce
# rotates it (platform defect; three tickets of three organisations).
SF_SESSION = Failure(
    step=0,
    msg="queryMore failed: INVALID_SESSION_ID",
    error="INVALID_SESSION_ID: Session expired or invalid",
    frames=JSFORCE,
    retries=(
        "Access token rejected (401); refreshing OAuth2 token (attempt 1/2)",
        "Token refresh failed: invalid_grant: expired access/refresh token (attempt 2/2)",
    ),
)
SF_SESSION_SCREEN = (
    "INVALID_SESSION_ID: Session expired or invalid\n\n"
    "Token refresh failed: invalid_grant — expired access/refresh token"
)

# SAP rejects German-formatted prices (a mapping mistake, solved at L2; two partners).
SAP_NETPRICE = Failure(
    step=2,
    msg="Request failed with status code 400",
    error='SAP OData error /IWBEP/CM_MGW_RT/020: Property "NetPrice" has invalid value "1.234,50"',
    frames=AXIOS,
)
SAP_NETPRICE_SCREEN = (
    "Request failed with status code 400\n\n"
    'Property "NetPrice" has invalid value "1.234,50" (/IWBEP/CM_MGW_RT/020)'
)

# The SAP gateway refuses the platform's new egress address (the customer's firewall).
SAP_REFUSED = Failure(
    step=0,
    msg="connect ECONNREFUSED 194.25.134.12:443",
    error="connect ECONNREFUSED 194.25.134.12:443",
    frames=("TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)",),
    retries=("Retrying in 2 s (1/3)", "Retrying in 4 s (2/3)", "Retrying in 8 s (3/3)"),
    every_record=True,
)

SHOPIFY_429 = Failure(
    step=2,
    msg="Shopify API responded 429 Too Many Requests",
    error="Request failed with status code 429: Exceeded 2 calls per second for api client",
    frames=AXIOS,
    retries=("429 received, Retry-After: 2.0 (1/3)", "429 received, Retry-After: 2.0 (2/3)"),
)

# The platform's SFTP client aborts uploads after 64 KiB since 26.10 (fixed in 26.11.2).
SFTP_RESET = Failure(
    step=3,
    msg="Upload of EXTF_Buchungsstapel.csv failed",
    error="write ECONNRESET",
    frames=NET,
    retries=(
        "Upload interrupted after 65536 bytes, reconnecting (1/2)",
        "Upload interrupted after 65536 bytes, reconnecting (2/2)",
    ),
)
SFTP_AUTH = Failure(
    step=3,
    msg="SFTP connection failed",
    error="All configured authentication methods failed",
    frames=(
        "doNextAuth (/home/node/node_modules/ssh2/lib/client.js:865:21)",
        "tryNextAuth (/home/node/node_modules/ssh2/lib/client.js:1082:7)",
        "USERAUTH_FAILURE (/home/node/node_modules/ssh2/lib/client.js:428:11)",
    ),
)

# Outgoing messages over 10 MB are refused even though the limit is 25 MB on premium.
MESSAGE_TOO_LARGE = Failure(
    step=0,
    msg="Failed to emit data",
    error="Outgoing message size 12.6 MB exceeds the limit of 10 MB",
    frames=SAILOR,
)

# After a container restart the polling trigger loses its snapshot and re-reads orders.
SNAPSHOT_NOTES = (
    Note(0, 0, "Container started after restart (reason: OOMKilled, exit code 137)", WARN),
    Note(
        0, 0, "Snapshot not found for step_1, falling back to startTime 2026-01-01T00:00:00Z", WARN
    ),
)
SNAPSHOT_DUPLICATE = Failure(
    step=2,
    msg="Request failed with status code 400",
    error="SAP OData error V1/117: Purchase order 4711 already exists as sales order 1000873",
    frames=AXIOS,
)

# Messages rebounded ten times disappear without an error (platform defect).
REBOUND_NOTES = (
    *(
        Note(3, 1, f"Shopify answered 429, rebounding message (rebound {n} of 10)", WARN)
        for n in (8, 9, 10)
    ),
    Note(3, 1, "Rebound limit reached, message discarded", WARN),
)

# JSONata's $toMillis() reads local times without offset as UTC after the DST change.
DST_NOTES = (
    Note(2, 0, "Reading 2026-10-25T02:15:00 (no offset) mapped to 2026-10-25T03:15:00+01:00", WARN),
)
DST_REJECTED = Failure(
    step=3,
    msg="SAP IS-U rejected meter reading",
    error="EL 120: Meter reading date 25.10.2026 03:15 lies after the next scheduled reading",
    frames=AXIOS,
    record=0,
)

# The mapper drops null entries inside arrays, so Guidewire misses claim contacts.
NULLS_DROPPED = Failure(
    step=2,
    msg="Request failed with status code 422",
    error="Guidewire ClaimCenter: claim.contacts[1].primaryPhone is required",
    frames=AXIOS,
)

MAILCHIMP_401 = Failure(
    step=2,
    msg="Request failed with status code 401",
    error="API Key Invalid: Your API key may be invalid, or you've attempted to access the "
    "wrong datacenter.",
    frames=AXIOS,
    every_record=True,
)

# Salesforce refuses status codes by a validation rule of the customer's own org.
SF_VALIDATION = Failure(
    step=2,
    msg="Upsert of Shipment__c failed",
    error="FIELD_CUSTOM_VALIDATION_EXCEPTION: Status 'X6' (delayed, weather) is not allowed "
    "for closed shipments: [Status__c]",
    frames=(
        *JSFORCE[:2],
        "Object.upsertObject [as process] (/home/node/lib/actions/upsert.js:58:17)",
    ),
)

LABEL_EMPTY = Failure(
    step=2,
    msg="DHL Parcel DE Shipping API: label document is empty",
    error="Response 200 with validationMessages: 'Die Hausnummer fehlt' (label not created)",
    frames=AXIOS,
)

NETSUITE_REF = Failure(
    step=3,
    msg="Request failed with status code 422",
    error="Shopify: variant_id 44120871 does not exist (Variant has been deleted)",
    frames=AXIOS,
)

# The incident: the ingress answers 502 for every inbound webhook.
WEBHOOK_502 = Failure(step=0, msg="502 Bad Gateway", error="502 Bad Gateway", frames=())
WEBHOOK_502_SCREEN = (
    "Webhook delivery failed: 502 Bad Gateway\n\n"
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)
