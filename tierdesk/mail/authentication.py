"""Whether an inbound mail really comes from the address in its From, and the signed
reply addresses that let staff answer a ticket by mail.

**Authentication.** A mail is *verified* when its From domain is vouched for:

1. by the `Authentication-Results` header (RFC 8601, read with `authres`) of a trusted
   MTA — the first such header from the top whose authserv-id is in
   `TIERDESK_MAIL_AUTHSERV_IDS` (the MTA puts its own above every other and removes
   forged ones claiming its id): `dmarc=pass`, or `dkim=pass` / `spf=pass` for a domain
   aligned with the From domain (the same domain, or one a subdomain of the other).
   An explicit `dmarc=fail` is never outweighed. This is the production mode: the MTA
   has the DNS, the envelope and the connection; Tierdesk only reads its verdict;
2. else, with `TIERDESK_MAIL_DKIM_VERIFY`, by a DKIM signature checked here (`dkimpy`)
   whose `d=` is aligned with the From domain. The DNS lookup is `dnsfunc` (for tests, a
   locally generated key).

Nothing else counts: a header from an MTA that is not trusted is ignored.

**Signed reply addresses.** A mail about a ticket to a staff member carries a Reply-To
`<local>+t<ticket id>.u<user id>.<signature>@<domain>`; the signature is an HMAC-SHA256
with a key derived from `SECRET_KEY` (`salted_hmac`), compared in constant time. Only a
verified mail from that very person to that address adds an internal note by mail.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import authres
from django.utils.crypto import constant_time_compare, salted_hmac

logger = logging.getLogger(__name__)

TOKEN_SALT = "tierdesk.mail.reply-address"
SIGNATURE_LENGTH = 20  # hex digits: 80 bits
TOKEN = re.compile(r"^([^@+]+)\+t(\d{1,12})\.u(\d{1,12})\.([0-9a-f]{20})@(.+)$")
DnsFunc = Callable[..., bytes | None]


@dataclass(frozen=True)
class Verdict:
    verified: bool
    how: str  # how it was verified, or why not; shown on the inbound log and held mail

    def __str__(self) -> str:
        return ("verified: " if self.verified else "not verified: ") + self.how


ACCEPTED = Verdict(True, "accepted by a person reviewing the held mail")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    domain, from_domain = domain.strip(".").lower(), from_domain.strip(".").lower()
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _headers(raw: bytes):
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def _trusted_results(raw: bytes, trusted: Sequence[str]):
    ids = {t.strip().lower() for t in trusted if t.strip()}
    if not ids:
        return None
    for value in _headers(raw).get_all("Authentication-Results") or []:
        text = re.sub(r"\s+", " ", str(value)).strip()
        try:
            header = authres.AuthenticationResultsHeader.parse_value(text)
        except Exception as exc:  # an unreadable header is nobody's verdict
            logger.info("unreadable Authentication-Results: %s", type(exc).__name__)
            continue
        if (header.authserv_id or "").lower() in ids:
            return header
    return None


def _from_results(header, from_domain: str) -> Verdict:
    who = header.authserv_id
    passed = []
    for result in header.results:
        method, outcome = (result.method or "").lower(), (result.result or "").lower()
        props = {(p.type, p.name): (p.value or "") for p in result.properties}
        if method == "dmarc":
            if outcome != "pass":
                return Verdict(False, f"dmarc={outcome} at {who}")
            if aligned(props.get(("header", "from"), from_domain), from_domain):
                passed.append("dmarc=pass")
        elif method == "dkim" and outcome == "pass":
            if aligned(props.get(("header", "d"), ""), from_domain):
                passed.append("dkim=pass")
        elif method == "spf" and outcome == "pass":
            envelope = props.get(("smtp", "mailfrom"), "") or props.get(("smtp", "helo"), "")
            if aligned(_domain(envelope), from_domain):
                passed.append("spf=pass")
    if passed:
        return Verdict(True, f"{', '.join(passed)} for {from_domain} at {who}")
    return Verdict(False, f"no aligned pass for {from_domain} at {who}")


def _dkim(raw: bytes, from_domain: str, dnsfunc: DnsFunc | None) -> Verdict:
    import dkim

    count = len(_headers(raw).get_all("DKIM-Signature") or [])
    if not count:
        return Verdict(False, "no DKIM signature")
    for index in range(count):
        checker = dkim.DKIM(raw, logger=logger)
        try:
            ok = checker.verify(idx=index, dnsfunc=dnsfunc) if dnsfunc else checker.verify(index)
        except Exception as exc:  # a malformed signature or a DNS failure: not verified
            logger.info("DKIM signature %s not verified: %s", index, type(exc).__name__)
            continue
        domain = (checker.domain or b"").decode("ascii", "replace")
        if ok and aligned(domain, from_domain):
            return Verdict(True, f"dkim=pass for {domain} (checked here)")
    return Verdict(False, f"no valid DKIM signature for {from_domain}")


def verify(
    raw: bytes,
    from_email: str,
    *,
    trusted: Sequence[str] = (),
    check_dkim: bool = False,
    dnsfunc: DnsFunc | None = None,
) -> Verdict:
    """Whether the mail's From address is authenticated (see the module)."""
    from_domain = _domain(from_email)
    header = _trusted_results(raw, trusted)
    if header is not None:
        return _from_results(header, from_domain)
    if check_dkim:
        return _dkim(raw, from_domain, dnsfunc)
    return Verdict(False, "no Authentication-Results of a trusted MTA")


# Signed reply addresses ---------------------------------------------------------------


def _signature(ticket_id: int, user_id: int) -> str:
    value = f"{int(ticket_id)}.{int(user_id)}"
    digest = salted_hmac(TOKEN_SALT, value, algorithm="sha256").hexdigest()
    return digest[:SIGNATURE_LENGTH]


def signed_address(address: str, *, ticket_id: int, user_id: int) -> str:
    """`address` with the ticket's and person's signed token as its sub-address."""
    local, _, domain = address.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}+t{ticket_id}.u{user_id}.{_signature(ticket_id, user_id)}@{domain}"


def without_token(address: str) -> str:
    """The address a signed one was made from (`support+…@x` → `support@x`)."""
    local, at, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


def signed_ticket(recipients: Sequence[str], *, user_id: int) -> int | None:
    """The ticket id of a reply address among the recipients signed for this person."""
    for address in recipients:
        match = TOKEN.match(address.strip().lower())
        if match is None or int(match[3]) != user_id:
            continue
        ticket_id = int(match[2])
        if constant_time_compare(match[4], _signature(ticket_id, user_id)):
            return ticket_id
    return None
