"""Seed articles: connections, DNS, TLS, rate limits and quotas."""

ARTICLES = [
    {
        "slug": "connection-refused-or-timed-out",
        "category": "connections",
        "title": "Connection refused or timed out / Verbindung abgelehnt oder Zeitüberschreitung",
        "summary": "A step cannot reach the target system: ECONNREFUSED, ETIMEDOUT, ECONNRESET.",
        "body": """
## Symptoms
- A step of the flow fails and the execution log shows `connect ECONNREFUSED 10.1.2.3:443`,
  `connect ETIMEDOUT`, `socket hang up` or `read ECONNRESET`.
- The flow worked before and fails for every message since a certain time.
- Often only one step (the REST API or database component) fails; the trigger still runs.

## How to confirm
1. Open the failed execution and find the step's log line with level 50 (error): the
   `err.message` names the host and port the component tried.
2. From a machine outside the customer's network, open `https://host:port/` of that system
   (or let L1 run the connectivity probe on the ticket page): a refused connection means
   nothing listens on that port; a time-out usually means a firewall drops the packets.
3. Ask whether the target system was moved, restarted or had maintenance at that time.

## How to fix
- **Firewall / allow list**: the platform connects from its published outbound addresses;
  the target system's firewall must allow them on that port. Ask the customer's network
  team to add them.
- **Wrong host or port in the credential**: correct the base URL in the component's
  credential (Credentials → the credential → Edit) and retry the failed messages.
- **Target down**: wait for the system to come back, then use *Retry* on the failed
  executions. Turn on the step's *retry on error* option for short outages.
- An agent on premises (a tunnel) that is not running causes the same errors: restart it.
""",
    },
    {
        "slug": "dns-name-does-not-resolve",
        "category": "connections",
        "title": "Host name does not resolve (ENOTFOUND) / DNS-Auflösung schlägt fehl",
        "summary": "getaddrinfo ENOTFOUND or EAI_AGAIN: the platform cannot find the host's address.",
        "body": """
## Symptoms
- The step's log shows `getaddrinfo ENOTFOUND api.example-crm.com` or `getaddrinfo EAI_AGAIN`.
- Java-based components report `java.net.UnknownHostException`.

## How to confirm
1. Copy the host name exactly from the log (look for typos, a trailing dot, `http://` pasted
   into a host field).
2. Resolve it from the internet, e.g. `dig +short api.example-crm.com` or the ticket page's
   connectivity probe. An internal name (`crm.intranet.local`) only resolves inside the
   customer's network and never from the platform.
3. `EAI_AGAIN` is temporary: check whether it happened only during a short window.

## How to fix
- Correct the host name in the credential or in the step's URL field and retry.
- For internal systems use a public name, or the on-premises agent, instead of an internal DNS name.
- If the DNS record was just created, wait for it to propagate (its TTL) and retry.
""",
    },
    {
        "slug": "tls-certificate-errors",
        "category": "connections",
        "title": "TLS/SSL certificate errors: expired, self-signed, wrong host name",
        "summary": "CERT_HAS_EXPIRED, self signed certificate, Hostname/IP does not match certificate's altnames.",
        "body": """
## Symptoms
The step fails before any HTTP request is sent, with one of:
- `certificate has expired` / `CERT_HAS_EXPIRED`
- `self signed certificate` / `self-signed certificate in certificate chain` / `unable to verify the first certificate`
- `Hostname/IP does not match certificate's altnames` (`ERR_TLS_CERT_ALTNAME_INVALID`)
- `PKIX path building failed` (Java components), `SSLHandshakeException`

## How to confirm
1. Run the connectivity probe on the ticket page against the URL from the log: it shows the
   certificate's subject, issuer and expiry date.
2. Expired: the *valid until* date lies in the past. Self-signed: subject and issuer are the
   same. Host name: the subject does not name the host the flow calls.
3. A missing intermediate certificate shows as *unable to verify the first certificate*.

## How to fix
- The owner of the target system renews the certificate or installs the full chain
  (server certificate and intermediates). This cannot be fixed in the flow.
- Call the host name the certificate was issued for (not the IP address).
- Do not switch off certificate checks in production; for a test system with a
  self-signed certificate, issue one from a public CA (e.g. Let's Encrypt) instead.
""",
    },
    {
        "slug": "rate-limit-429",
        "category": "limits",
        "title": "429 Too Many Requests: the target system's rate limit",
        "summary": "The API answers 429 with Retry-After: the flow sends faster than allowed.",
        "body": """
## Symptoms
- Steps fail with `429 Too Many Requests`, `Rate limit exceeded` or `Retry-After: 30` in the
  response headers; some messages pass, others fail, especially during bulk runs.
- Salesforce-like systems answer `REQUEST_LIMIT_EXCEEDED` for concurrent calls.

## How to confirm
1. Find the 429 in the step's log and note the `Retry-After` value, if any.
2. Compare the failure times with bulk imports or a scheduled trigger with a large batch.

## How to fix
- Turn on the component's *rate limit* / *throttling* option, or put a *Delay* step in
  front of the calling step, so the flow stays under the documented limit.
- Reduce the trigger's batch size or the flow's parallelism (*prefetch*).
- Enable *retry on error* with back-off: the platform waits and retries the message.
- Ask the system's owner to raise the limit for the integration user if the volume is expected.
""",
    },
    {
        "slug": "quota-exceeded",
        "category": "limits",
        "title": "Quota exceeded: daily API limit or contract quota / Kontingent überschritten",
        "summary": "A daily or monthly quota of the target API or of the contract is used up.",
        "body": """
## Symptoms
- `Quota exceeded`, `daily limit exceeded`, `API limit reached`, `insufficient quota`,
  `403 usageLimits` (Google APIs) or `TotalRequests Limit exceeded` in the step's log.
- Everything fails until midnight (the quota's reset) and then works again.
- Platform side: *Contract quota reached* — the contract's monthly executions or storage is used up.

## How to confirm
1. Open the API's admin console (e.g. the system's *API usage* page) and compare the used
   calls with the limit for the integration user.
2. For the platform's own quota, look at the contract's usage page.

## How to fix
- Lower the calls per message: batch updates, fetch only changed records, use webhooks
  instead of polling every minute.
- Buy or request a higher quota from the API's owner, or spread the work over the day.
- For the contract quota, the partner's account manager raises the plan; delete old
  attachments and data samples to free storage.
""",
    },
]
