"""Structured logs: one JSON object a line, every line of a request carrying its id (sent
back in `X-Request-ID`), every line of a background task its task id, no secret in any
line (core/logcontext.py, core/logformat.py, docs/operations.md)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client
from django_tasks import task

from tierdesk import settings as configured
from tierdesk.accounts.services import token_create
from tierdesk.core.logcontext import ContextFilter, accept_request_id
from tierdesk.core.logformat import JsonFormatter

PASSWORD = "correct horse battery staple"  # tests.factories.build_world


@pytest.fixture
def json_log():
    """The root logger writing as production does (JSON, with the context filter) into a
    buffer; returns a function giving the parsed lines so far."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_production_logs_are_json_with_the_context(monkeypatch):
    # given the settings as deployed (no TIERDESK_LOG_FORMAT)
    handler = configured.LOGGING["handlers"]["console"]
    # then the console handler writes JSON through the context filter
    assert handler["formatter"] == "json" and handler["filters"] == ["context"]
    assert configured.LOGGING["formatters"]["json"]["()"].endswith("JsonFormatter")


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("9f8e7d6c-5b4a-4321-8765-0123456789ab", True),  # a proxy's UUID
        ("req_01HZX3K:web-1.42", True),
        ("short", False),  # too short to be unique
        ("x" * 129, False),
        ("evil\nINFO forged line", False),
        ("<script>alert(1)</script>", False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_anything_else_replaced(incoming, kept):
    rid = accept_request_id(incoming)
    assert (rid == incoming) is kept
    assert 8 <= len(rid) <= 128 and rid.isprintable() and "\n" not in rid


def test_every_line_of_a_request_carries_its_id_and_the_answer_names_it(world, json_log):
    # given a request that logs (a bearer token that is not one: "Unauthorized")
    client = Client()
    # when it is sent with the proxy's request id, and another without one
    given = "lb-7f3a9c2e-0001"
    first = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION="Bearer td_0badc0de_x", HTTP_X_REQUEST_ID=given
    )
    second = client.get("/api/v1/tickets/999999", HTTP_AUTHORIZATION="Bearer td_0badc0de_y")
    # then each answer names its id: the given one, and a new one
    assert first["X-Request-ID"] == given
    assert second["X-Request-ID"] != given and len(second["X-Request-ID"]) == 32
    # and each of its log lines carries it (and no line is outside a request)
    lines = json_log()
    assert lines, "the refused tokens were logged"
    ids = {line["request_id"] for line in lines}
    assert ids == {given, second["X-Request-ID"]}
    assert all(line["task_id"] is None for line in lines)
    assert {"time", "level", "logger", "message", "process"} <= set(lines[0])
    assert lines[0]["time"].endswith("Z")


def test_a_log_line_cannot_be_split_by_what_a_caller_sent(json_log):
    # when a message carries a forged line break and a terminal escape
    logging.getLogger("tierdesk.test").warning("refused %s", 'x\r\n{"level": "ERROR"}\x1b[31m\x85')
    # then the output is still one JSON line, ASCII only, with the text intact inside
    (line,) = json_log()
    assert line["message"] == 'refused x\r\n{"level": "ERROR"}\x1b[31m\x85'


def test_no_secret_reaches_a_log_line(world, json_log):
    # given a real API token, a password and a session
    _, token = token_create(email=world.user("l2").email)
    email = world.user("acme_l1").email
    client = Client()
    # when someone fails to sign in, signs in, uses tokens, and code logs a secret by mistake
    client.post("/login/", {"username": email, "password": "a wrong guess 4711"})
    client.post("/login/", {"username": email, "password": PASSWORD})
    session = client.cookies["sessionid"].value
    Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer td_0badc0de_notatoken")
    client.get("/tickets/999999/")
    log = logging.getLogger("tierdesk.test")
    log.error(
        "calling https://bot:hunter2-pw@tracker.example/x with Authorization: Bearer %s", token
    )
    try:
        raise RuntimeError("upstream said password=Tr0ub4dor-4711")
    except RuntimeError:
        log.exception("connector failed")
    # then the lines were written, and none holds a password, a token or the session key
    text = "\n".join(json.dumps(line) for line in json_log())
    assert "Unauthorized: /api/v1/me" in text and "connector failed" in text
    secrets = (PASSWORD, "a wrong guess 4711", token, "notatoken", session, "hunter2-pw")
    for secret in (*secrets, "Tr0ub4dor-4711"):
        assert secret not in text, secret
    assert "[redacted" in text


@task()
def _logging_task(word: str) -> str:
    logging.getLogger("tierdesk.test").info("task says %s", word)
    return word


def test_a_task_s_lines_carry_its_task_id(db, settings, json_log):
    # given the immediate backend (the worker runs tasks the same way: started, finished)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # when a task logs
    result = _logging_task.enqueue("hello")
    # then its line carries the task's id, and lines after it none
    logging.getLogger("tierdesk.test").info("after the task")
    lines = json_log()
    said = [line for line in lines if line["message"] == "task says hello"]
    assert [line["task_id"] for line in said] == [str(result.id)]
    assert [line["task_id"] for line in lines if line["message"] == "after the task"] == [None]
