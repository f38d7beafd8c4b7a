"""Clients generated from the served OpenAPI document, as a partner's integrator makes them.

- openapi-python-client (the dev extra) generates a Python client from
  `/api/v1/openapi.json` of a live server with zero warnings, and the handover flow runs
  through it: create with everything, a refused handover with typed missing items, the fix,
  the handover with If-Match, take at L2, ask the customer, a stale version and a stale
  ETag; then the guide's example (`docs/examples/handover.py`) runs as written.
- openapi-typescript (npm, installed into node-tools/ of the run's var folder) generates the
  TypeScript types with zero warnings, and the guide's TypeScript example
  (`docs/examples/handover.ts`) type-checks against them with tsc --strict.
  Skipped only when npm is missing and CI is unset: in CI it must run.
"""

from __future__ import annotations

import importlib
import os
import runpy
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PLAIN_LOG, build_world, complete_fields
from tierdesk.accounts.services import token_create

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
EXAMPLES = ROOT / "docs" / "examples"
# Under the run's own var folder: the SQLite and PostgreSQL runs of `make test` go side by
# side and must not install into one folder at once.
NODE_TOOLS = settings.VAR_DIR / "node-tools"
NPM_PACKAGES = ("openapi-typescript@7.13.0", "typescript@5.9.3")
PACKAGE = "tierdesk_client"

pytestmark = pytest.mark.django_db(transaction=True)


def _document(live_server, folder: Path) -> Path:
    path = folder / "openapi.json"
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json", timeout=30) as answer:
        path.write_bytes(answer.read())
    return path


def _generate_python_client(document: Path, folder: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path", str(document),
            "--meta", "none",
            "--output-path", str(folder / PACKAGE),
            "--config", str(CONFIG),
        ],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return output


@pytest.fixture
def client_module(live_server, tmp_path):
    """The generated package, importable as `tierdesk_client` for the test."""
    output = _generate_python_client(_document(live_server, tmp_path), tmp_path)
    # then the generator had nothing to warn about
    assert "Warning" not in output and "WARNING" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _operations(tag: str):
    """The generated modules of one tag's operations, as attributes."""
    package = importlib.import_module(f"{PACKAGE}.api.{tag}")
    for module in Path(package.__file__).parent.glob("*.py"):
        if module.stem != "__init__":
            importlib.import_module(f"{package.__name__}.{module.stem}")
    return package


def _body(**overrides) -> dict:
    fields = complete_fields(**overrides)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    body["customer"] = "acme_customer@example.test"
    return body


