"""Runs the test OpenID Connect provider (tests/oidc_provider/, django-oauth-toolkit) as
a subprocess on a free port of 127.0.0.1, and drives its sign-in page without a browser
(`provider_sign_in`) for the tests that use Django's test client on our side."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "tierdesk-test-client"
CLIENT_SECRET = "test-client-secret-5f2e9a"
OP_PASSWORD = "provider password 42"

# The provider's people: username → claims. Roles are the provider's own words.
PEOPLE = {
    "new.agent": {"email": "new.agent@acme-corp.test", "name": "New Agent", "roles": ["support"]},
    "new.admin": {"email": "new.admin@acme-corp.test", "name": "Ann Admin", "roles": ["it-admins"]},
    "grabber": {"email": "grabber@acme-corp.test", "name": "Grabber", "roles": ["l2_agent"]},
    "known": {"email": "acme_l1@example.test", "name": "Acme L1", "roles": ["support"]},
    "stranger": {"email": "globex_l1@example.test", "name": "Globex L1", "roles": ["support"]},
    "unverified": {
        "email": "unverified@acme-corp.test",
        "email_verified": False,
        "roles": ["support"],
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    def __init__(self, redirect_uris: list[str]):
        self.folder = Path(tempfile.mkdtemp(prefix="tierdesk-op-"))
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (self.folder / "op_key.pem").write_bytes(pem)
        people = {u: {**p, "password": OP_PASSWORD} for u, p in PEOPLE.items()}
        (self.folder / "people.json").write_text(json.dumps(people))
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
        }
        (self.folder / "client.json").write_text(json.dumps(client))
        self.log = (self.folder / "op.log").open("w")
        env = {
            **os.environ,
            "TEST_OP_CONTROL": str(self.folder),
            "TEST_OP_PORT": str(self.port),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        url = self.issuer + "/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the test provider stopped:\n" + self.log_text())
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError("the test provider did not start:\n" + self.log_text())

    def log_text(self) -> str:
        return (self.folder / "op.log").read_text()

    def set_mode(self, mode: str = "") -> None:
        """ "" (a correct ID token), forged, expired, wrong_audience or wrong_nonce."""
        (self.folder / "mode.json").write_text(json.dumps({"mode": mode}))

    def set_roles(self, username: str, roles) -> None:
        people = json.loads((self.folder / "people.json").read_text())
        people[username]["roles"] = roles
        (self.folder / "people.json").write_text(json.dumps(people))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def provider_sign_in(authorize_url: str, username: str) -> str:
    """Follow the provider's authorization URL as `username` signing in at its page;
    returns the URL it sends the browser back to (our callback, with code and state)."""
    session = requests.Session()
    answer = session.get(authorize_url, allow_redirects=True, timeout=10)
    assert "/accounts/login/" in answer.url, answer.text[:500]
    csrf = session.cookies.get("test_op_csrf")
    next_url = answer.url.split("next=", 1)[1] if "next=" in answer.url else ""
    from urllib.parse import unquote

    answer = session.post(
        answer.url,
        data={
            "username": username,
            "password": OP_PASSWORD,
            "csrfmiddlewaretoken": csrf,
            "next": unquote(next_url),
        },
        headers={"Referer": answer.url},
        allow_redirects=False,
        timeout=10,
    )
    location = answer.headers.get("Location", "")
    # Back to the authorization endpoint, which now answers with the redirect to us.
    while location and "/login/sso/callback/" not in location:
        answer = session.get(urljoin(answer.url, location), allow_redirects=False, timeout=10)
        location = answer.headers.get("Location", "")
    assert location, f"the provider did not send us back ({answer.status_code})"
    return location
