"""Macros and canned replies: a fixed placeholder set filled by plain substitution, the
organisation's and one's own macros, signatures, and a macro applied through the ticket
services (refused by the workflow like any action, leaving nothing written)."""

from __future__ import annotations

import pytest

from tests.factories import ticket_at
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, StaleVersion, WrongState
from tierdesk.kb import services as kb_services
from tierdesk.kb.services import ArticleDraft
from tierdesk.macros import placeholders, selectors, services
from tierdesk.macros.models import Macro
from tierdesk.macros.rendering import render_for
from tierdesk.macros.services import MacroDraft
from tierdesk.tickets.access import visible_messages
from tierdesk.tickets.models import EventKind

ASK_FOR_LOGS = (
    "Hello {{ customer.first_name }}, thank you for {{ ticket.number }}. Please attach the "
    "execution log of the failed run ({{ kb:ARTICLE }}).\n\n{{ agent.name }}, {{ partner.brand }}"
)


def article(world, audience="public", partner=None, status="published", title="Export a log"):
    return kb_services.article_create(
        actor=world.actor("admin"),
        draft=ArticleDraft(
            title=title,
            body="Open the execution, then **Download log**.",
            audience=audience,
            status=status,
            partner_id=partner.pk if partner else None,
        ),
    )


def replies(world, ticket, author):
    """The public messages the customer reads that `author` wrote."""
    rows = visible_messages(world.actor("acme_customer"), ticket).filter(author=world.user(author))
    return [m.body for m in rows.order_by("pk")]


def macro(world, who="l2", scope="organisation", **fields) -> Macro:
    draft = MacroDraft(**{"name": "Thanks", "body": "Thanks {{ customer.name }}!", **fields})
    return services.macro_create(actor=world.actor(who), scope=scope, draft=draft)


# -- the placeholders (pure) ------------------------------------------------------------
def test_placeholders_are_filled_once_escaped_and_unknown_ones_left_as_typed():
    values = {"customer.name": "Eve [click](javascript:x) {{ agent.name }}", "agent.name": "Al"}
    out = placeholders.render("Hi {{customer.name}} / {{ agent.name }} / {{ nope }}", values, {})
    # the customer's name stays text: no link, and its braces are not filled again
    assert out == "Hi Eve \\[click\\](javascript:x) {{ agent.name }} / Al / {{ nope }}"
    found = placeholders.scan("{{ ticket.number }} {{ kb:7 }} {{ x.y }} {{x.y}}")
    assert found.names == {"ticket.number"} and found.articles == {7}
    assert found.unknown == ("x.y",)


def test_a_template_is_never_evaluated():
    # Django or Jinja syntax is not ours: it is refused as an unknown placeholder
    for body in ("{{ settings.SECRET_KEY }}", "{{ ticket.customer.password }}", "{{ 7*7 }}"):
        assert placeholders.scan(body).unknown


# -- writing macros ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "fields, field",
    [({"name": " "}, "name"), ({"body": "Hi {{ customer.password }}"}, "body"),
     ({"set_priority": "asap"}, "set_priority"), ({"action": "escalate"}, "action"),
     ({"body": "", "action": "ask_customer"}, "body"),
     ({"action": "resolve", "cause": "credentials"}, "resolution"),
     ({"action": "resolve", "resolution": "Renewed.", "cause": "luck"}, "cause"),
     ({"body": ""}, "body"), ({"body": "x\x00"}, "body")],
)  # fmt: skip
def test_a_bad_macro_is_refused_naming_the_field(world, fields, field):
    with pytest.raises(InvalidInput) as refused:
        macro(world, **fields)
    assert field in refused.value.fields and not Macro.objects.exists()


def test_a_macro_links_only_articles_its_author_can_read(world):
    internal = article(world, audience="internal")
    with pytest.raises(InvalidInput) as refused:
        macro(world, who="acme_admin", body=f"See {{{{ kb:{internal.pk} }}}}")
    assert str(internal.pk) in refused.value.fields["body"]


