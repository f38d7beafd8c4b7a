"""The portal wears the customer's own organisation's brand: a partner's for its customers
(never the vendor's), the vendor's for direct customers. The logo is an inert image.

(The colour and logo rules themselves are core.web's, tested with the console.)"""

from __future__ import annotations

import base64
import re

import pytest

from tests.factories import new_ticket
from tierdesk.accounts.models import Organisation
from tierdesk.accounts.services import user_preferences_update

ACME_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" aria-label="Acme">'
    '<rect width="10" height="10" fill="#7a1f5c"/><script>alert(1)</script></svg>'
)
VENDOR_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>'
BRANDS = {
    # organisation attribute: (display name, primary, accent, logo)
    "acme": ("Acme Integrations", "#7a1f5c", "#f4b400", ACME_LOGO),
    "globex": ("Globex Cloud", "#0d5c3a", "#e0e040", ""),
    "vendor": ("Integra Support", "#0b3d91", "#00a6a6", VENDOR_LOGO),
}


@pytest.fixture
def branded(world):
    # given the vendor and both partners with their own colours (and logos for two)
    for attr, (name, primary, accent, logo) in BRANDS.items():
        Organisation.objects.filter(pk=getattr(world, attr).pk).update(
            display_name=name, primary_colour=primary, accent_colour=accent, logo=logo
        )
    return world


def brand_vars(html: str) -> dict[str, str]:
    # The brand colours are one <style nonce> block (the CSP allows no style attribute).
    match = re.search(r'<style nonce="[^"]+">:root \{([^}]*)\}</style>', html)
    assert match, "the page sets no brand variables"
    return dict(
        (k.strip(), v.strip())
        for k, v in (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    )


def svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@pytest.mark.parametrize(
    ("who", "own", "others"),
    [
        ("acme_customer", "acme", ("vendor", "globex")),
        ("globex_customer", "globex", ("vendor", "acme")),
        ("direct_customer", "vendor", ("acme", "globex")),
    ],
)
@pytest.mark.parametrize("url", ["/portal/", "/portal/new/", "ticket"])
def test_each_customer_sees_their_own_organisations_brand_only(
    branded, client, who, own, others, url
):
    partner = {"acme": "acme", "globex": "globex", "vendor": "vendor"}[own]
    ticket = new_ticket(branded, partner)
    client.force_login(branded.user(who))
    # when the customer opens a portal page
    path = f"/portal/tickets/{ticket.number}/" if url == "ticket" else url
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    name, primary, accent, logo = BRANDS[own]
    # then the page wears their organisation's name, colours and logo
    variables = brand_vars(html)
    assert variables["--brand"] == primary
    assert variables["--accent"] == accent
    assert name in html
    if logo:
        assert svg_data_url(logo) in html
    # and nothing of another brand, nor the product's name
    for other in others:
        other_name, other_primary, _accent, other_logo = BRANDS[other]
        assert other_name not in html
        assert other_primary not in html
        if other_logo:
            assert svg_data_url(other_logo) not in html
    assert "Tierdesk" not in html


def test_the_logo_is_never_markup_in_the_page(branded, client):
    # given a partner whose logo SVG carries a script
    client.force_login(branded.user("acme_customer"))
    # when its customer opens the portal
    html = client.get("/portal/").content.decode()
    # then the SVG is only an <img> source (inert), never inline markup
    assert "<svg" not in html
    assert "<script>alert(1)</script>" not in html
    assert f'<img src="{svg_data_url(ACME_LOGO)}"' in html


def test_the_ticket_reference_uses_the_brands_tag(branded, client):
    # given Acme's mail tag
    Organisation.objects.filter(pk=branded.acme.pk).update(ticket_tag="ACM")
    ticket = new_ticket(branded, "acme")
    client.force_login(branded.user("acme_customer"))
    # when the customer opens the ticket, then it is numbered as Acme's mail numbers it
    html = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f"ACM-{ticket.number}" in html


def test_the_portal_speaks_the_customers_language(world, client):
    # given a customer who reads German
    user = world.user("acme_customer")
    user_preferences_update(user=user, time_zone="Europe/Berlin", language="de")
    ticket = new_ticket(world, "acme")
    client.force_login(user)
    # when they open their portal, then it speaks German
    assert "Meine Tickets" in client.get("/portal/").content.decode()
    html = client.get("/portal/new/").content.decode()
    assert "Problem melden" in html and "Wann ist es passiert?" in html
    assert (
        "Was Sie gemeldet haben" in client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    )
