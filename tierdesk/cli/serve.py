"""`tierdesk serve` and `tierdesk worker`: the processes that run the product."""

from __future__ import annotations

import argparse
import os
import sys
import threading

DEFAULT_BIND = "127.0.0.1:8000"
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    bind = args.bind or os.environ.get("TIERDESK_BIND") or DEFAULT_BIND
    if args.migrate:
        call_command("migrate", interactive=False)
    if args.dev:
        # runserver's autoreloader restarts this same command line; DEBUG was set before
        # django.setup() (see main), so static files are served from the apps.
        call_command("runserver", bind)
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    workers = os.environ.get("WEB_CONCURRENCY") or "2"
    if args.asgi:
        return _serve_asgi(bind, workers)
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "tierdesk.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        # The path without its query string (an SSO code or a signed link may ride in
        # it), and the request id the response carries (core/logcontext.py).
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        # gunicorn's control socket has one default path per user: two servers on one
        # host (the demo beside another) would take it from each other.
        "--no-control-socket",
    ]
    _err(f"Serving Tierdesk on http://{bind} with {workers} workers")
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process: signals from a supervisor reach gunicorn's arbiter directly.
    os.execv(sys.executable, gunicorn)  # noqa: S606
    return 0  # pragma: no cover


def _serve_asgi(bind: str, workers: str) -> int:
    """uvicorn with the ASGI entry (HTTP and the chat's WebSockets). Several workers share
    chat events only through Redis (TIERDESK_CHANNEL_LAYER); without it, one worker."""
    from django.conf import settings

    host, _, port = bind.rpartition(":")
    in_process = settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
    if in_process and workers != "1":
        _err("The in-process channel layer serves one worker: set TIERDESK_CHANNEL_LAYER for more")
        workers = "1"
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "tierdesk.asgi:application",
        "--host",
        host or "127.0.0.1",
        "--port",
        port,
        "--workers",
        workers,
        "--proxy-headers",
    ]
    _err(f"Serving Tierdesk (ASGI) on http://{bind} with {workers} workers")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, uvicorn)  # noqa: S606
    return 0  # pragma: no cover


def cmd_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    # Never auto-reload a worker: a reload can stop a task halfway (STACK.md).
    options = {
        "queue_name": args.queues,
        "reload": False,
        "batch": args.batch,
        # The start-up delay staggers long-running workers; a batch run just drains.
        "startup_delay": not args.batch,
    }
    if args.max_tasks:
        options["max_tasks"] = args.max_tasks
    stop = threading.Event()
    if not (args.batch or args.no_beat):
        # The beat enqueues the periodic sweeps (SLA, webhook outbox); see core/periodic.py.
        from tierdesk.core.periodic import beat_forever

        threading.Thread(target=beat_forever, args=(stop,), name="beat", daemon=True).start()
    try:
        call_command("db_worker", **options)
    finally:
        stop.set()
    return 0
