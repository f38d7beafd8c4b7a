"""Triage where people see it: the engine, POST /triage/diagnose, `triage` on the ticket
API, the ticket page and L1 form, sending an article, resolving at L1 with a cause, and
the portal's deflection."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import new_ticket, ticket_at
from tests.test_api import API, client_for
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.kb import seed as kb_seed
from tierdesk.kb.models import Article
from tierdesk.kb.services import ArticleDraft, article_create
from tierdesk.tickets import access
from tierdesk.tickets import services as ticket_services
from tierdesk.triage import seed as triage_seed
from tierdesk.triage import selectors, services
from tierdesk.triage.engine import RuleSpec, Source, diagnose
from tierdesk.triage.models import Deflection, Resolution, Rule

TOKEN_ERROR = "Google Sheets step: invalid_grant - Token has been expired or revoked."
QUIET = {"actual_behaviour": "Nothing arrives.", "pasted_log": "", "title": "Orders missing"}


@pytest.fixture(autouse=True)
def _seeded(db):
    """The seed articles and rules (a data migration installs them; a transactional test
    elsewhere in the suite may have flushed them)."""
    kb_seed.load()
    triage_seed.load()


def diagnose_api(client, body) -> object:
    return client.post(f"{API}/triage/diagnose", json.dumps(body), content_type="application/json")


def test_engine_reads_bunyan_lines_names_the_line_and_respects_excludes():
    import re

    rule = RuleSpec(
        code="r",
        cause="connectivity",
        patterns=(re.compile("ECONNREFUSED", re.I),),
        excludes=(re.compile(r"\bno\b.{0,20}ECONNREFUSED", re.I),),
    )
    log = "\n".join(
        [
            '{"level":30,"msg":"start"}',
            '{"level":50,"msg":"Request failed",'
            '"err":{"message":"connect ECONNREFUSED 10.0.0.1:443"}}',
        ]
    )
    # when a log and a text with a negation are diagnosed
    findings = diagnose(
        [Source("text", "There is no ECONNREFUSED here"), Source("log", log, numbered=True)], [rule]
    )
    # then the one finding quotes the JSON line's message and error, with its line number
    assert len(findings) == 1
    assert findings[0].evidence == {
        "text": "Request failed — connect ECONNREFUSED 10.0.0.1:443",
        "source": "log",
        "line": 2,
    }
    assert findings[0].problem is None


def test_diagnose_api_names_cause_evidence_and_article(world):
    client = client_for(world, "acme_l1")
    # when a partner's helpdesk posts a customer's text and log
    response = diagnose_api(client, {"text": "The sheet sync stopped.", "log": "x\n" + TOKEN_ERROR})
    # then the cause comes with its evidence (line of the log) and the public article
    assert response.status_code == 200
    (finding,) = response.json()["causes"]
    assert finding["cause"] == "token_expired" and 0 < finding["confidence"] <= 1
    assert finding["evidence"] == {"text": TOKEN_ERROR, "source": "log", "line": 2}
    article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    assert finding["article"] == {
        "id": article.pk,
        "title": article.title,
        "url": article.get_absolute_url(),
    }
    assert finding["problem"] is None


def test_diagnose_api_refuses_bad_input_with_the_field(world):
    client = client_for(world, "acme_l1")
    assert diagnose_api(client, {}).json()["fields"] == {"text": "give text, log or ticket_id"}
    response = diagnose_api(client, {"text": "a", "ticket_id": 1})
    assert response.status_code == 422 and "ticket_id" in response.json()["fields"]
    response = diagnose_api(client, {"text": "a", "colour": "red"})
    assert response.status_code == 422 and "colour" in response.json()["fields"]


def test_diagnose_a_ticket_only_if_it_is_yours(world):
    ticket = new_ticket(world)  # its log says "Request failed with status code 401"
    # when acme diagnoses its ticket and globex tries the same id
    mine = diagnose_api(client_for(world, "acme_l1"), {"ticket_id": ticket.pk})
    theirs = diagnose_api(client_for(world, "globex_l1"), {"ticket_id": ticket.pk})
    # then acme gets the credentials finding from the pasted log, globex a 404
    causes = {f["cause"]: f for f in mine.json()["causes"]}
    assert causes["credentials"]["evidence"]["source"] == "title"  # "… fails with 401"
    assert theirs.status_code == 404


def test_ticket_api_carries_triage_and_hides_internal_evidence_from_customers(world):
    ticket = new_ticket(world, **QUIET)
    ticket_services.message_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        body="Customer's ERP log says: connect ECONNREFUSED 10.0.0.7:443",
        internal=True,
    )
    # when the agent and the customer read the ticket through the API
    staff = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}").json()
    customer = client_for(world, "acme_customer").get(f"{API}/tickets/{ticket.pk}").json()
    # then the agent sees the finding from the internal note; the customer does not
    assert [f["cause"] for f in staff["triage"]] == ["connectivity"]
    assert staff["triage"][0]["evidence"]["source"].startswith("message:")
    assert customer["triage"] == []


def test_ticket_page_shows_findings_and_probe_form_to_agents(world):
    ticket = new_ticket(world, actual_behaviour=TOKEN_ERROR)
    client = Client()
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="triage"' in page and 'data-cause="token_expired"' in page
    assert "OAuth token expired or revoked" in page and 'name="url"' in page
    assert "Send the article to the customer" in page


def test_send_article_as_reply_and_never_an_internal_one(world):
    ticket = new_ticket(world)
    public = Article.objects.get(slug="invalid-credentials-401-403")
    internal = Article.objects.get(slug="l1-triage-checklist")
    client = Client()
    client.force_login(world.user("acme_l1"))
    # when the agent sends the public article from the ticket page
    response = client.post(f"/triage/tickets/{ticket.number}/send-article/", {"article": public.pk})
    assert response.status_code == 302
    # then the customer sees it as a public reply
    customer = world.actor("acme_customer")
    bodies = [m.body for m in access.visible_messages(customer, ticket)]
    assert any(public.title in body and f"/portal/help/{public.pk}-" in body for body in bodies)
    # and an internal article is refused, naming the field, and nothing is sent
    with pytest.raises(InvalidInput) as refused:
        services.article_send(actor=world.actor("l2"), ticket_id=ticket.pk, article_id=internal.pk)
    assert "article" in refused.value.fields
    # and another partner's article does not exist for this agent
    globex = article_create(
        actor=SYSTEM,
        draft=ArticleDraft(
            title="G", body="g", audience="partner", partner_id=world.globex.pk, status="published"
        ),
    )
    client.post(f"/triage/tickets/{ticket.number}/send-article/", {"article": globex.pk})
    assert not any(m.body == "g" for m in access.visible_messages(customer, ticket))
    assert len(bodies) == access.visible_messages(customer, ticket).count()


def test_resolving_at_l1_records_the_cause(world):
    ticket = ticket_at(world, "in_progress@L1")
    client = Client()
    client.force_login(world.user("acme_l1"))
    # when L1 resolves with a triage cause from the ticket page
    response = client.post(
        f"/triage/tickets/{ticket.number}/resolve/",
        {
            "cause": "token_expired",
            "resolution": "Reconnected the credential.",
            "version": ticket.version,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    # then the ticket is resolved at L1 with the broader cause, the triage cause kept beside
    assert (ticket.status, ticket.resolved_level, ticket.resolution_cause) == (
        "resolved",
        1,
        "credentials",
    )
    assert Resolution.objects.get(ticket=ticket).cause == "token_expired"
    # and an unknown cause is refused, naming the field
    with pytest.raises(InvalidInput) as refused:
        services.ticket_resolve_with_cause(
            actor=world.actor("acme_l1"), ticket_id=ticket.pk, cause="gremlins", resolution="x"
        )
    assert "cause" in refused.value.fields


def test_l1_form_prefills_the_checks_from_what_was_ruled_out(world):
    ticket = new_ticket(world, check_connectivity="", check_credentials="", **QUIET)
    client = Client()
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/edit/").content.decode()
    assert 'data-fill-target="id_check_credentials"' in page
    assert "Triage found no 401/403" in page
    # and a ticket whose log shows 401 lists it as not ruled out
    shown = new_ticket(world)
    page = client.get(f"/tickets/{shown.number}/edit/").content.decode()
    assert "Not ruled out" in page and 'data-fill-target="id_check_credentials"' not in page


@pytest.mark.django_db
def test_rules_refuse_a_bad_pattern_and_an_example_they_miss():
    rule = Rule(code="x", name="x", cause="dns", patterns="ENOTFOUND\n(unclosed", confidence=0.5)
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.patterns = "ENOTFOUND"
    rule.examples = "getaddrinfo EAI_AGAIN"
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "examples" in refused.value.message_dict


def test_rule_admin_raises_the_version_and_keeps_the_old_one(world):
    admin_client = Client()
    admin_client.force_login(world.user("admin"))
    rule = Rule.objects.get(code="dns-not-resolved")
    data = {
        "code": rule.code, "name": rule.name, "cause": rule.cause, "patterns": rule.patterns,
        "excludes": rule.excludes, "confidence": "0.9", "article": rule.article_id or "",
        "examples": rule.examples, "enabled": "on",
        # the (read-only) inline of earlier versions
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0", "versions-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = admin_client.post(f"/admin/triage/rule/{rule.pk}/change/", data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.confidence) == (2, 0.9)
    # and the rule as it was is kept, naming who replaced it
    (old,) = rule.versions.all()
    assert (old.version, old.confidence, old.patterns) == (1, 0.95, rule.patterns)
    assert old.replaced_by == world.user("admin")
    # and only vendor admins may change rules
    with pytest.raises(Forbidden):
        services.rule_save(actor=world.actor("l2"), rule=rule)


def test_portal_suggests_articles_and_records_a_deflection(world):
    client = Client()
    client.force_login(world.user("acme_customer"))
    before = access.visible_tickets(SYSTEM).count()
    # when the customer types an expired-token error into the report form
    typed = {"title": "Sheets sync broken", "description": TOKEN_ERROR, "actual_behaviour": ""}
    part = client.post("/portal/new/suggestions/", typed).content.decode()
    article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    # then the matching article is suggested with "this solved it"
    assert article.title in part and article.portal_url() in part and "This solved it" in part
    # when they mark it as solved
    response = client.post("/portal/new/solved/", {**typed, "article": article.pk})
    # then no ticket is opened and the deflection is recorded
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert access.visible_tickets(SYSTEM).count() == before
    deflection = Deflection.objects.get()
    assert (deflection.customer, deflection.partner, deflection.article, deflection.cause) == (
        world.user("acme_customer"), world.acme, article, "token_expired",
    )  # fmt: skip
    # and an internal article cannot be deflected to (the portal's 404), nothing recorded
    internal = Article.objects.get(slug="l1-triage-checklist")
    assert client.post("/portal/new/solved/", {"article": internal.pk}).status_code == 404
    assert client.post("/portal/new/solved/", {"article": "x"}).status_code == 404
    assert Deflection.objects.count() == 1


def test_customers_get_portal_links_to_the_articles(world):
    ticket = new_ticket(world, actual_behaviour=TOKEN_ERROR)
    customer = client_for(world, "acme_customer").get(f"{API}/tickets/{ticket.pk}").json()
    urls = {f["article"]["url"] for f in customer["triage"] if f["article"]}
    assert urls and all(url.startswith("/portal/help/") for url in urls)
    found = diagnose_api(client_for(world, "acme_customer"), {"text": TOKEN_ERROR}).json()
    assert found["causes"][0]["article"]["url"].startswith("/portal/help/")


def test_triage_actions_on_another_partners_ticket_are_not_found(world, settings):
    settings.TIERDESK_PROBE_ALLOW_PRIVATE = True
    ticket = ticket_at(world, "in_progress@L1")
    public = Article.objects.get(slug="invalid-credentials-401-403")
    client = Client()
    client.force_login(world.user("globex_l1"))
    # when another partner's agent tries every triage action on the ticket
    for action, data in (
        ("probe", {"url": "http://127.0.0.1:9/"}),
        ("send-article", {"article": public.pk}),
        ("resolve", {"cause": "dns", "resolution": "x"}),
    ):
        response = client.post(f"/triage/tickets/{ticket.number}/{action}/", data)
        # then each answers 404, like a missing ticket, and nothing changes
        assert response.status_code == 404, action
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert not Resolution.objects.exists()
    assert access.visible_messages(SYSTEM, ticket).count() == 0


def test_deflections_are_counted_per_cause_for_the_partner_and_the_vendor(world):
    article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    for who in ("acme_customer", "acme_customer", "globex_customer"):
        services.deflection_record(actor=world.actor(who), article_id=article.pk, text=TOKEN_ERROR)
    # then each partner counts its own, the vendor all, customers none
    assert selectors.deflection_counts(world.actor("acme_admin")) == {"token_expired": 2}
    assert selectors.deflection_counts(world.actor("globex_l1")) == {"token_expired": 1}
    assert selectors.deflection_counts(world.actor("lead")) == {"token_expired": 3}
    assert selectors.deflection_counts(world.actor("acme_customer")) == {}
    # and staff may not record a deflection
    with pytest.raises(Forbidden):
        services.deflection_record(actor=world.actor("acme_l1"), article_id=article.pk)


def test_the_l1_form_shows_causes_as_the_agent_types(world):
    client = Client()
    client.force_login(world.user("acme_l1"))
    # given the new-ticket form, which carries the live box
    assert 'id="triage-live"' in client.get("/tickets/new/").content.decode()
    # when the agent has typed a description and pasted a log
    part = client.post(
        "/triage/live/",
        {"description": "ERP sync down", "pasted_log": "start\nconnect ECONNREFUSED 10.0.0.7:443"},
    ).content.decode()
    # then the cause shows with its evidence line and article
    assert 'data-cause="connectivity"' in part and "log, line 2" in part
    assert "Connection refused or timed out" in part
    # and customers have no such endpoint
    client.force_login(world.user("acme_customer"))
    assert client.post("/triage/live/", {"description": "x"}).status_code == 404


def test_a_finding_names_the_known_open_problem_matching_its_evidence(world):
    from tierdesk.problems.services import problem_create

    # given an open problem about the Google Sheets token, and one about something else
    known = problem_create(
        actor=world.actor("l2"),
        fields={
            "title": "Google Sheets invalid_grant: token revoked after rotation",
            "public_summary": "Google Sheets connections lose their token; fix in progress.",
            "internal_analysis": "INTERNAL rotation bug",
        },
    )
    problem_create(
        actor=world.actor("l2"),
        fields={"title": "Slow SFTP listing", "public_summary": "SFTP folders list slowly."},
    )
    # when a partner's helpdesk diagnoses the customer's log
    response = diagnose_api(client_for(world, "acme_l1"), {"log": "x\n" + TOKEN_ERROR})
    # then the finding says "looks like" that problem, with its public parts only
    (finding,) = response.json()["causes"]
    assert finding["problem"]["id"] == known.pk
    assert finding["problem"]["title"] == known.title
    assert "INTERNAL" not in json.dumps(finding)
    # and a customer's own diagnosis names no problem
    customer = diagnose_api(client_for(world, "acme_customer"), {"log": "x\n" + TOKEN_ERROR})
    assert all(c["problem"] is None for c in customer.json()["causes"])


def test_known_problems_of_all_findings_are_looked_up_in_one_query(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tierdesk.problems.services import problem_create
    from tierdesk.triage.engine import Finding

    # given two open problems, one about Google Sheets tokens and one about SFTP
    sheets = problem_create(
        actor=world.actor("l2"),
        fields={
            "title": "Google Sheets invalid_grant after rotation",
            "public_summary": "Google Sheets connections lose their token.",
        },
    )
    sftp = problem_create(
        actor=world.actor("l2"),
        fields={"title": "SFTP listing times out", "public_summary": "SFTP folders time out."},
    )
    actor = world.actor("acme_l1")

    def finding(text: str) -> Finding:
        return Finding(cause="credentials", confidence=0.9, rule="r", evidence={"text": text})

    def queries(findings) -> tuple[int, list]:
        with CaptureQueriesContext(connection) as captured:
            out = selectors.findings_out(actor, findings)
        return len(captured), [f["problem"]["id"] if f["problem"] else None for f in out]

    # when one finding is shown, then four
    one, found_one = queries([finding(TOKEN_ERROR)])
    four, found_four = queries(
        [
            finding(TOKEN_ERROR),
            finding("SFTP listing times out after 30 s"),
            finding("nothing alike here"),
            finding("invalid_grant again"),
        ]
    )
    # then each names its own problem, and the lookup costs the same
    assert found_one == [sheets.pk]
    assert found_four == [sheets.pk, sftp.pk, None, sheets.pk]
    assert one == four == 1
