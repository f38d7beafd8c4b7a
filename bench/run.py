"""`make bench`: Tierdesk served in production mode on PostgreSQL, measured over HTTP.

    .venv/bin/python bench/run.py --sizes "10000 100000 1000000"
    make bench BENCH_SIZES=10000

For each size N: the database `tierdesk_bench_<N>` (created, migrated, filled by
`tierdesk bench-load --tickets N`, reused when it already holds N tickets), `tierdesk
serve` (gunicorn, 2 workers, DEBUG off) and `tierdesk worker --no-beat` on it, then from
this process over HTTP (bench/workloads.py):

* W1 `POST /api/v1/tickets` as an L1 agent from 8 threads for --seconds (the task worker
  stopped meanwhile, so PostgreSQL's counters are the web's), then raw single-row INSERTs
  from 8 connections for as long: tickets/s, their ratio, the web workers' CPU ms per
  ticket, SQL statements per ticket (pg_stat_statements, or gunicorn_hooks.py when it is
  not loaded), commits and rows written per ticket (pg_stat_database);
* W2 the L2 intake's first page: the API (`GET /api/v1/tickets?level=2&status=new&
  order=deadline`) and the HTML page (`/queues/l2_intake/`, signed in): median and p95;
* W3 `GET /api/v1/search` for a word in every ticket and a word of one ticket in 20,000;
* W4 one SLA sweep (`sla.services.sweep`, in a process of its own) and every report
  (`GET /api/v1/reports/<name>`, the default period, all partners) once;
* the resident memory of a web worker and of the task worker after the run.

Results: bench/results/<date>.json and .md (bench/report.py writes the Markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
import workloads as w  # noqa: E402
from report import markdown, summary  # noqa: E402

from tierdesk.benchdata.names import COMMON_WORD, PASSWORD, RARE_EVERY, email  # noqa: E402

CLI = [sys.executable, "-c", "import sys; from tierdesk.cli import main; sys.exit(main())"]
SWEEP = (
    "import json, sys, time, django; django.setup()\n"
    "from tierdesk.core import clock\nfrom tierdesk.sla import services\n"
    "t = time.perf_counter(); r = services.sweep(now=clock.now())\n"
    "print(json.dumps({'seconds': time.perf_counter() - t, 'breached': r.breached, "
    "'at_risk': r.at_risk, 'tickets': r.tickets}))"
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000 100000 1000000")
    p.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--seconds", type=float, default=30, help="W1 and the raw round, each")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--repeat", type=int, default=40, help="calls per W2 / W3 figure")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--out", default=str(REPO / "bench" / "results"))
    return p.parse_args(argv)


def cli(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], env=env, cwd=REPO, check=True, text=True, **kwargs)


def ensure_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def loaded(dsn: str) -> tuple[int, float] | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            row = conn.execute(
                "SELECT tickets, seconds FROM tierdesk_bench_load ORDER BY loaded_at DESC LIMIT 1"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return (row[0], row[1]) if row and row[1] is not None else None


class Served:
    """`tierdesk serve` and `tierdesk worker` on one database, stopped on exit."""

    def __init__(self, env: dict, port: int, var: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(var / f"serve-{port}.log", "a")  # noqa: SIM115
        serve_env = {**env, "WEB_CONCURRENCY": "2"}
        self.web = subprocess.Popen(
            [*CLI, "serve", "--bind", f"127.0.0.1:{port}"],
            env=serve_env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.worker = subprocess.Popen(
            [*CLI, "worker", "--no-beat"],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300  # collectstatic and two cold workers, under load
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer on {self.url}/healthz")
            time.sleep(0.5)

    @property
    def web_workers(self) -> list[int]:
        return w.children(self.web.pid)

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (self.web, self.worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.log.close()


def token_for(who: str, env: dict) -> str:
    done = cli(["token", "create", who, "--name", "bench"], env, capture_output=True)
    return done.stdout.strip()


def report_names(session: requests.Session, url: str) -> list[str]:
    """Every report the API serves (the enum of its `name`), from the OpenAPI document."""
    doc = session.get(f"{url}/api/v1/openapi.json", timeout=60).json()
    operation = doc["paths"]["/api/v1/reports/{name}"]["get"]
    schema = next(p["schema"] for p in operation["parameters"] if p["name"] == "name")
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema["enum"]


def html_session(url: str, who: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/login/", timeout=30)
    answer = session.post(
        f"{url}/login/",
        data={
            "username": who,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={"Referer": f"{url}/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {who}: {answer.status_code}")
    return session


def payloads(dsn: str):
    """The L1 agent's partner's flows and customers: a ticket body for each k."""
    with psycopg.connect(dsn) as conn:
        flows = conn.execute(
            "SELECT c.platform_id, ws.platform_id, f.platform_id FROM directory_flow f "
            "JOIN directory_workspace ws ON ws.id = f.workspace_id JOIN directory_contract c "
            "ON c.id = ws.contract_id JOIN accounts_membership m ON m.organisation_id = "
            "c.partner_id JOIN accounts_user u ON u.id = m.user_id WHERE u.email = %s",
            [email("l1_agent", 1, 1)],
        ).fetchall()
    customers = [email("customer", n, 1) for n in range(1, 4)]

    def body(k: int) -> dict:
        contract, workspace, flow = flows[k % len(flows)]
        return {
            "title": f"Orders flow fails with 401 since the token refresh ({k})",
            "priority": ("normal", "high", "low", "urgent")[k % 4],
            "contract_id": contract,
            "workspace_id": workspace,
            "flow_id": flow,
            "description": "Every order since 14:05 fails at the ERP step.\n\n"
            "2026-11-27T14:05:02Z ERROR [step 3] POST https://erp.example/api/orders -> 401",
            "expected_behaviour": "Orders reach the ERP.",
            "actual_behaviour": "Step 3 answers 401 Unauthorized.",
            "reproducibility": "always",
            "customer": customers[k % len(customers)],
        }

    return body


def w1(served: Served, dsn: str, token: str, counts: Path, args) -> dict:
    body = payloads(dsn)
    for k in range(4):  # warm both workers up
        requests.post(
            f"{served.url}/api/v1/tickets",
            json=body(k),
            timeout=60,
            headers={"Authorization": f"Bearer {token}"},
        )
    os.kill(served.worker.pid, signal.SIGSTOP)
    try:
        time.sleep(1.5)  # PostgreSQL flushes its statistics about once a second
        pg0, calls0 = w.pg_counters(dsn), w.pg_statement_calls(dsn)
        hook0, cpu0 = w.hook_statements(counts), sum(map(w.cpu_seconds, served.web_workers))
        made = w.create_tickets(
            f"{served.url}/api/v1/tickets", token, body, args.concurrency, args.seconds
        )
        cpu1, hook1 = sum(map(w.cpu_seconds, served.web_workers)), w.hook_statements(counts)
        time.sleep(1.5)
        pg1, calls1 = w.pg_counters(dsn), w.pg_statement_calls(dsn)
    finally:
        os.kill(served.worker.pid, signal.SIGCONT)
    raw = w.raw_inserts(dsn, args.concurrency, args.seconds)
    n = max(1, made["created"])
    per = {k: round((pg1[k] - pg0[k]) / n, 2) for k in pg0}
    if calls0 is not None and calls1 is not None:
        sql, source = (calls1 - calls0) / n, "pg_stat_statements (calls in this database)"
    else:
        sql = (hook1 - hook0) / n
        source = "Django cursor executes counted in the web workers (bench/gunicorn_hooks.py)"
    tickets_per_s = made["created"] / made["seconds"]
    return {
        "tickets": made["created"],
        "failed": made["failed"],
        "errors": made["errors"],
        "seconds": round(made["seconds"], 1),
        "tickets_per_s": round(tickets_per_s, 1),
        "raw_rows_per_s": round(raw["rows_per_s"], 0),
        "ratio": round(tickets_per_s / raw["rows_per_s"], 4),
        "cpu_ms_per_ticket": round((cpu1 - cpu0) * 1000 / n, 1),
        "sql_per_ticket": round(sql, 1),
        "sql_source": source,
        "commits_per_ticket": round((per["xact_commit"]), 2),
        "rows_written_per_ticket": round(
            per["tup_inserted"] + per["tup_updated"] + per["tup_deleted"], 1
        ),
        "pg_stat_database_per_ticket": per,
    }


def measure(n: int, args, var: Path) -> dict:
    admin = args.postgres
    dsn = admin.rsplit("/", 1)[0] + f"/tierdesk_bench_{n}"
    ensure_database(admin, dsn.rsplit("/", 1)[1])
    counts = var / f"sql-{n}"
    counts.mkdir(parents=True, exist_ok=True)
    for old in counts.iterdir():
        old.unlink()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "TIERDESK_VAR_DIR": str(var),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "TIERDESK_BENCH_COUNTS": str(counts),
        "GUNICORN_CMD_ARGS": f"-c {REPO / 'bench' / 'gunicorn_hooks.py'} --timeout 1800",
    }
    print(f"== {n:,} tickets: {dsn}", flush=True)
    cli(["migrate"], env, capture_output=True)
    before = loaded(dsn)
    if before and before[0] == n:
        load = {"reused": True, "seconds": round(before[1], 1)}
    else:
        start = time.perf_counter()
        cli(["bench-load", "--tickets", str(n)], env)
        load = {"reused": False, "seconds": round(time.perf_counter() - start, 1)}
    load["tickets_per_s"] = round(n / load["seconds"], 0) if load["seconds"] else None
    l1, l2 = token_for(email("l1_agent", 1, 1), env), token_for(email("l2_agent", 1), env)
    with psycopg.connect(dsn) as conn:
        (number,) = conn.execute(
            "SELECT number FROM tickets_ticket WHERE id = %s", [n // 2 + 1]
        ).fetchone()
    served = Served(env, args.port, var)
    try:
        result: dict = {"tickets": n, "load": load, "load_average_before": os.getloadavg()}
        result["w1"] = w1(served, dsn, l1, counts, args)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {l2}"
        html = html_session(served.url, email("l2_agent", 1))
        intake = "/api/v1/tickets?level=2&status=new&order=deadline&limit=25"
        result["w2"] = {
            "api": w.timed_gets(api, served.url + intake, args.repeat),
            "html": w.timed_gets(html, f"{served.url}/queues/l2_intake/", args.repeat),
        }
        search = f"{served.url}/api/v1/search?q="
        rare = f"lantern{number % RARE_EVERY}"
        result["w3"] = {
            "common": {"q": COMMON_WORD, **w.timed_gets(api, search + COMMON_WORD, args.repeat)},
            "rare": {"q": rare, **w.timed_gets(api, search + rare, args.repeat)},
        }
        sweep_env = {**env, "DJANGO_SETTINGS_MODULE": "tierdesk.settings"}
        done = subprocess.run(
            [sys.executable, "-c", SWEEP],
            env=sweep_env,
            cwd=REPO,
            check=True,
            text=True,
            capture_output=True,
        )
        result["w4"] = json.loads(done.stdout.strip().splitlines()[-1])
        result["reports"] = {}
        for name in report_names(api, served.url):
            start = time.perf_counter()
            answer = api.get(f"{served.url}/api/v1/reports/{name}", timeout=1800)
            took = time.perf_counter() - start
            result["reports"][name] = (
                round(took, 3) if answer.status_code == 200 else (f"HTTP {answer.status_code}")
            )
        result["rss_mb"] = {
            "web": max(map(w.rss_mb, served.web_workers)),
            "worker": w.rss_mb(served.worker.pid),
        }
        result["load_average_after"] = os.getloadavg()
    finally:
        served.stop()
    print(json.dumps(result, indent=1), flush=True)
    return result


def machine(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'max_connections', 'synchronous_commit')"
            ).fetchall()
        )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "",
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": version,
        "postgres_settings": settings,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.replace(",", " ").split()]
    var = REPO / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / started.strftime("%Y-%m-%d")
    runs: dict[str, dict] = {}
    for n in sizes:  # written after each size: a failure later keeps what was measured
        runs[str(n)] = measure(n, args, var)
        data = {
            "date": started.isoformat(timespec="seconds"),
            "machine": machine(args.postgres),
            "settings": {
                "w1_seconds": args.seconds,
                "concurrency": args.concurrency,
                "repeat": args.repeat,
            },
            **summary(runs),
            "sizes": runs,
        }
        stem.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
        stem.with_suffix(".md").write_text(markdown(data))
        print(f"wrote {stem}.json and {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
