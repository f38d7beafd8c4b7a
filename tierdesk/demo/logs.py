"""Platform logs as the customer downloads them: one execution of one flow, every step,
sorted by time — bunyan JSON lines in the shape of DESIGN.md §6, or the same execution as
the plain-text export. Deterministic: the same seed gives the same bytes."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tierdesk.demo.world import FlowSpec, pid

INFO, WARN, ERROR = 30, 40, 50
_LEVEL_NAME = {30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
MIN_LINES, MAX_LINES = 20, 80


@dataclass(frozen=True)
class Failure:
    """Where and how the execution fails."""

    step: int  # index into the flow's steps
    msg: str  # the error line's `msg`
    error: str  # err.message
    frames: tuple[str, ...]  # stack frames below the message
    record: int = -1  # which record fails; -1 the last
    retries: tuple[str, ...] = ()  # warnings logged before it gives up
    every_record: bool = False  # every record fails the same way


@dataclass(frozen=True)
class Note:
    """An extra line a step logs for a record, after its usual work line."""

    step: int
    record: int
    msg: str
    level: int = INFO
    fields: dict = field(default_factory=dict)


def _hex(seed: str, n: int) -> str:
    out = ""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
        i += 1
    return out[:n]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class _Line:
    time: datetime
    step: int
    level: int
    msg: str
    record: int
    extra: dict = field(default_factory=dict)


def _execution(
    flow: FlowSpec,
    *,
    at: datetime,
    seed: str,
    records: int,
    first: int,
    failure: Failure | None,
    notes: tuple[Note, ...],
) -> tuple[list[_Line], random.Random]:
    rng = random.Random(seed)
    steps = flow.steps
    failing = set()
    if failure:
        failing = set(range(records)) if failure.every_record else {failure.record % records}
    start = at
    out = [
        _Line(start, 0, INFO, f"Starting execution of flow {flow.flow_id}", -1),
        _Line(
            start + timedelta(milliseconds=rng.randint(20, 90)),
            0,
            INFO,
            f"Trigger started: {steps[0].label}",
            -1,
        ),
    ]
    # Each step's container takes one message at a time: a record waits at a step until
    # the step has finished the record before it.
    free = [start + timedelta(milliseconds=rng.randint(150, 400))] * len(steps)
    for r in range(records):
        rid = flow.rid(first + r)
        t = free[0]
        for k, step in enumerate(steps):
            if k:
                t = max(t, free[k])
                out.append(_Line(t, k, INFO, "Received new message", r))
            t += timedelta(milliseconds=rng.randint(15, 120))
            out.append(_Line(t, k, INFO, step.does.format(rid=rid), r))
            for note in notes:
                if note.step == k and note.record % records == r:
                    t += timedelta(milliseconds=rng.randint(5, 40))
                    out.append(_Line(t, k, note.level, note.msg, r, dict(note.fields)))
            if failure and failure.step == k and r in failing:
                for i, warning in enumerate(failure.retries):
                    t += timedelta(milliseconds=rng.randint(800, 1400) * (2**i))
                    out.append(_Line(t, k, WARN, warning, r))
                t += timedelta(milliseconds=rng.randint(40, 600))
                frames = (f"    at {f}" for f in failure.frames)
                stack = "\n".join([f"Error: {failure.error}", *frames])
                err = {"message": failure.error, "stack": stack}
                out.append(_Line(t, k, ERROR, failure.msg, r, {"err": err}))
                free[k] = t + timedelta(milliseconds=rng.randint(5, 30))
                break
            t += timedelta(milliseconds=rng.randint(40, 900))
            last = k == len(steps) - 1
            out.append(_Line(t, k, INFO, "Message processed" if last else "Emitting data event", r))
            t += timedelta(milliseconds=rng.randint(5, 60))
            free[k] = t
    # Shift the execution so that its first error lands on `at`.
    errors = [line.time for line in out if line.level == ERROR]
    if errors:
        shift = at - min(errors) + timedelta(milliseconds=rng.randint(1, 999))
        for line in out:
            line.time += shift
    out.sort(key=lambda line: line.time)
    return out, rng


def execution_log(
    flow: FlowSpec,
    *,
    at: datetime,
    seed: str,
    records: int = 4,
    first: int = 4711,
    failure: Failure | None = None,
    notes: tuple[Note, ...] = (),
    as_text: bool = False,
) -> bytes:
    """One execution of `flow` around `at` as the platform's log download (bunyan JSON
    lines, or the plain-text export with `as_text`)."""
    # A download holds 20 to 80 lines: take as many records as that needs.
    lines, rng = [], random.Random(seed)
    while len(lines) < MIN_LINES and records < 40:
        lines, rng = _execution(
            flow, at=at, seed=seed, records=records, first=first, failure=failure, notes=notes
        )
        records += 1
    while len(lines) > MAX_LINES and records > 2:
        records -= 2
        lines, rng = _execution(
            flow, at=at, seed=seed, records=records, first=first, failure=failure, notes=notes
        )
    exec_id = _hex(f"{seed}:exec", 32)
    pod = {
        k: f"{flow.flow_id[:12]}-step-{k + 1}-{_hex(f'{seed}:pod:{k}', 10)}-"
        + "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        for k in range(len(flow.steps))
    }
    pids = {k: rng.randint(7, 40) for k in range(len(flow.steps))}
    threads = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(MAX_LINES)]
    message_ids: dict[tuple[int, int], str] = {}

    def message_id(record: int, step: int) -> str:
        key = (record, step)
        if key not in message_ids:
            message_ids[key] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return message_ids[key]

    out = []
    for line in lines:
        step = flow.steps[line.step]
        if as_text:
            text = (
                f"{_iso(line.time)}  step_{line.step + 1}  {step.component:<22} "
                f"{_LEVEL_NAME[line.level]:<5}  {line.msg}"
            )
            if "err" in line.extra:
                text += "\n" + "\n".join(
                    "    " + frame for frame in line.extra["err"]["stack"].splitlines()[1:]
                )
            out.append(text)
            continue
        record = max(line.record, 0)
        entry = {
            "name": step.component,
            "hostname": pod[line.step],
            "pid": pids[line.step],
            "level": line.level,
            "msg": line.msg,
            "time": _iso(line.time),
            "v": 0,
            "ELASTICIO_FLOW_ID": flow.flow_id,
            "ELASTICIO_FLOW_VERSION": flow.version_id,
            "ELASTICIO_EXEC_ID": exec_id,
            "ELASTICIO_STEP_ID": f"step_{line.step + 1}",
            "ELASTICIO_COMP_ID": pid(f"component:{step.component}"),
            "ELASTICIO_FUNCTION": step.function,
            "ELASTICIO_CONTAINER_ID": _hex(f"{seed}:container:{line.step}", 64),
            "tag": flow.flow_id,
            "threadId": threads[record],
            "messageId": message_id(record, line.step),
            "parentMessageId": message_id(record, line.step - 1) if line.step else None,
        }
        entry.update({k: v for k, v in line.extra.items() if k != "err"})
        if "err" in line.extra:
            entry["err"] = line.extra["err"]
        out.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def sshd_log(*, at: datetime, host: str, user: str, client: str, seed: str, resets: int) -> bytes:
    """The customer's SFTP server's sshd log (syslog, plain text) around `at`: a login
    from the platform, then uploads the platform aborts."""
    rng = random.Random(seed)
    t = at - timedelta(seconds=9)
    lines = []
    port = rng.randint(40000, 60000)
    for i in range(resets + 1):
        proc = rng.randint(20000, 29999)
        stamp = t.astimezone(UTC).strftime("%b %d %H:%M:%S")
        lines += [
            f"{stamp} {host} sshd[{proc}]: Connection from {client} port {port + i} on "
            f'10.20.0.15 port 22 rdomain ""',
            f"{stamp} {host} sshd[{proc}]: Accepted publickey for {user} from {client} port "
            f"{port + i} ssh2: ED25519 SHA256:{_hex(seed, 43)}",
            f"{stamp} {host} sshd[{proc}]: pam_unix(sshd:session): session opened for user "
            f"{user}(uid=1007) by (uid=0)",
            f"{stamp} {host} internal-sftp[{proc + 2}]: session opened for local user {user} "
            f"from [{client}]",
            f'{stamp} {host} internal-sftp[{proc + 2}]: open "/upload/datev/EXTF_Buchungsstapel'
            f'_{at:%Y%m%d}.csv" flags WRITE,CREATE,TRUNCATE mode 0644',
        ]
        t += timedelta(seconds=rng.randint(2, 6))
        stamp = t.astimezone(UTC).strftime("%b %d %H:%M:%S")
        if i < resets:
            lines += [
                f'{stamp} {host} internal-sftp[{proc + 2}]: close "/upload/datev/EXTF_'
                f'Buchungsstapel_{at:%Y%m%d}.csv" bytes read 0 written 65536',
                f"{stamp} {host} sshd[{proc}]: Connection reset by {client} port {port + i}",
                f"{stamp} {host} sshd[{proc}]: pam_unix(sshd:session): session closed for "
                f"user {user}",
            ]
        else:
            lines += [
                f"{stamp} {host} sshd[{proc}]: Timeout, client not responding from {client} "
                f"port {port + i}",
            ]
        t += timedelta(seconds=rng.randint(30, 60))
    return ("\n".join(lines) + "\n").encode()


def http_client_log(
    *, url: str, at: datetime, seed: str, calls: int = 24, failing_from: int = 6
) -> bytes:
    """The customer's own HTTP client log (plain text) of calls to a platform webhook:
    fine at first, then 502s from the platform's ingress."""
    rng = random.Random(seed)
    t = at - timedelta(seconds=failing_from * 20)
    lines = []
    for i in range(calls):
        request_id = _hex(f"{seed}:{i}", 16)
        if i < failing_from:
            took = rng.randint(80, 240)
            lines.append(
                f"{_iso(t)} INFO  webhook-dispatcher POST {url} -> 200 OK ({took} ms) "
                f"x-request-id={request_id}"
            )
        else:
            took = rng.randint(1000, 1400)
            lines.append(
                f"{_iso(t)} ERROR webhook-dispatcher POST {url} -> 502 Bad Gateway ({took} ms) "
                f'x-request-id={request_id} body="upstream connect error or disconnect/reset '
                f'before headers. reset reason: connection termination"'
            )
            if i % 5 == 0:
                lines.append(f"{_iso(t)} WARN  webhook-dispatcher queued for retry in 60 s")
        t += timedelta(seconds=rng.randint(12, 28), milliseconds=rng.randint(0, 999))
    return ("\n".join(lines) + "\n").encode()
