"""The `tierdesk` command, run in-process through `tierdesk.cli.main`.

A refusal exits 2 with `error: …` and the field's reason on stderr, and writes nothing.
"""

from __future__ import annotations

import io
import subprocess
import sys
import types

import pytest
from django_tasks import TaskResultStatus, task

from tests.factories import ACME_CONTRACT, GLOBEX_CONTRACT
from tierdesk import cli
from tierdesk.accounts.models import ApiToken, Organisation, Role, User
from tierdesk.accounts.services import token_authenticate
from tierdesk.tickets.process_doc import render_process_markdown


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@task()
def add_numbers(a: int, b: int) -> int:
    return a + b


def test_help_runs_as_a_console_script():
    # when the installed entry point is asked for help (a separate process)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tierdesk.cli import main; sys.exit(main())",
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it lists the commands and succeeds
    assert done.returncode == 0, done.stderr
    for command in ("serve", "worker", "demo", "check", "org", "user", "token", "directory"):
        assert command in done.stdout


def test_usage_errors_exit_2_without_a_traceback(capsys):
    code, _, err = run(capsys, "user", "add", "someone@example.test")
    assert code == 2
    assert "--org" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------
# org add
# ---------------------------------------------------------------------------------------
def test_org_add_creates_a_partner(capsys, db):
    # when a partner is added with its brand
    code, out, _ = run(
        capsys,
        "org",
        "add",
        "Initech",
        "--kind",
        "partner",
        "--display-name",
        "Initech Cloud",
        "--sender-email",
        "support@initech.example",
    )
    # then it exists with those details
    assert code == 0 and "Initech" in out
    org = Organisation.objects.get(name="Initech")
    assert (org.kind, org.display_name, org.sender_email) == (
        "partner",
        "Initech Cloud",
        "support@initech.example",
    )


def test_org_add_refuses_a_bad_kind_and_a_duplicate(capsys, world):
    # when the kind is wrong
    code, _, err = run(capsys, "org", "add", "Hooli", "--kind", "reseller")
    # then the reason is named and nothing is created
    assert code == 2
    assert err.startswith("error: ") and "kind: must be vendor or partner" in err
    assert not Organisation.objects.filter(name="Hooli").exists()
    # when the name is taken (in another case)
    code, _, err = run(capsys, "org", "add", "ACME", "--kind", "partner")
    assert code == 2 and "exists already" in err
    assert Organisation.objects.filter(name__iexact="acme").count() == 1


# ---------------------------------------------------------------------------------------
# user add
# ---------------------------------------------------------------------------------------
def test_user_add_ties_a_customer_to_contracts(capsys, world):
    # when a customer of Acme is added with one of Acme's contracts (in upper case)
    code, out, err = run(
        capsys,
        "user",
        "add",
        "Kim@Acme.example",
        "--org",
        "acme",
        "--role",
        "customer",
        "--name",
        "Kim Lee",
        "--contract",
        ACME_CONTRACT.upper(),
    )
    # then they exist with that membership, and without a usable password (said so)
    assert code == 0 and "kim@acme.example" in out
    kim = User.objects.get(email="kim@acme.example")
    assert kim.membership.role == Role.CUSTOMER and kim.membership.organisation == world.acme
    assert list(kim.membership.contracts.values_list("platform_id", flat=True)) == [ACME_CONTRACT]
    assert not kim.has_usable_password() and "no password" in err


def test_user_add_reads_the_password_from_stdin(capsys, monkeypatch, world):
    # given a password on standard input
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough passphrase\n"))
    # when an L2 agent is added with --password-stdin
    code, _, _ = run(
        capsys,
        "user",
        "add",
        "ana@vendor.example",
        "--org",
        "Tierdesk Vendor",
        "--role",
        "l2_agent",
        "--password-stdin",
    )
    # then they can sign in with it
    assert code == 0
    assert User.objects.get(email="ana@vendor.example").check_password("a long enough passphrase")


def test_user_add_admin_role_gets_the_admin_site(capsys, world):
    code, _, _ = run(
        capsys, "user", "add", "ops@vendor.example", "--org", "Tierdesk Vendor", "--role", "admin"
    )
    person = User.objects.get(email="ops@vendor.example")
    assert code == 0 and person.is_staff and person.is_superuser


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--org", "Acme", "--role", "wizard"], "role: must be one of customer"),
        (["--org", "Nowhere Ltd", "--role", "customer"], "No organisation named 'Nowhere Ltd'"),
        (["--org", "Acme", "--role", "l2_agent"], "role: a partner cannot hold the role l2_agent"),
        (
            ["--org", "Acme", "--role", "customer", "--contract", GLOBEX_CONTRACT],
            "contract: must name contracts of Acme",
        ),
        (
            ["--org", "Acme", "--role", "l1_agent", "--contract", ACME_CONTRACT],
            "contract: only customers are tied to contracts",
        ),
        (["--org", "Acme", "--role", "customer", "--password", "123"], "password:"),
    ],
)
def test_user_add_refusals_name_the_reason_and_create_nothing(capsys, world, args, reason):
    # given the people there are
    people = User.objects.count()
    # when a person is added with a bad role, organisation, contract or password
    code, out, err = run(capsys, "user", "add", "new@acme.example", *args)
    # then it exits 2 with the reason on stderr, and nobody was created
    assert code == 2
    assert err.startswith("error: ") and reason in err
    assert "Traceback" not in err and out == ""
    assert User.objects.count() == people