def test_the_handover_flow_runs_through_the_generated_python_client(live_server, client_module):
    world = build_world()
    tickets = _operations("tickets")
    history = _operations("history")
    m = importlib.import_module(f"{PACKAGE}.models")
    acme = client_module.AuthenticatedClient(
        base_url=live_server.url, token=token_create(email=world.user("acme_l1").email)[1]
    )
    l2 = client_module.AuthenticatedClient(
        base_url=live_server.url, token=token_create(email=world.user("l2").email)[1]
    )

    # given a partner's tool that creates a ticket with everything but the log
    first_body = _body(pasted_log="")
    created = tickets.ticket_create.sync_detailed(
        client=acme, body=m.TicketIn.from_dict(first_body), idempotency_key="c-1"
    )
    assert created.status_code == 201
    ticket = created.parsed
    assert isinstance(ticket, m.TicketDetailOut) and ticket.status == m.TicketStatus.NEW
    assert [i.code for i in ticket.handover_check.missing] == [m.MissingCode.LOGS]
    taken = tickets.ticket_take.sync_detailed(ticket.id, client=acme, body=m.TicketTakeIn())
    assert taken.parsed.status == m.TicketStatus.IN_PROGRESS

    # when it hands over, the refusal is typed: which items are missing
    refused = tickets.ticket_hand_over.sync_detailed(
        ticket.id, client=acme, body=m.TicketHandOverIn()
    )
    assert refused.status_code == 422 and isinstance(refused.parsed, m.RefusedOut)
    assert refused.parsed.code == m.RefusedCode.HAND_OVER_REFUSED
    assert [i.code for i in refused.parsed.missing] == [m.MissingCode.LOGS]

    # then it adds the log (PATCH with version) and hands over with the ETag in If-Match
    patched = tickets.ticket_update.sync_detailed(
        ticket.id,
        client=acme,
        body=m.TicketPatch.from_dict(
            {"pasted_log": PLAIN_LOG.decode(), "version": taken.parsed.version}
        ),
    )
    assert patched.status_code == 200
    handed = tickets.ticket_hand_over.sync_detailed(
        ticket.id, client=acme, body=m.TicketHandOverIn(), if_match=patched.headers["ETag"]
    )
    assert handed.status_code == 200 and handed.parsed.level == m.Level.VALUE_2 == 2

    # and L2 takes it and asks the customer
    at_l2 = tickets.ticket_take.sync_detailed(ticket.id, client=l2, body=m.TicketTakeIn())
    asked = tickets.ticket_ask_customer.sync_detailed(
        ticket.id,
        client=l2,
        body=m.TicketAskCustomerIn(
            message="Which order failed first?", version=at_l2.parsed.version
        ),
    )
    assert asked.parsed.status == m.TicketStatus.WAITING_ON_CUSTOMER
    assert m.TicketAction.CUSTOMER_REPLY in asked.parsed.actions

    # a stale version is a typed conflict, a stale ETag a failed precondition
    stale = tickets.ticket_update.sync_detailed(
        ticket.id, client=l2, body=m.TicketPatch.from_dict({"title": "X", "version": 1})
    )
    assert stale.status_code == 409 and stale.parsed.code == m.ErrorCode.STALE_VERSION
    stale_etag = tickets.ticket_update.sync_detailed(
        ticket.id, client=l2, body=m.TicketPatch.from_dict({"title": "X"}), if_match='"1"'
    )
    assert stale_etag.status_code == 412
    assert stale_etag.parsed.code == m.ErrorCode.PRECONDITION_FAILED

    # the handover history reads back through the client too
    attempts = history.handover_list.sync(ticket.id, client=l2)
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, m.HandoverOutcome.ACCEPTED)]

    # and the retried create of the beginning replays instead of opening a second ticket
    again = tickets.ticket_create.sync_detailed(
        client=acme, body=m.TicketIn.from_dict(first_body), idempotency_key="c-1"
    )
    assert again.status_code == 201 and again.parsed.id == ticket.id
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_guides_python_example_runs_against_a_live_server(live_server, client_module):
    world = build_world()
    token = token_create(email=world.user("acme_l1").email)[1]
    example = runpy.run_path(str(EXAMPLES / "handover.py"))
    # when the guide's function hands a ticket over from a partner's tool
    outcome = example["hand_over"](live_server.url, token, _body())
    # then it reached L2, or says what is missing
    assert outcome == ("handed_over", []), outcome
    refused = example["hand_over"](live_server.url, token, _body(pasted_log=""))
    assert refused == ("refused", ["logs"])


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI"):
            pytest.fail("npm is needed in CI to check the TypeScript types")
        pytest.skip("npm is not installed (CI installs and runs this)")
    return npm


def _node_tool(name: str) -> Path:
    tool = NODE_TOOLS / "node_modules" / ".bin" / name
    if not tool.exists():
        NODE_TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [_npm(), "install", "--no-audit", "--no-fund", "--prefix", str(NODE_TOOLS),
             *NPM_PACKAGES],
            check=True, timeout=600, capture_output=True,
        )  # fmt: skip
    return tool


def test_typescript_types_generate_cleanly_and_the_guides_example_type_checks(
    live_server, tmp_path
):
    _npm()
    document = _document(live_server, tmp_path)
    generated = subprocess.run(
        [str(_node_tool("openapi-typescript")), str(document),
         "-o", str(tmp_path / "tierdesk-api.d.ts")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "warn" not in output.lower() and "⚠" not in output, output
    types = (tmp_path / "tierdesk-api.d.ts").read_text()
    assert '"ticket_hand_over"' in types and '"hand_over_refused"' in types
    shutil.copy(EXAMPLES / "handover.ts", tmp_path / "handover.ts")
    checked = subprocess.run(
        [str(_node_tool("tsc")), "--noEmit", "--strict", "--target", "es2022",
         "--lib", "es2022,dom", "--module", "es2022", "--moduleResolution", "bundler",
         str(tmp_path / "handover.ts")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_guide_shows_the_examples_the_tests_run():
    guide = (ROOT / "docs" / "api.md").read_text()
    python = (EXAMPLES / "handover.py").read_text().split('"""', 2)[2].strip()
    typescript = (EXAMPLES / "handover.ts").read_text().split("\n", 2)[2].strip()
    assert python in guide and typescript in guide