@pytest.mark.parametrize(
    "who, scope, allowed",
    [("l2", "organisation", True), ("lead", "organisation", True), ("l3", "organisation", True),
     ("acme_admin", "organisation", True), ("acme_l1", "organisation", False),
     ("acme_l1", "personal", True), ("l2", "personal", True)],
)  # fmt: skip
def test_who_writes_which_scope(world, who, scope, allowed):
    if allowed:
        made = macro(world, who=who, scope=scope)
        assert made.organisation_id == world.actor(who).org_id
        assert (made.owner_id is not None) == (scope == "personal")
    else:
        with pytest.raises(Forbidden):
            macro(world, who=who, scope=scope)


def test_customers_have_no_macros(world):
    macro(world, who="acme_admin")
    with pytest.raises(Forbidden):
        macro(world, who="acme_customer", scope="personal")
    assert list(selectors.macro_list(world.actor("acme_customer"))) == []
    with pytest.raises(Forbidden):
        services.signature_set(actor=world.actor("acme_customer"), body="Eve")


# -- who sees which macro (the matrix) --------------------------------------------------
MACROS = ("vendor", "acme", "globex", "acme_l1_own", "l2_own")
USES = {
    "acme_customer": set(),
    "acme_l1": {"acme", "acme_l1_own"},
    "acme_admin": {"acme"},
    "globex_l1": {"globex"},
    "globex_admin": {"globex"},
    "vendor_l1": {"vendor"},
    "l2": {"vendor", "l2_own"},
    "l2b": {"vendor"},
    "lead": {"vendor"},
    "l3": {"vendor"},
    "admin": {"vendor"},
}
MANAGES = {
    "acme_l1": {"acme_l1_own"},
    "acme_admin": {"acme"},
    "globex_admin": {"globex"},
    "l2": {"vendor", "l2_own"},
    "l2b": {"vendor"},
    "lead": {"vendor"},
    "l3": {"vendor"},
    "admin": {"vendor"},
    "vendor_l1": {"vendor"},
}


@pytest.fixture
def macros(world):
    return {
        "vendor": macro(world, who="l2", name="vendor"),
        "acme": macro(world, who="acme_admin", name="acme"),
        "globex": macro(world, who="globex_admin", name="globex"),
        "acme_l1_own": macro(world, who="acme_l1", scope="personal", name="acme_l1_own"),
        "l2_own": macro(world, who="l2", scope="personal", name="l2_own"),
    }


@pytest.mark.parametrize("who", sorted(USES))
def test_each_person_uses_and_manages_only_their_macros(world, macros, who):
    actor = world.actor(who)
    assert {m.name for m in selectors.macro_list(actor)} == USES[who]
    for key, made in macros.items():
        draft = MacroDraft(name=key, body="Changed {{ ticket.number }}")
        if key in MANAGES.get(who, set()):
            assert services.macro_update(actor=actor, macro_id=made.pk, draft=draft).version == 2
        elif key in USES[who]:
            with pytest.raises(Forbidden):
                services.macro_update(actor=actor, macro_id=made.pk, draft=draft)
            with pytest.raises(Forbidden):
                services.macro_delete(actor=actor, macro_id=made.pk)
        else:  # not theirs: the same answer as a macro that does not exist
            with pytest.raises(NotFound):
                services.macro_update(actor=actor, macro_id=made.pk, draft=draft)
            with pytest.raises(NotFound):
                services.macro_delete(actor=actor, macro_id=made.pk)


@pytest.mark.parametrize("who", ["globex_l1", "globex_admin", "l3"])
def test_a_macro_never_reveals_a_ticket_one_may_not_see(world, macros, who):
    # given Acme's ticket at L2, which Globex's people and L3 may not see
    ticket = ticket_at(world, "in_progress@L2")
    own = {"globex_l1": "globex", "globex_admin": "globex", "l3": "vendor"}[who]
    actor = world.actor(who)
    before = visible_messages(world.actor("l2"), ticket).count()
    with pytest.raises(NotFound):
        services.macro_apply(actor=actor, macro_id=macros[own].pk, ticket_id=ticket.pk)
    with pytest.raises(NotFound):
        selectors.picks(actor, ticket_for(world, who, ticket), "")
    assert visible_messages(world.actor("l2"), ticket).count() == before


def ticket_for(world, who, ticket):
    """The search reads the ticket through access first (as its view does)."""
    from tierdesk.tickets.access import get_ticket

    return get_ticket(world.actor(who), ticket.pk)


