"""Every HTML response carries the security headers, and no page holds a script, event
handler or style the Content-Security-Policy would have to allow inline
(tierdesk/settings.py, core/security.py, docs/security.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from tests.factories import new_ticket
from tierdesk import cli
from tierdesk.urls import urlpatterns as product_urls


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


# The product's routes plus two that fail, for the 500 and 403 pages.
urlpatterns = [path("test-boom/", _boom), path("test-forbidden/", _forbidden), *product_urls]


class Page(HTMLParser):
    """What the CSP cares about in a page: scripts, styles, event handler attributes."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.styles: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.style_attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style":
            self.styles.append(attributes)
        for name, _value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or name.startswith("data-hx-on"):
                self.handlers.append((tag, name))
            if name == "style":
                self.style_attributes.append(tag)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_headers(response) -> None:
    directives = _directives(response)
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def assert_nothing_inline(response) -> None:
    """Every <script> loads a file (or is inert JSON data), every <style> carries this
    response's nonce, and no element has an event handler or a style attribute."""
    nonces = [
        s.removeprefix("'nonce-").removesuffix("'")
        for s in _directives(response)["style-src"]
        if s.startswith("'nonce-")
    ]
    page = Page()
    page.feed(response.content.decode())
    for script in page.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
    for style in page.styles:
        assert style.get("nonce") and style["nonce"] in nonces, style
    assert page.handlers == []
    assert page.style_attributes == []


@pytest.fixture
def pages(world):
    ticket = new_ticket(world, "acme")
    return {
        "acme_l1": [
            "/",
            "/queues/l1_new/",
            "/tickets/new/",
            f"/tickets/{ticket.number}/",
            f"/tickets/{ticket.number}/edit/",
            "/settings/",
            "/settings/password/",
            "/logout/",
            "/api/v1/docs",
            "/no-such-page/",
        ],
        "acme_customer": ["/portal/", "/portal/new/", f"/portal/tickets/{ticket.number}/"],
        "admin": [
            "/admin/",
            "/admin/tickets/ticket/",
            f"/admin/tickets/ticket/{ticket.pk}/change/",
            "/admin/axes/accessfailurelog/",
            "/admin/accounts/throttlehit/",
        ],
        None: ["/login/", "/password-reset/", "/password-reset/sent/", "/admin/login/"],
    }


def test_every_kind_of_page_carries_the_headers_and_nothing_inline(world, pages):
    seen = 0
    for who, urls in pages.items():
        client = Client()
        if who:
            client.force_login(world.user(who))
        for url in urls:
            # when the page is opened
            response = client.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            assert response["Content-Type"].startswith("text/html"), url
            # then it carries every header and holds nothing the CSP would block
            assert_headers(response)
            assert_nothing_inline(response)
            seen += 1
    assert seen == sum(len(urls) for urls in pages.values())


def test_a_page_with_a_form_error_and_an_htmx_partial_are_clean_too(world, client):
    client.force_login(world.user("acme_l1"))
    # a refused form (422 with the errors beside the fields)
    response = client.post("/tickets/new/", {"title": ""})
    assert response.status_code == 422
    assert_headers(response)
    assert_nothing_inline(response)
    # the live checklist htmx swaps in
    response = client.post("/tickets/new/checklist/", {"title": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_nothing_inline(response)


@pytest.mark.urls("tests.test_security_headers")
def test_the_error_pages_carry_the_headers(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("acme_l1"))
    for url, status in (("/test-boom/", 500), ("/test-forbidden/", 403), ("/nowhere/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert_headers(response)
        assert_nothing_inline(response)


def test_the_brand_colours_come_in_a_style_element_with_the_nonce(world, client):
    client.force_login(world.user("acme_customer"))
    response = client.get("/portal/")
    page = Page()
    page.feed(response.content.decode())
    # one <style> with the response's nonce, a fresh one on every response
    assert len(page.styles) == 1
    first = page.styles[0]["nonce"]
    page_again = Page()
    page_again.feed(client.get("/portal/").content.decode())
    assert page_again.styles[0]["nonce"] != first


def test_the_api_docs_page_loads_only_local_files(world, client):
    client.force_login(world.user("acme_l1"))
    response = client.get("/api/v1/docs")
    page = Page()
    page.feed(response.content.decode())
    assert [s["src"] for s in page.scripts if s.get("src")] == [
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    assert_headers(response)


def test_hsts_is_sent_over_https_only(world, client, settings):
    # given the production default (DEBUG off)
    assert settings.SECURE_HSTS_SECONDS == 31536000
    # then a request served over HTTPS gets HSTS, a plain one does not
    secure = client.get("/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login/")


def _settings_in(env: dict[str, str]) -> dict:
    code = (
        "import json, tierdesk.settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
        "'redirect': s.SECURE_SSL_REDIRECT}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_HSTS", "DEBUG"))}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**keep, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_hsts_and_proxy_settings_come_from_the_environment(tmp_path):
    var = {"TIERDESK_VAR_DIR": str(tmp_path)}
    # production: HSTS on for a year
    assert _settings_in(var)["hsts"] == 31536000
    # development: off
    assert _settings_in({**var, "DEBUG": "true"})["hsts"] == 0
    # explicit values, and a trusted proxy's X-Forwarded-Proto
    chosen = _settings_in(
        {
            **var,
            "TIERDESK_HSTS_SECONDS": "600",
            "TIERDESK_HSTS_SUBDOMAINS": "true",
            "TIERDESK_TRUSTED_PROXIES": "1",
            "TIERDESK_HTTPS_REDIRECT": "true",
        }
    )
    assert chosen == {
        "hsts": 600,
        "sub": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
    }


def test_check_deploy_fails_without_hsts(db, capsys, settings):
    # given a production host with HSTS switched off
    settings.SECURE_HSTS_SECONDS = 0
    # when the deployment checks run
    code = cli.main(["check", "--deploy"])
    # then they fail naming HSTS
    assert code == 2
    assert "tierdesk.E001" in capsys.readouterr().err


def test_check_deploy_fails_on_an_inline_script_policy(db, capsys, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**policy["DIRECTIVES"], "script-src": ["'self'", "'unsafe-inline'"]}
    }
    assert cli.main(["check", "--deploy"]) == 2
    assert "tierdesk.E002" in capsys.readouterr().err


def test_check_deploy_passes_on_the_defaults(db, capsys, monkeypatch):
    # (the test environment's async escape hatch is itself a deployment error)
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    assert cli.main(["check", "--deploy"]) == 0, capsys.readouterr().err
