"""Reads of triage: the enabled rules, what a ticket's texts reveal, findings in the
shape the API, the ticket page and the portal show.

A finding is `{"cause", "confidence", "evidence": {"text", "source", "line"?}, "article":
{"id", "title", "url"} | None, "rule", "problem"}`; `problem` is the open problem record
whose public parts match the evidence (`{"id", "reference", "title", "status",
"public_summary"}`: `schemas.ProblemRefOut`, never the internal analysis), for staff; None
for customers.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count, Max

from tierdesk.core.actor import Actor
from tierdesk.kb.access import is_vendor_staff, visible_articles
from tierdesk.kb.models import ArticleStatus
from tierdesk.logs.reading import log_head
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets.models import Ticket
from tierdesk.triage.engine import Finding, RuleSpec, Source, compile_rule, diagnose
from tierdesk.triage.models import Cause, Deflection, Probe, Rule

ATTACHMENT_BYTES = 256 * 1024
MAX_ATTACHMENTS = 5
_compiled: dict[tuple, list[RuleSpec]] = {}


def active_rules() -> list[RuleSpec]:
    """The enabled rules, compiled once per change of the rule table (one small query)."""
    stamp = Rule.objects.filter(enabled=True).aggregate(n=Count("pk"), at=Max("updated_at"))
    key = (stamp["n"], stamp["at"])
    rules = _compiled.get(key)
    if rules is None:
        rules = [compile_rule(r) for r in Rule.objects.filter(enabled=True)]
        _compiled.clear()  # keep only the current table's rules
        _compiled[key] = rules
    return rules


def text_sources(text: str = "", log: str = "") -> list[Source]:
    return [Source("text", text or ""), Source("log", log or "", numbered=True)]


def ticket_sources(actor: Actor, ticket: Ticket) -> list[Source]:
    """The ticket's texts this actor may read: the report, pasted log, text attachments
    and messages (a customer's view has no internal notes or files)."""
    sources = [
        Source("title", ticket.title),
        Source("description", ticket.description),
        Source("actual_behaviour", ticket.actual_behaviour),
        Source("pasted_log", ticket.pasted_log, numbered=True),
    ]
    attachments = ticket_access.visible_attachments(actor, ticket).order_by("pk")
    for attachment in attachments[:MAX_ATTACHMENTS]:
        if attachment.is_text:
            name = f"attachment:{attachment.filename}"
            sources.append(Source(name, log_head(attachment, ATTACHMENT_BYTES), numbered=True))
    messages = ticket_access.visible_messages(actor, ticket).order_by("pk")
    for message in messages.exclude(body__startswith=PROBE_NOTE_MARK):
        sources.append(Source(f"message:{message.pk}", message.body))
    return sources


# The probe's own notes quote errors on purpose; they are no evidence of the report.
PROBE_NOTE_MARK = "Connectivity probe:"


def findings_out(
    actor: Actor, findings: list[Finding], *, portal: bool | None = None
) -> list[dict]:
    """Findings as data, each article only if this actor may read it (published), linked
    to the portal for customers and to the console for everyone else."""
    if portal is None:
        portal = actor.is_customer
    problems = _known_problems(actor, findings)
    ids = {f.article_id for f in findings if f.article_id}
    articles = (
        {
            a.pk: a
            for a in visible_articles(actor).filter(pk__in=ids, status=ArticleStatus.PUBLISHED)
        }
        if ids
        else {}
    )
    out = []
    for finding, problem in zip(findings, problems, strict=True):
        article = articles.get(finding.article_id)
        out.append(
            {
                "cause": finding.cause,
                "cause_label": str(Cause(finding.cause).label),
                "confidence": round(finding.confidence, 2),
                "evidence": finding.evidence,
                "rule": finding.rule,
                "article": (
                    {
                        "id": article.pk,
                        "title": article.title,
                        "url": article.portal_url() if portal else article.get_absolute_url(),
                    }
                    if article
                    else None
                ),
                "problem": problem,
            }
        )
    return out


def _known_problems(actor: Actor, findings: list[Finding]) -> list[dict | None]:
    """Per finding, the open problem record whose public parts match its evidence ("looks
    like P-12, fix in progress"), as the actor may read it; none for customers. One
    query for all the findings (`matching_open_problems_each`)."""
    if actor.is_customer or not apps.is_installed("tierdesk.problems"):
        return [finding.problem for finding in findings]
    from tierdesk.problems.selectors import matching_open_problems_each

    texts = ["" if f.problem else str(f.evidence.get("text") or "") for f in findings]
    matches = matching_open_problems_each(actor, texts, limit=1)
    keys = ("id", "reference", "title", "status", "public_summary")
    return [
        finding.problem or ({key: found[0].get(key) for key in keys} if found else None)
        for finding, found in zip(findings, matches, strict=True)
    ]


def diagnose_text(
    actor: Actor, *, text: str = "", log: str = "", portal: bool | None = None
) -> list[dict]:
    return findings_out(actor, diagnose(text_sources(text, log), active_rules()), portal=portal)


def ticket_findings(actor: Actor, ticket: Ticket) -> list[dict]:
    return findings_out(actor, diagnose(ticket_sources(actor, ticket), active_rules()))


def ticket_findings_out(actor: Actor, ticket: Ticket) -> list[dict]:
    """The `triage` block of GET /api/v1/tickets/{id}."""
    return ticket_findings(actor, ticket)


def ticket_probes(ticket: Ticket, limit: int = 5) -> list[Probe]:
    return list(Probe.objects.filter(ticket=ticket).select_related("created_by")[:limit])


def l1_check_suggestions(
    actor: Actor, ticket: Ticket, findings: list[dict] | None = None
) -> dict[str, str]:
    """What L1 can write into the handover's checks from what triage ruled out: the last
    successful probe and the causes the texts show no sign of."""
    from tierdesk.triage.models import L1_CHECK

    if findings is None:
        findings = ticket_findings(actor, ticket)
    found = {f["cause"] for f in findings}
    suggestions: dict[str, str] = {}
    probe = next((p for p in ticket_probes(ticket) if p.ok), None)
    connectivity = [c for c, check in L1_CHECK.items() if check == "connectivity"]
    if not found & set(connectivity):
        lines = []
        if probe is not None:
            lines.append(
                f"Probe of {probe.url} ({probe.created_at:%Y-%m-%d %H:%M} UTC): {probe.summary}"
            )
        lines.append(
            "Triage found no connection, DNS or TLS error in the report, logs or messages."
        )
        suggestions["check_connectivity"] = " ".join(lines)
    if not found & {Cause.CREDENTIALS, Cause.TOKEN_EXPIRED}:
        suggestions["check_credentials"] = (
            "Triage found no 401/403, invalid login or expired/revoked OAuth token in the "
            "report, logs or messages."
        )
    return suggestions


def deflection_counts(actor: Actor, *, since=None) -> dict[str, int]:
    """Reports deflected by an article, per cause ("" for none found), for the reports:
    vendor staff count every partner's, partner staff their own partner's, others none."""
    rows = Deflection.objects.all()
    if not is_vendor_staff(actor):
        if not actor.is_partner_staff or actor.org_id is None:
            return {}
        rows = rows.filter(partner_id=actor.org_id)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return dict(rows.values_list("cause").annotate(n=Count("pk")).values_list("cause", "n"))