# ---------------------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------------------
def test_token_create_prints_a_working_token_and_revoke_ends_it(capsys, world):
    # when a token is created for Acme's L1 agent
    code, out, err = run(capsys, "token", "create", "acme_l1@example.test", "--name", "zendesk")
    # then stdout holds the token alone, and it authenticates that person
    assert code == 0
    token = out.strip()
    assert out == token + "\n" and token.startswith("td_")
    assert token_authenticate(token) == world.user("acme_l1")
    # and the person is told by mail, without the token
    from tierdesk.mail.models import OutboundMail

    (notice,) = OutboundMail.objects.filter(kind="security_notice")
    assert notice.to_email == "acme_l1@example.test" and "zendesk" in notice.text_body
    assert token not in notice.text_body + notice.html_body
    record = ApiToken.objects.get(user=world.user("acme_l1"))
    assert record.name == "zendesk" and f"revoke {record.pk}" in err
    # when it is revoked by its id
    code, out, _ = run(capsys, "token", "revoke", str(record.pk))
    # then it no longer authenticates
    assert code == 0 and "revoked" in out
    assert token_authenticate(token) is None


def test_token_commands_refuse_unknown_people_and_ids(capsys, world):
    code, out, err = run(capsys, "token", "create", "ghost@example.test")
    assert code == 2 and out == "" and "No person" in err
    assert ApiToken.objects.count() == 0
    code, _, err = run(capsys, "token", "revoke", "999999")
    assert code == 2 and "No such token" in err


# ---------------------------------------------------------------------------------------
# docs, check, demo, worker, serve
# ---------------------------------------------------------------------------------------
def test_docs_writes_the_rendered_process(capsys, tmp_path):
    target = tmp_path / "process.md"
    code, _, _ = run(capsys, "docs", "--output", str(target))
    assert code == 0 and target.read_text() == render_process_markdown()


def test_check_fails_on_a_stale_process_doc(capsys, db, tmp_path, monkeypatch):
    # given a stale docs/process.md
    doc = tmp_path / "process.md"
    doc.write_text("# an old process\n")
    monkeypatch.setattr(cli, "PROCESS_DOC", doc)
    # when the checks run
    code, _, err = run(capsys, "check")
    # then they fail naming the stale file and the fix
    assert code == 2 and "stale" in err and "tierdesk docs" in err
    # when the doc is rendered again
    doc.write_text(render_process_markdown())
    code, out, _ = run(capsys, "check")
    # then every check passes
    assert code == 0 and "All checks passed" in out


def test_demo_calls_the_loader_with_reset(capsys, monkeypatch):
    # given a demo loader that records how it was called
    calls = []
    fake = types.ModuleType("tierdesk.demo")
    fake.load_demo = lambda *, reset=False: calls.append(reset) or "3 partners, 40 tickets"
    monkeypatch.setitem(sys.modules, "tierdesk.demo", fake)
    # when demo runs with and without --reset
    first = run(capsys, "demo")
    second = run(capsys, "demo", "--reset")
    # then the loader ran each time and its summary was printed
    assert calls == [False, True]
    assert first[0] == 0 and first[1] == "3 partners, 40 tickets\n" and second[0] == 0


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_queued_tasks(capsys):
    # given a queued task
    result = add_numbers.enqueue(2, 3)
    # when a worker drains the queue
    code = cli.main(["worker", "--batch"])
    # then the task ran
    result.refresh()
    assert code == 0
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == 5


def test_serve_runs_gunicorn_with_the_configured_bind_and_workers(capsys, monkeypatch):
    # given the environment of a production host
    monkeypatch.setenv("TIERDESK_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    commands, execs = [], []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: commands.append(a))
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: execs.append(argv))
    # when serve runs with --migrate
    cli.main(["serve", "--migrate"])
    # then it migrates, collects static files, then becomes gunicorn on that bind
    assert [c[0] for c in commands] == ["migrate", "collectstatic"]
    argv = execs[0]
    assert argv[1:4] == ["-m", "gunicorn", "tierdesk.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9000"
    assert argv[argv.index("--workers") + 1] == "5"
    # and its access log names the request id and leaves query strings out
    access = argv[argv.index("--access-logformat") + 1]
    assert "%({x-request-id}o)s" in access and "%(U)s" in access
    assert "%(r)s" not in access and "%(q)s" not in access


def test_serve_dev_runs_the_development_server(capsys, monkeypatch):
    monkeypatch.delenv("TIERDESK_BIND", raising=False)
    monkeypatch.setenv("DEBUG", "false")
    commands = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: commands.append(a))
    cli.main(["serve", "--dev"])
    assert commands == [("runserver", "127.0.0.1:8000")]


def test_serve_asgi_runs_uvicorn_one_worker_unless_redis_carries_the_chat(
    capsys, monkeypatch, settings
):
    # given a host asking for four workers with the in-process channel layer
    monkeypatch.setenv("TIERDESK_BIND", "0.0.0.0:9001")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    execs = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: execs.append(argv))
    # when serve runs with --asgi
    cli.main(["serve", "--asgi"])
    # then it becomes uvicorn on the ASGI entry with one worker, and says why
    argv = execs[0]
    assert argv[1:4] == ["-m", "uvicorn", "tierdesk.asgi:application"]
    assert argv[argv.index("--port") + 1] == "9001"
    assert argv[argv.index("--workers") + 1] == "1"
    assert "TIERDESK_CHANNEL_LAYER" in capsys.readouterr().err
    # and with Redis as the channel layer, the four workers
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}}
    }
    cli.main(["serve", "--asgi"])
    assert execs[1][execs[1].index("--workers") + 1] == "4"
