"""Basic accessibility: every input of every main page has a label, the brand's colours
and the stylesheet's text colours read at 4.5:1 or better, and the logo never reaches the
page as markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import ticket_at
from tierdesk.accounts.models import Organisation
from tierdesk.core.web import brand_for, contrast, logo_data_url

CSS = Path(__file__).resolve().parent.parent / "tierdesk" / "static" / "tierdesk" / "tierdesk.css"
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Controls(HTMLParser):
    """The form controls of a page and the labels that name them."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text") in UNLABELLED_TYPES:
                return
            self.controls.append({**a, "_tag": tag, "_wrapped": self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    assert parser.controls, "no form controls on this page"
    return [
        f"{c['_tag']} name={c.get('name')} id={c.get('id')}"
        for c in parser.controls
        if not c["_wrapped"] and c.get("id") not in parser.label_for and not c.get("aria-label")
    ]


PAGES = [
    # (who, ticket state or None, url template)
    (None, None, "/login/"),
    (None, None, "/password-reset/"),
    ("acme_l1", None, "/settings/"),
    ("acme_l1", None, "/queues/all/"),
    ("l2", None, "/queues/all/"),
    ("acme_l1", None, "/tickets/new/"),
    ("acme_l1", "in_progress@L1", "/tickets/{n}/edit/"),
    ("acme_l1", "in_progress@L1", "/tickets/{n}/"),
    ("acme_l1", "resolved@L1", "/tickets/{n}/"),
    ("l2", "new@L2", "/tickets/{n}/"),
    ("l2", "in_progress@L2", "/tickets/{n}/"),
    ("lead", "in_progress@L2", "/tickets/{n}/"),
    ("l2", "verifying@L2", "/tickets/{n}/"),
    ("l3", "in_progress@L3", "/tickets/{n}/"),
    ("acme_customer", "waiting@L1", "/portal/tickets/{n}/"),
]


@pytest.mark.parametrize(("who", "where", "url"), PAGES)
def test_every_input_has_a_label(world, client, who, where, url):
    if who:
        client.force_login(world.user(who))
    number = ticket_at(world, where).number if where else None
    response = client.get(url.format(n=number))
    assert response.status_code == 200
    assert unlabelled(response.content.decode()) == []


def test_the_detector_finds_an_unlabelled_input():
    html = '<label for="a">A</label><input id="a"><label><input name="b"> B</label><input id="c">'
    assert unlabelled(html) == ["input name=None id=c"]


def _css_colour(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS.read_text()).group(1)


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("text", "surface"),
        ("text", "bg"),
        ("muted", "surface"),
        ("muted", "bg"),
        ("ok", "ok-bg"),
        ("warn", "warn-bg"),
        ("danger", "danger-bg"),
        ("internal", "internal-bg"),
        ("link", "surface"),
        ("on-brand", "brand"),
    ],
)
def test_stylesheet_text_colours_read_at_4_5_to_1(fg, bg):
    assert contrast(_css_colour(fg), _css_colour(bg)) >= 4.5


@pytest.mark.parametrize(
    "primary", ["#1f4e79", "#0b3d91", "#005f73", "#94d2bd", "#ffdd00", "#777777", "#000000"]
)
def test_any_brand_colour_gets_readable_text_and_links(primary):
    org = Organisation(name="X", kind="partner", primary_colour=primary, accent_colour="#ffffff")
    brand = brand_for(org)
    assert contrast(brand["on_primary"], brand["primary"]) >= 4.5
    assert contrast(brand["link"], "#ffffff") >= 4.5


def test_the_logo_is_an_image_url_never_markup(world, client):
    world.acme.logo = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    world.acme.save()
    client.force_login(world.user("acme_l1"))
    body = client.get("/").content
    assert b"<script>alert(1)" not in body
    assert b'<img src="data:image/svg+xml;base64,' in body
    assert logo_data_url("javascript:alert(1)") == ""
    assert logo_data_url("data:text/html;base64,PHNjcmlwdD4=") == ""