# -- applying a macro -------------------------------------------------------------------
def test_ask_for_logs_sets_the_priority_asks_the_customer_and_signs(world):
    # given L2 working Acme's ticket, a vendor macro "ask for logs" and L2's signature
    ticket = ticket_at(world, "in_progress@L2")
    doc = article(world)
    ask = macro(
        world,
        name="Ask for logs",
        body=ASK_FOR_LOGS.replace("ARTICLE", str(doc.pk)),
        set_priority="high",
        action="ask_customer",
    )
    services.signature_set(actor=world.actor("l2"), body="Kind regards, L2 Support")
    # when L2 applies it
    applied = services.macro_apply(
        actor=world.actor("l2"), macro_id=ask.pk, ticket_id=ticket.pk, version=ticket.version
    )
    # then the ticket waits on the customer at high priority, with one public question
    assert (applied.ticket.status, applied.ticket.priority) == ("waiting_on_customer", "high")
    (body,) = replies(world, ticket, "l2")
    assert body.startswith(f"Hello Acme, thank you for {ticket.reference}.")
    assert f"[Export a log](<http://127.0.0.1:8000/portal/help/{doc.pk}-" in body
    assert "L2, Acme Integrations" in body
    assert body.endswith("\n\nKind regards, L2 Support")
    kinds = list(ticket.events.order_by("pk").values_list("kind", flat=True))[-2:]
    assert kinds == [EventKind.UPDATED, EventKind.ASKED_CUSTOMER]


def test_a_refused_action_writes_nothing(world):
    # given a ticket still new at L2: asking the customer is not allowed before taking it
    ticket = ticket_at(world, "new@L2")
    ask = macro(world, body="Logs, please.", set_priority="urgent", action="ask_customer")
    before = (ticket.version, ticket.priority, ticket.events.count())
    with pytest.raises((WrongState, Forbidden)):
        services.macro_apply(actor=world.actor("l2"), macro_id=ask.pk, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert (ticket.version, ticket.priority, ticket.events.count()) == before
    assert replies(world, ticket, "l2") == []


def test_a_stale_version_is_refused(world):
    ticket = ticket_at(world, "in_progress@L2")
    thanks = macro(world)
    with pytest.raises(StaleVersion):
        services.macro_apply(
            actor=world.actor("l2"), macro_id=thanks.pk, ticket_id=ticket.pk,
            version=ticket.version - 1,
        )  # fmt: skip


def test_resolve_keeps_its_notes_internal(world):
    ticket = ticket_at(world, "in_progress@L2")
    done = macro(
        world,
        body="Reconnecting the credential solved it, {{ customer.first_name }}.",
        action="resolve",
        resolution="INTERNAL-NOTE expired refresh token",
        cause="credentials",
    )
    applied = services.macro_apply(actor=world.actor("l2"), macro_id=done.pk, ticket_id=ticket.pk)
    assert applied.ticket.status == "resolved" and applied.ticket.resolution_cause == "credentials"
    assert replies(world, ticket, "l2") == ["Reconnecting the credential solved it, Acme."]


def test_an_article_the_customer_cannot_read_is_not_linked(world):
    # given a Globex-only article, linked by a vendor macro, applied to Acme's ticket
    ticket = ticket_at(world, "in_progress@L2")
    other = article(world, audience="partner", partner=world.globex, title="GLOBEX-ONLY")
    link = macro(world, body=f"See {{{{ kb:{other.pk} }}}}")
    with pytest.raises(InvalidInput) as refused:
        services.macro_apply(actor=world.actor("l2"), macro_id=link.pk, ticket_id=ticket.pk)
    assert "cannot read" in refused.value.fields["body"]
    picked = selectors.picks(world.actor("l2"), ticket, "")
    assert picked[0]["text"] == "" and picked[0]["error"]


def test_the_edited_reply_is_sent_as_typed(world):
    ticket = ticket_at(world, "in_progress@L1")
    thanks = macro(world, who="acme_admin")
    services.macro_apply(
        actor=world.actor("acme_l1"), macro_id=thanks.pk, ticket_id=ticket.pk,
        body="Edited by hand.", sign=False,
    )  # fmt: skip
    assert replies(world, ticket, "acme_l1") == ["Edited by hand."]
    assert render_for(world.actor("acme_l1"), thanks, ticket) == "Thanks Acme Customer!"
