"""Checks behind rows of docs/security.md that no feature test already made: the shape of
the code (no raw SQL with user text, no dynamic code), redirects, CSRF on forms, methods,
CORS, response types, version disclosure, default settings and how secrets are stored."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import gunicorn
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher
from django.test import Client

from tierdesk import settings as configured
from tierdesk.accounts.models import ApiToken, User
from tierdesk.accounts.services import token_create

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tierdesk"
PASSWORD = "correct horse battery staple"  # tests.factories.build_world
API = "/api/v1"

# Modules that talk SQL to the database themselves, each reviewed: table and column names
# come from the models, every value is a query parameter (docs/security.md, V5.3.4).
RAW_SQL_MODULES = {
    "tierdesk/core/health.py",  # SELECT 1: the readiness check
    # Statements assembled from fixed fragments; every value is a bound parameter.
    "tierdesk/search/backends.py",
    "tierdesk/reports/sql.py",
    "tierdesk/reports/prometheus.py",
    # Erasure's sweep: table and column names from the model registry, values bound.
    "tierdesk/identity/erasure.py",
    "tierdesk/accounts/throttle.py",
    "tierdesk/sla/services/replan.py",
    "tierdesk/sla/services/sweep.py",
    # The benchmark's data loader (bench-load, PostgreSQL only): table names from the
    # models and its own constants, values bound, the COPY rows through psycopg.
    "tierdesk/benchdata/__init__.py",
    "tierdesk/benchdata/guard.py",
    "tierdesk/benchdata/rows.py",
}


# Modules that put SQL expressions into ORM queries (RawSQL), each reviewed: the SQL names
# only the model's table and fixed functions, every value is a bound parameter.
RAW_EXPRESSION_MODULES = {
    "tierdesk/kb/selectors.py",  # the knowledge base's full-text match and rank
}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def test_sql_is_the_orm_or_parameterised_in_reviewed_modules():
    # given every module of the product
    raw, executes = set(), set()
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in {"raw", "extra", "RawSQL"}:
                raw.add(name)
            if isinstance(node, ast.Call) and _called(node) == "execute":
                executes.add(name)
                # then no statement is built from an f-string or % formatting in the call
                sql = node.args[0] if node.args else None
                assert not isinstance(sql, ast.JoinedStr), f"{name}:{node.lineno}"
                is_percent = isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod)
                assert not is_percent, f"{name}:{node.lineno}"
    # then no ORM escape hatch is used, and SQL of our own stays in the reviewed modules
    assert raw <= RAW_EXPRESSION_MODULES, raw - RAW_EXPRESSION_MODULES
    assert executes <= RAW_SQL_MODULES, executes - RAW_SQL_MODULES


def test_no_dynamic_code_and_no_unsafe_deserialisation():
    # given every module of the product
    found = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = _called(node)
                owner = node.func.value if isinstance(node.func, ast.Attribute) else None
                module = owner.id if isinstance(owner, ast.Name) else ""
                builtin = isinstance(node.func, ast.Name)
                if builtin and called in {"eval", "exec", "compile", "__import__", "Template"}:
                    found.append(f"{name}:{node.lineno} {called}")
                if called == "from_string" or (module == "os" and called in {"system", "popen"}):
                    found.append(f"{name}:{node.lineno} os.{called}")
                for kw in node.keywords:
                    is_shell = kw.arg == "shell" and getattr(kw.value, "value", False) is True
                    if is_shell:
                        found.append(f"{name}:{node.lineno} shell=True")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                for bad in ("pickle", "marshal", "shelve", "yaml"):
                    if any(n == bad or n.startswith(bad + ".") for n in names):
                        found.append(f"{name}:{node.lineno} import {bad}")
    # then there is none
    assert found == []


def test_markup_is_marked_safe_only_after_sanitising():
    # given/when: every use of mark_safe, |safe or autoescape off
    uses = [
        name
        for name, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called(node) in {"mark_safe", "SafeString"}
    ]
    templates = [
        p.relative_to(ROOT).as_posix()
        for p in (PACKAGE / "templates").rglob("*.html")
        if re.search(r"\|\s*safe\b|autoescape\s+off", p.read_text())
    ]
    # then only the markdown filter, which sanitises with nh3 first, the reports' SVG
    # charts and the search snippets, which escape every text before they add markup
    assert sorted(set(uses)) == [
        "tierdesk/reports/svg.py",
        "tierdesk/search/selectors.py",
        "tierdesk/tickets/templatetags/tierdesk_ui.py",
    ]
    assert templates == []


def test_sign_in_returns_only_to_this_site(world):
    # given a sign-in link that would send the person elsewhere afterwards
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        client = Client()
        # when they sign in through it
        response = client.post(
            f"/login/?next={target}",
            {"username": world.user("acme_l1").email, "password": PASSWORD, "next": target},
        )
        # then they land on the console, not on the other site
        assert response.status_code == 302 and response["Location"] == "/", target


def test_forms_refuse_a_post_without_the_csrf_token(world):
    # given a signed-in browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("acme_l1"))
    # when a form is posted from elsewhere (no token)
    responses = [
        browser.post("/settings/", {"time_zone": "UTC", "language": "en"}),
        browser.post("/logout/"),
        Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"}),
    ]
    # then each is refused
    assert [r.status_code for r in responses] == [403, 403, 403]


def test_methods_a_page_does_not_use_are_refused(world):
    client = Client()
    client.force_login(world.user("acme_l1"))
    # when a page is asked with methods it does not serve
    # then 405 (and TRACE never echoes the request)
    for method in ("TRACE", "PUT", "DELETE", "PATCH"):
        assert client.generic(method, "/settings/").status_code == 405, method
    assert client.generic("TRACE", f"{API}/me").status_code == 405


def test_no_cross_origin_reads_are_allowed(world):
    # given a token and another site's origin
    _, token = token_create(email=world.user("l2").email)
    # when the API is asked from that origin, with a pre-flight too
    answer = Client().get(
        f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ORIGIN="https://evil.example"
    )
    preflight = Client().options(
        f"{API}/me",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    # then no response lets the browser hand the answer to that site
    for response in (answer, preflight):
        assert not any(h.lower().startswith("access-control-") for h in response.headers)


def test_every_response_names_its_type_and_charset_and_no_versions(world):
    client = Client()
    client.force_login(world.user("acme_l1"))
    _, token = token_create(email=world.user("l2").email)
    responses = [
        client.get("/"),
        client.get("/tickets/999999/"),
        client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {token}"),
        client.get(f"{API}/tickets/999999", HTTP_AUTHORIZATION=f"Bearer {token}"),
        client.get(f"{API}/openapi.json"),
        Client().get("/healthz"),
    ]
    for response in responses:
        kind = response["Content-Type"]
        assert kind.startswith(("text/html; charset=utf-8", "application/json")), kind
        assert "Server" not in response.headers and "X-Powered-By" not in response.headers
    # and gunicorn, which `tierdesk serve` runs, names itself without a version
    assert gunicorn.SERVER == "gunicorn"


def test_production_settings_are_safe_by_default():
    # given no environment but the var directory
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DEBUG", "DJANGO"))
    }
    env["TIERDESK_VAR_DIR"] = "var/test"
    code = (
        "from tierdesk import settings as s; print(s.DEBUG, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF,"
        " s.ALLOWED_HOSTS, getattr(s, 'CORS_ALLOWED_ORIGINS', None))"
    )
    # when the settings are read
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # then debug is off, HSTS on, cookies hidden from scripts, no framing, no CORS
    assert out == "False 31536000 True DENY True ['127.0.0.1', 'localhost', 'testserver'] None"


def test_a_new_installation_has_no_accounts(db):
    # given the migrated database of a new installation, then nobody can sign in
    assert User.objects.count() == 0


def test_passwords_are_hashed_with_argon2_and_a_random_salt():
    # given the production hashers without a pepper (with one, the peppered Argon2 comes
    # first: tests/test_password_pepper.py)
    assert configured.PASSWORD_HASHERS == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "tierdesk.accounts.hashers.PepperedArgon2PasswordHasher",
    ]
    hasher = Argon2PasswordHasher()
    # when one password is hashed twice
    first, second = hasher.encode(PASSWORD, hasher.salt()), hasher.encode(PASSWORD, hasher.salt())
    # then the salts (at least 128 bits) and hashes differ, and both verify
    assert first != second and hasher.verify(PASSWORD, first) and hasher.verify(PASSWORD, second)
    assert len(hasher.salt()) >= 22  # 22 characters of 62: > 128 bits
    # and old PBKDF2 hashes are still checked with at least 100,000 iterations
    assert PBKDF2PasswordHasher.iterations >= 100_000


def test_api_tokens_are_random_and_stored_only_as_a_hash(world):
    # when a token is made
    record, token = token_create(email=world.user("l2").email)
    # then it carries 256 random bits and only its SHA-256 is kept
    secret = token.split("_", 2)[2]
    assert len(secret) >= 43
    stored = ApiToken.objects.filter(pk=record.pk).values().get()
    assert not any(token in str(value) or secret in str(value) for value in stored.values())


def test_credentials_are_never_taken_from_the_url(world):
    # given a token and a session
    _, token = token_create(email=world.user("l2").email)
    signed_in = Client()
    signed_in.force_login(world.user("acme_l1"))
    key = signed_in.session.session_key
    # when either is put in a URL instead of a header or a cookie
    # then nobody is signed in
    assert Client().get(f"{API}/me?token={token}&access_token={token}").status_code == 401
    assert Client().get(f"/?sessionid={key}").status_code == 302


def test_session_keys_are_long_and_random(world):
    # when two sessions start
    keys = set()
    for _ in range(2):
        client = Client()
        client.force_login(world.user("acme_l1"))
        keys.add(client.session.session_key)
    # then each key is 32 characters of [a-z0-9] (over 160 bits from `secrets`)
    assert len(keys) == 2
    assert all(re.fullmatch(r"[a-z0-9]{32}", key) for key in keys)


def test_password_fields_let_managers_fill_and_paste(db):
    # given the sign-in page
    html = Client().get("/login/").content.decode()
    # then the password can be filled by a manager and pasted (no paste blocking)
    assert 'autocomplete="current-password"' in html
    assert "onpaste" not in html and "oncopy" not in html


def test_a_password_may_be_set_again_and_never_expires(world):
    # given a person who changes their password and back
    user = world.user("acme_l1")
    client = Client()
    client.force_login(user)
    other = "another long passphrase"
    for old, new in ((PASSWORD, other), (other, PASSWORD)):
        response = client.post(
            "/settings/password/",
            {"old_password": old, "new_password1": new, "new_password2": new},
        )
        # then each change is accepted: no history rule, no rotation rule
        assert response.status_code == 302
    assert Client().login(username=user.email, password=PASSWORD)


def test_an_unexpected_error_answers_a_generic_page(world, monkeypatch):
    # given a fault deep inside a page and inside the API
    from tierdesk.accounts import api as accounts_api
    from tierdesk.core import health

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail 4711")

    monkeypatch.setattr(accounts_api, "request_actor", broken)
    monkeypatch.setattr(health, "JsonResponse", broken)
    _, token = token_create(email=world.user("l2").email)
    client = Client(raise_request_exception=False)
    # when they are asked
    responses = [
        client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {token}"),
        client.get("/healthz"),
    ]
    # then the answer is a plain 500 without the detail or a traceback
    for response in responses:
        assert response.status_code == 500
        assert b"4711" not in response.content and b"Traceback" not in response.content


@pytest.mark.parametrize("path", ["/static/", "/static/tierdesk/", "/media/", "/var/"])
def test_no_directory_is_listed(db, path):
    # when a folder is asked for, then there is nothing to browse
    assert Client().get(path).status_code == 404


def test_dependencies_are_bounded_and_consistent():
    # given the declared dependencies
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # then each runtime dependency has a lower and an upper bound
    for requirement in project["dependencies"]:
        assert ">=" in requirement and "<" in requirement.replace("<=", ""), requirement
    # and the installed set is consistent
    check = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout


def test_api_answers_are_downloads_not_pages(world):
    _, token = token_create(email=world.user("l2").email)
    response = Client().get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response["Content-Disposition"] == 'attachment; filename="api.json"'


def test_the_sbom_lists_what_runs_here(tmp_path, capsys):
    import json
    from importlib import metadata

    from tierdesk import cli

    # when the bill of materials is written
    out = tmp_path / "sbom.json"
    assert cli.main(["sbom", "--output", str(out)]) == 0
    bom = json.loads(out.read_text())
    # then it is CycloneDX naming this application and the installed runtime packages
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.5"
    assert bom["metadata"]["component"]["name"] == "tierdesk"
    versions = {c["name"]: c["version"] for c in bom["components"]}
    for name in ("django", "nh3", "cryptography", "django-axes", "asgiref"):
        assert versions[name] == metadata.version(name), name
    assert "pytest" not in versions and "locust" not in versions  # extras are not run
    # and every component has its package URL, every dependency edge names a component
    refs = {c["bom-ref"] for c in bom["components"]} | {bom["metadata"]["component"]["bom-ref"]}
    assert all(c["purl"] == f"pkg:pypi/{c['name']}@{c['version']}" for c in bom["components"])
    assert all(set(d["dependsOn"]) <= refs and d["ref"] in refs for d in bom["dependencies"])
