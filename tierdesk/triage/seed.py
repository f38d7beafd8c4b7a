"""The rules every installation starts with (loaded by `migrations/0002_seed_rules.py`
through `load(apps)`, idempotent by code). Vendor admins change them in the admin; each
change raises the rule's version. Tested against `tests/data/triage_labelled.jsonl`."""

from __future__ import annotations

# Wording that says a thing did NOT happen ("no timeouts", "keine 401").
NEGATED = r"\b(no|not|never|without|kein\w*|nicht|ohne)\b[^.;]{0,25}"

RULES: list[dict] = [
    {
        "code": "connection-refused-timeout-reset",
        "name": "Connection refused, timed out or reset",
        "cause": "connectivity",
        "confidence": 0.9,
        "article": "connection-refused-or-timed-out",
        "patterns": [
            r"ECONNREFUSED|connection refused|Verbindung\b[^.;]{0,50}\b(abgelehnt|verweigert)",
            r"ETIMEDOUT|ESOCKETTIMEDOUT|connect(ion)?\s+(timed\s+out|timeout)",
            r"timeout of \d+\s?ms exceeded|read timed out|SocketTimeoutException",
            r"ECONNRESET|connection reset|socket hang up|EHOSTUNREACH|ENETUNREACH",
            r"no route to host|network is unreachable|java\.net\.ConnectException",
            r"Zeitüberschreitung\s+(bei\s+der|der)\s+Verbindung|Verbindung.{0,30}(Zeitüberschreitung|Timeout|unterbrochen)",
        ],
        "excludes": [
            NEGATED + r"(refused|timed out|timeout|timeouts|reset|Zeitüberschreitung|abgelehnt)",
            r"(connection|verbindung)(stest| test)?\s+(was\s+|ist\s+|war\s+)?(successful|ok|erfolgreich)",
        ],
        "examples": [
            "connect ECONNREFUSED 10.20.1.15:5432",
            "Error: connect ETIMEDOUT 52.14.3.9:443",
            "request to https://erp.example.com/api failed, reason: socket hang up",
            "Die Verbindung wurde abgelehnt",
        ],
    },
    {
        "code": "dns-not-resolved",
        "name": "Host name does not resolve",
        "cause": "dns",
        "confidence": 0.95,
        "article": "dns-name-does-not-resolve",
        "patterns": [
            r"ENOTFOUND|EAI_AGAIN|getaddrinfo|UnknownHostException",
            r"name or service not known|could not resolve host|nodename nor servname",
            r"NXDOMAIN|Temporary failure in name resolution|DNS (lookup|resolution) (failed|error)",
            r"(Host)?name\s+konnte\s+nicht\s+aufgelöst|DNS-Auflösung\s+(schlägt|schlug|ist)\s*\w*\s*fehl",
        ],
        "excludes": [NEGATED + r"(ENOTFOUND|DNS)"],
        "examples": [
            "getaddrinfo ENOTFOUND api.crm-example.com",
            "java.net.UnknownHostException: sftp.intern.local",
            "Hostname konnte nicht aufgelöst werden",
        ],
    },
    {
        "code": "tls-certificate",
        "name": "TLS handshake or certificate error",
        "cause": "tls",
        "confidence": 0.95,
        "article": "tls-certificate-errors",
        "patterns": [
            r"CERT_HAS_EXPIRED|certificate has expired|Zertifikat\b[^.;]{0,40}\babgelaufen",
            r"self[- ]signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|selbstsigniert",
            r"unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to get local issuer certificate",
            r"ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate'?s altnames|hostname mismatch",
            r"PKIX path building failed|SSLHandshakeException|(ssl|tls) handshake (failed|failure|error)",
            r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSL routines|EPROTO",
        ],
        "excludes": [NEGATED + r"(certificate|Zertifikat|TLS|SSL)\w*\s+(error|problem|fehler)"],
        "examples": [
            "Error: certificate has expired",
            "self-signed certificate in certificate chain",
            "Hostname/IP does not match certificate's altnames: Host: api.shop.de",
        ],
    },
    {
        "code": "oauth-token-expired",
        "name": "OAuth token expired or revoked",
        "cause": "token_expired",
        "confidence": 0.95,
        "article": "oauth-token-expired-or-revoked",
        "patterns": [
            r"invalid_grant|invalid_token|TokenExpiredError|jwt expired|AADSTS700082|AADSTS70008",
            r"token\s+(has\s+)?(been\s+)?(expired|revoked)|(access|refresh|oauth|auth)\s*token\s+(is\s+)?(expired|invalid|revoked)",
            r"expired\s+[\w/ -]{0,20}token|token\s+expired",
            r"(failed|unable)\s+to\s+refresh\s+(the\s+)?(access\s+|oauth\s+)?token|refresh(ing)?\s+(the\s+)?(access\s+)?token\s+failed",
            r"re-?authenticat(e|ion)\s+required|Token\s+(ist\s+)?(abgelaufen|widerrufen|ungültig)",
        ],
        "excludes": [
            NEGATED + r"(expired|abgelaufen|invalid_grant)",
            r"token\s+(was\s+)?refreshed\s+successfully",
        ],
        "examples": [
            '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}',
            "Failed to refresh access token for credential 64b7f0c2",
            "Das OAuth-Token ist abgelaufen",
        ],
    },
    {
        "code": "credentials-refused",
        "name": "Credentials refused (401/403, invalid login)",
        "cause": "credentials",
        "confidence": 0.85,
        "article": "invalid-credentials-401-403",
        "patterns": [
            r"\b401\b\W{0,3}(unauthori[sz]ed)?|unauthori[sz]ed|\b403\b\W{0,3}forbidden",
            r"status(\s?code)?\W{0,4}40[13]\b|\"statusCode\":\s*40[13]\b",
            r"invalid\s+(api[ _-]?key|credentials?|username|user name|password|client[ _]secret|login)",
            r"invalid_client|INVALID_LOGIN|authentication\s+(failed|failure)|login\s+failed|access denied",
            r"insufficient\s+(privileges|permissions)|user (is )?locked out",
            r"Anmeldung\s+fehlgeschlagen|Anmeldedaten\s+(sind\s+)?(ungültig|falsch)|falsches\s+Passwort|Zugriff\s+verweigert|Passwort\s+(ist\s+)?falsch",
        ],
        "excludes": [
            NEGATED + r"(401|403|unauthori[sz]ed|forbidden|denied)",
            r"invalid_grant|token\s+(has\s+)?(been\s+)?(expired|revoked)|expired\s+(access\s+)?token|token\s+expired|jwt expired",
            r"quota|usageLimits|dailyLimitExceeded|rate[ _-]?limit|too many requests",
            r"\b(order|invoice|rechnung|bestellung|id|nr\.?|#)\s*40[13]\b",
        ],
        "examples": [
            "Request failed with status code 401",
            "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
            "Anmeldung fehlgeschlagen: Passwort falsch",
        ],
    },
    {
        "code": "rate-limit-429",
        "name": "Rate limit (429, Retry-After)",
        "cause": "rate_limit",
        "confidence": 0.9,
        "article": "rate-limit-429",
        "patterns": [
            r"(status|http|code|error|statusCode)\W{0,5}429\b|\b429\W{0,3}(too many|rate)",
            r"too many requests|zu viele Anfragen|rate[ _-]?limit(ed|ing)?\s*(exceeded|reached|hit|überschritten|erreicht)?",
            r"retry-after|REQUEST_LIMIT_EXCEEDED|\bthrottl(ed|ing)\b|ConcurrentPerOrgLongTxn",
        ],
        "excludes": [NEGATED + r"(429|rate[ _-]?limit|throttl)", r"far (from|below) the rate"],
        "examples": [
            "Request failed with status code 429",
            "429 Too Many Requests, Retry-After: 60",
            "API-Ratenlimit: zu viele Anfragen",
        ],
    },
    {
        "code": "quota-exceeded",
        "name": "Quota exceeded",
        "cause": "quota",
        "confidence": 0.9,
        "article": "quota-exceeded",
        "patterns": [
            r"quota\s*(has\s+been\s+|was\s+|is\s+)?(exceeded|reached|exhausted|used up)|exceeded\s+(your|the|its)?\s*(daily\s+|monthly\s+)?quota",
            r"insufficient[_ ]quota|usageLimits|dailyLimitExceeded|TotalRequests Limit exceeded",
            r"daily\s+(api\s+)?limit\s+(exceeded|reached)|API\s+(call\s+|request\s+)?limit\s+(reached|exceeded)",
            r"(Kontingent|Quota|Quote)\s+(ist\s+)?(überschritten|erschöpft|aufgebraucht|erreicht)",
            r"(storage|execution|message)s?\s+(quota|limit)\s+(reached|exceeded)|contract quota",
        ],
        "excludes": [NEGATED + r"(quota|Kontingent|limit)"],
        "examples": [
            "403 usageLimits: Daily Limit Exceeded",
            "Quota exceeded for quota metric 'Read requests'",
            "Das monatliche Kontingent ist aufgebraucht",
        ],
    },
]


def load(apps=None) -> int:
    """Create the missing seed rules, linked to their seed articles when present.
    Returns how many were created."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Rule = apps.get_model("triage", "Rule")
    Article = apps.get_model("kb", "Article")
    created = 0
    for spec in RULES:
        if Rule.objects.filter(code=spec["code"]).exists():
            continue
        Rule.objects.create(
            code=spec["code"],
            name=spec["name"],
            cause=spec["cause"],
            confidence=spec["confidence"],
            patterns="\n".join(spec["patterns"]),
            excludes="\n".join(spec["excludes"]),
            examples="\n".join(spec["examples"]),
            article=Article.objects.filter(slug=spec["article"]).first(),
        )
        created += 1
    return created
