"""gunicorn configuration the benchmark adds to `tierdesk serve` (through
GUNICORN_CMD_ARGS="-c bench/gunicorn_hooks.py"): each web worker counts the SQL statements
its Django connections execute (every `cursor.execute`/`executemany`, as Django's
CaptureQueriesContext counts them; BEGIN and COMMIT are not statements here) and, after
each request, writes its running total to $TIERDESK_BENCH_COUNTS/<pid>. The benchmark
reads those files before and after W1. Used only when PostgreSQL has no
pg_stat_statements; nothing here is part of the product."""

from __future__ import annotations

import os

_count = [0]
_fd: list[int] = []


def _counter(execute, sql, params, many, context):
    _count[0] += 1
    return execute(sql, params, many, context)


def post_fork(server, worker):
    from django.db.backends.signals import connection_created

    def install(sender, connection, **kwargs):
        if _counter not in connection.execute_wrappers:
            connection.execute_wrappers.append(_counter)

    connection_created.connect(install, weak=False)
    folder = os.environ.get("TIERDESK_BENCH_COUNTS")
    if folder:
        path = os.path.join(folder, str(os.getpid()))
        _fd.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def post_request(worker, req, environ, resp):
    if _fd:
        os.pwrite(_fd[0], f"{_count[0]:>20}\n".encode(), 0)
