"""Seed articles: credentials, expired OAuth tokens, and L1's own checklist (internal)."""

ARTICLES = [
    {
        "slug": "invalid-credentials-401-403",
        "category": "credentials",
        "title": "401 Unauthorized or 403 Forbidden: invalid credentials / Anmeldedaten ungültig",
        "summary": "The target system refuses the credential: wrong password, API key or missing permission.",
        "body": """
## Symptoms
- A step fails with `401 Unauthorized`, `403 Forbidden`, `Invalid API key`,
  `INVALID_LOGIN: Invalid username, password, security token; or user locked out`,
  `authentication failed` or `Login failed for user`.
- *Verify* on the credential in the platform fails.

## How to confirm
1. Open Credentials, select the credential the step uses and press **Verify**.
2. Check whether the password or API key was changed or rotated recently, or the
   integration user was locked or lost a role (403 means: known user, not allowed).
3. Compare the time of the first failure with the password change.

## How to fix
- Enter the current password or API key in the credential, save, **Verify**, then retry
  the failed executions. Secrets are never sent to support: do not paste them into the ticket.
- 403: give the integration user the permission the step needs (read/write on the object),
  or use a user who has it.
- A user locked after too many attempts: unlock it in the target system first, then fix
  the credential, otherwise the flow locks it again.
""",
    },
    {
        "slug": "oauth-token-expired-or-revoked",
        "category": "credentials",
        "title": "OAuth token expired or revoked (invalid_grant) / OAuth-Token abgelaufen",
        "summary": "The refresh token no longer works: invalid_grant, token expired, refresh failed. Reconnect the OAuth credential.",
        "body": """
## Symptoms
- The step's log shows `invalid_grant`, `Token has been expired or revoked`,
  `refresh token is invalid`, `Failed to refresh token`, `expired access token` or
  `401 ... token expired`.
- The flow worked for weeks, then every execution fails from one moment on.
- Typical causes: the user who authorised the connection changed their password, left
  the company, or revoked the app; the system's refresh tokens expire after a fixed
  time (e.g. 90 days of inactivity).

## How to confirm
1. In Credentials, open the OAuth credential the step uses: its status says
   *Re-authentication required*, or **Verify** fails.
2. The first `invalid_grant` in the log marks the moment the token stopped working.

## How to fix
1. Open the credential and press **Reconnect** (or *Authenticate again*); sign in with an
   account that has access, preferably a dedicated integration user rather than a person.
2. Save, **Verify**, then retry the failed executions from the execution list.
3. If it happens again after days, check the target system's session policy for
   connected apps (refresh token lifetime, *revoke on password change*).
""",
    },
    {
        "slug": "l1-triage-checklist",
        "category": "support",
        "audience": "internal",
        "title": "L1 triage checklist (internal)",
        "summary": "What L1 rules out before a handover, and how to record it.",
        "body": """
Before handing over to L2, rule out the obvious causes and write down how:

1. **Connectivity** — run the connectivity probe on the ticket against the endpoint from
   the log. Record DNS, TCP, TLS (certificate subject, issuer, expiry) and HTTP status.
2. **Credentials** — ask the customer to press **Verify** on the credential; for OAuth
   credentials, **Reconnect**. Record the result.
3. **Limits** — look for 429, `Retry-After` and *quota* in the logs.
4. If a triage finding matches, send its article as a reply and wait for the customer.
5. Resolve at L1 with the cause when the article solved it; otherwise hand over with the
   checks filled in.
""",
    },
]
