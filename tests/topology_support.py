"""What the scale-out tests share (no tests here): the test database's URL for other
processes, PgBouncer in transaction mode in front of it, and Tierdesk's own processes —
gunicorn web servers and `tierdesk worker`s — started on free ports of 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The URL of this test's PostgreSQL database (or of a pooler in front of it)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = host or s["HOST"] or "127.0.0.1"
    port_part = f":{port or s['PORT']}" if (port or s["PORT"]) else ""
    return f"postgres://{auth}@{host}{port_part}/{quote(s['NAME'], safe='')}"


def sla_defaults() -> None:
    """The SLA calendars and policies the data migration seeds (idempotent): a
    transactional test that ran before this one has flushed them with everything else."""
    from importlib import import_module

    from django.apps import apps

    import_module("tierdesk.sla.migrations.0002_defaults").seed(apps, None)


def process_env(var_dir: Path, database: str, **extra: str) -> dict[str, str]:
    """The environment of a web or worker process in these tests: production settings
    (DEBUG off), one shared secret key and var folder, the given database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        "DATABASE_URL": database,
        "DEBUG": "false",
        # the test's own keys: secrets the test stored (webhook keys) decrypt everywhere
        "SECRET_KEY": settings.SECRET_KEY,
        "TIERDESK_SECRET_KEYS": ",".join(settings.TIERDESK_SECRET_KEYS),
        "TIERDESK_VAR_DIR": str(var_dir),
        "TIERDESK_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "TIERDESK_SECOND_FACTOR_ROLES": "",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


# PgBouncer -----------------------------------------------------------------------------


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


class PgBouncer:
    """PgBouncer in transaction pooling mode on a free port, in front of this test's
    PostgreSQL database, with a small server pool so that transactions of one client
    really land on different server connections. As root it runs as `postgres` (PgBouncer
    refuses to run as root)."""

    def __init__(self, binary: str, *, pool_size: int = 3):
        s = connection.settings_dict
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tierdesk-pgbouncer-"))
        self.root.chmod(0o755)
        user = s["USER"] or "postgres"
        (self.root / "users.txt").write_text(f'"{user}" "{s.get("PASSWORD") or ""}"\n')
        password = f" password={s['PASSWORD']}" if s.get("PASSWORD") else ""
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{s['NAME']} = host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} "
            f"dbname={s['NAME']} user={user}{password}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 200\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        for path in self.root.iterdir():
            path.chmod(0o644)
        command = [binary, str(self.root / "pgbouncer.ini")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "postgres"]
        self.log = (self.root / "pgbouncer.log").open("w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = database_url(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pgbouncer did not start: " + self.log_text()) from None
                time.sleep(0.1)

    def log_text(self) -> str:
        self.log.flush()
        return (self.root / "pgbouncer.log").read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


# Tierdesk's processes --------------------------------------------------------------------


class Web:
    """`gunicorn tierdesk.wsgi` (what `tierdesk serve` runs) with `workers` processes."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "tierdesk.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
                "--no-control-socket",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn on {self.url} did not start:\n{self.text()}")
            time.sleep(0.25)

    def text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


class Worker:
    """`tierdesk worker` (db_worker and the beat)."""

    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "tierdesk"), "worker", *args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
