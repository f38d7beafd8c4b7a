"""The log locator: platform (bunyan) and plain-text logs parsed into lines, times read
in the right zone across DST, the window around when it happened narrowed to the flow,
the whole log paged and searchable, access as for attachments, bounded memory."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import ACME_FLOW, GLOBEX_FLOW, new_ticket
from tierdesk.demo.logs import Failure, execution_log
from tierdesk.demo.world import FLOWS
from tierdesk.logs import parsing, services
from tierdesk.logs.models import LogFile, LogLine, ParseStatus
from tierdesk.logs.parsing import parse
from tierdesk.logs.selectors import log_window, ticket_zone
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import AttachmentKind

BERLIN = "Europe/Berlin"


def lines_of(data: bytes, zone: str = "UTC") -> list[parsing.Line]:
    return list(parse(io.BytesIO(data), default_zone=zone))


def bunyan(at: datetime, level: int, msg: str, flow: str = ACME_FLOW, **extra) -> str:
    entry = {
        "name": "http-component",
        "hostname": "step-1-abc",
        "pid": 7,
        "level": level,
        "msg": msg,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "v": 0,
        "ELASTICIO_FLOW_ID": flow,
        "ELASTICIO_STEP_ID": "step_2",
        "tag": flow,
        **extra,
    }
    return json.dumps(entry)


# ---------------------------------------------------------------------------------------
# Parsing (pure)
# ---------------------------------------------------------------------------------------
def test_the_platforms_bunyan_lines():
    # given a platform log line with an error object and the flow context
    at = datetime(2026, 11, 27, 9, 14, 3, 120000, tzinfo=UTC)
    data = (
        bunyan(at, 30, "Processing message")
        + "\n"
        + bunyan(at, 50, "Request failed", err={"message": "401 Unauthorized", "stack": "E"})
        + "\n"
    ).encode()
    # when parsed
    first, second = lines_of(data)
    # then time, level, flow and step are read; the error carries err.message
    assert (first.time, first.level, first.flow_id, first.step) == (at, 30, ACME_FLOW, "step_2")
    assert not first.is_error
    assert second.is_error and second.message == "Request failed: 401 Unauthorized"
    assert second.error_text == "Request failed: 401 Unauthorized"
    # and the byte offsets point at each line
    assert (first.number, first.offset, second.number) == (1, 0, 2)
    assert data[second.offset :].startswith(b'{"name"')


def test_a_demo_execution_log_in_both_exports():
    # given one execution of a flow as the platform exports it, JSON lines and text
    flow = FLOWS[0]
    at = datetime(2026, 11, 27, 9, 14, 0, tzinfo=UTC)
    failure = Failure(step=1, msg="Request failed", error="HTTP 401", frames=("at x (y.js:1)",))
    as_json = lines_of(execution_log(flow, at=at, seed="s", failure=failure))
    as_text = lines_of(execution_log(flow, at=at, seed="s", failure=failure, as_text=True))
    # then every JSON line has a time and the flow; one is the error
    assert all(line.time and line.flow_id == flow.flow_id for line in as_json)
    assert [line.level for line in as_json if line.is_error]
    # and the text export's lines are timed too (frames carry their error's time)
    timed = [line for line in as_text if not line.continuation]
    assert all(line.time for line in as_text)
    assert {line.time for line in timed} <= {line.time for line in as_json}


def test_other_json_shapes():
    data = b"\n".join(
        [
            b'{"@timestamp":"2026-11-27T09:14:03Z","log":{"level":"warn"},"message":"ecs"}',
            b'{"level":40,"time":1795770843120,"msg":"pino"}',
            b'{"timestamp":"2026-11-27 10:14:03","levelname":"ERROR","event":"structlog"}',
            b'{"severity":"ERROR","message":"gcp"}',
        ]
    )
    ecs, pino, structlog, gcp = lines_of(data, BERLIN)
    assert (ecs.level, ecs.message, ecs.time) == (
        40,
        "ecs",
        datetime(2026, 11, 27, 9, 14, 3, tzinfo=UTC),
    )
    assert pino.time == datetime(2026, 11, 27, 9, 14, 3, 120000, tzinfo=UTC)  # epoch ms
    # a JSON time without a zone is read in the ticket's zone too
    assert structlog.time == datetime(2026, 11, 27, 9, 14, 3, tzinfo=UTC) and structlog.is_error
    assert gcp.is_error and gcp.time is None


@pytest.mark.parametrize(
    ("zone", "wall", "utc"),
    [
        # without an offset, the wall time is read in the ticket's zone
        (BERLIN, "2026-11-27 10:14:03", datetime(2026, 11, 27, 9, 14, 3, tzinfo=UTC)),
        ("America/New_York", "2026-11-27 10:14:03", datetime(2026, 11, 27, 15, 14, 3, tzinfo=UTC)),
        ("Asia/Kolkata", "2026-11-27 10:14:03", datetime(2026, 11, 27, 4, 44, 3, tzinfo=UTC)),
        # summer time in Berlin is UTC+2
        (BERLIN, "2026-07-01 10:00:00", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
        # the last second before the spring change, and the first after it
        (BERLIN, "2026-03-29 01:59:59", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)),
        (BERLIN, "2026-03-29 03:00:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # the repeated hour in autumn: the first pass (summer time)
        (BERLIN, "2026-10-25 02:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # US change on another date than Europe's
        ("America/New_York", "2026-03-08 03:30:00", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        # with an offset or Z the zone is the line's own, whatever the ticket's
        (BERLIN, "2026-10-25 02:30:00+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        (BERLIN, "2026-10-25T02:30:00.250Z", datetime(2026, 10, 25, 2, 30, 0, 250000, tzinfo=UTC)),
        (
            "America/New_York",
            "2026-11-27T10:14:03-0500",
            datetime(2026, 11, 27, 15, 14, 3, tzinfo=UTC),
        ),
        (
            BERLIN,
            "2026-11-27 10:14:03,5 UTC",
            datetime(2026, 11, 27, 10, 14, 3, 500000, tzinfo=UTC),
        ),
    ],
)
def test_plain_text_times_across_zones_and_dst(zone, wall, utc):
    # given a plain-text line; when parsed with the ticket's zone
    [line] = lines_of(f"{wall} ERROR [sftp] upload aborted\n".encode(), zone)
    # then its moment is right in UTC, and the level is read after the time
    assert line.time == utc and line.is_error
    assert line.error_text == "ERROR [sftp] upload aborted"


def test_frames_and_wrapped_lines_stay_with_their_line():
    data = (
        b"2026-11-27T09:14:03Z ERROR Request failed\n"
        b"    at Object.request (/app/lib/http.js:12:9)\n"
        b"\n"
        b"2026-11-27T09:14:04Z INFO retrying\n"
    )
    error, frame, info = lines_of(data)
    assert frame.continuation and frame.time == error.time and frame.is_error
    assert (error.number, frame.number, info.number) == (1, 2, 4)
    assert not info.is_error


def test_an_overlong_line_is_cut_and_the_next_line_still_read():
    data = b"2026-11-27T09:14:03Z INFO " + b"x" * (parsing.MAX_LINE_BYTES * 3) + b"\n"
    data += b"2026-11-27T09:14:04Z ERROR after\n"
    long, after = lines_of(data)
    assert len(long.message) == parsing.MAX_MESSAGE
    assert after.number == 2 and after.is_error and after.offset == len(data) - 33


class GeneratedLog(io.RawIOBase):
    """`size` bytes of platform log, made on demand: the test holds none of it."""

    def __init__(self, size: int):
        start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        self.lines = [
            (
                bunyan(start + timedelta(seconds=n), 50 if n % 97 == 0 else 30, f"record {n}")
                + "\n"
            ).encode()
            for n in range(200)
        ]
        self.size, self.made, self.n, self.pending = size, 0, 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer) and self.made < self.size:
            line = self.lines[self.n % len(self.lines)]
            self.n += 1
            self.made += len(line)
            self.pending += line
        chunk, self.pending = self.pending[: len(buffer)], self.pending[len(buffer) :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


PARSE_PEAK_BOUND = 1024 * 1024


def _parse_peak(size: int) -> tuple[int, int, int]:
    """Lines, error lines and the traced memory peak of parsing `size` bytes, streamed."""
    handle = io.BufferedReader(GeneratedLog(size), buffer_size=64 * 1024)
    tracemalloc.start()
    try:
        count = errors = 0
        for line in parse(handle, default_zone=BERLIN):
            count += 1
            errors += line.is_error
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, errors, peak


# The figure is a 50 MiB log (TIERDESK_LOG_TEST_MIB=50, about a minute under
# tracemalloc); the suite parses 8 MiB, eight times the bound, which shows the same thing.
LARGE_LOG_MIB = int(os.environ.get("TIERDESK_LOG_TEST_MIB", "8"))


def test_a_large_log_is_parsed_in_bounded_memory():
    # given a 1 MiB and a larger platform log, streamed
    # when every line of each is parsed, under tracemalloc
    small = _parse_peak(1024 * 1024)
    count, errors, peak = _parse_peak(LARGE_LOG_MIB * 1024 * 1024)
    # then all of it was read, and the peak stayed under 1 MiB and did not grow with the
    # file: many times the bytes, the same few buffers
    assert count > (LARGE_LOG_MIB - 0.5) * small[0] and errors > 40 * LARGE_LOG_MIB
    assert peak < PARSE_PEAK_BOUND
    assert peak < small[2] + 64 * 1024


# ---------------------------------------------------------------------------------------
# Reading attachments, the window, access
# ---------------------------------------------------------------------------------------
def attach_log(world, ticket, data: bytes, *, actor="acme_l1", internal=None, capture=None):
    attachment = tickets.attachment_add(
        actor=world.actor(actor),
        ticket_id=ticket.pk,
        file=data,
        filename="execution.log",
        kind=AttachmentKind.LOG,
        internal=internal,
    )
    services.log_parse(attachment_id=attachment.pk)
    return attachment


def around(ticket, *minutes_and_levels, flow=ACME_FLOW) -> bytes:
    out = []
    for minutes, level, msg in minutes_and_levels:
        out.append(bunyan(ticket.occurred_at + timedelta(minutes=minutes), level, msg, flow))
    return ("\n".join(out) + "\n").encode()


def test_an_attached_log_is_parsed_after_commit_by_a_task(
    world, settings, django_capture_on_commit_callbacks
):
    # given the immediate task backend; when L1 attaches a platform log
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ticket = new_ticket(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attachment = tickets.attachment_add(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=around(ticket, (-1, 30, "start"), (0, 50, "boom")),
            filename="execution.log",
            kind=AttachmentKind.LOG,
        )
    # then the reading was queued after commit and found both lines and the error
    assert callbacks
    log_file = LogFile.objects.get(attachment=attachment)
    assert (log_file.status, log_file.lines, log_file.errors) == (ParseStatus.PARSED, 2, 1)
    assert log_file.zone == BERLIN  # the customer's zone
    # and a screenshot is not a log: nothing is read
    assert LogLine.objects.filter(ticket=ticket).count() == 2


def test_the_ticket_zone_is_the_customers_then_the_openers(world, settings):
    ticket = new_ticket(world)
    customer = world.user("acme_customer")
    customer.time_zone = "Asia/Kolkata"
    customer.save()
    ticket.refresh_from_db()
    assert ticket_zone(ticket) == "Asia/Kolkata"
    ticket.customer = None
    assert ticket_zone(ticket) == world.user("acme_l1").time_zone
    ticket.created_by = None
    assert ticket_zone(ticket) == settings.TIME_ZONE


def test_the_window_is_around_occurred_at_narrowed_to_the_flow(world):
    # given a log with lines over two hours, some of another flow
    ticket = new_ticket(world)
    attach_log(
        world,
        ticket,
        around(
            ticket,
            (-59, 30, "long before"),
            (-10, 30, "before"),
            (0, 50, "boom"),
            (14, 40, "after"),
            (40, 30, "later"),
        )
        + around(ticket, (1, 50, "other flow"), flow=GLOBEX_FLOW),
    )
    # when L2 looks at the default window
    window = log_window(world.actor("l2"), ticket)
    # then it is ±15 minutes, the ticket's flow only, in time order
    assert [line.message for line in window.lines] == ["before", "boom", "after"]
    assert window.flow_id == ACME_FLOW
    assert window.end - window.start == timedelta(minutes=30)
    # and it can be widened, moved and filtered by level
    wide = log_window(world.actor("l2"), ticket, minutes=60)
    assert wide.lines[0].message == "long before"
    errors = log_window(world.actor("l2"), ticket, minutes=60, level="warn")
    assert [line.message for line in errors.lines] == ["boom", "after"]
    moved = log_window(
        world.actor("l2"), ticket, around=ticket.occurred_at + timedelta(minutes=40), minutes=1
    )
    assert [line.message for line in moved.lines] == ["later"]


def test_a_given_window_is_used_as_it_is(world):
    ticket = new_ticket(world)
    ticket.occurred_until = ticket.occurred_at + timedelta(minutes=45)
    attach_log(
        world,
        ticket,
        around(ticket, (-5, 30, "before"), (20, 50, "in"), (44, 30, "end"), (50, 30, "out")),
    )
    window = log_window(world.actor("l2"), ticket)
    assert [line.message for line in window.lines] == ["in", "end"]


def test_customers_see_the_lines_of_public_logs_only(world, client):
    # given a public log (the customer's own) and an internal one (L1's)
    ticket = new_ticket(world)
    attach_log(world, ticket, around(ticket, (0, 50, "public line")), actor="acme_customer")
    attach_log(world, ticket, around(ticket, (1, 50, "internal line")), internal=True)
    # then the customer's window holds the public line only; L1 sees both
    assert [line.message for line in log_window(world.actor("acme_customer"), ticket).lines] == [
        "public line"
    ]
    assert len(log_window(world.actor("acme_l1"), ticket).lines) == 2
    # and through the API the same, while another partner's agent gets 404
    client.force_login(world.user("acme_customer"))
    body = client.get(f"/api/v1/tickets/{ticket.pk}/log-lines").json()
    assert [line["message"] for line in body["lines"]] == ["public line"]
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/api/v1/tickets/{ticket.pk}/log-lines").status_code == 404


def test_the_api_window_and_its_refusals(world, client):
    ticket = new_ticket(world)
    attachment = attach_log(world, ticket, around(ticket, (0, 50, "boom"), (3, 30, "fine")))
    client.force_login(world.user("l2"))
    url = f"/api/v1/tickets/{ticket.pk}/log-lines"
    at = (ticket.occurred_at + timedelta(minutes=3)).isoformat()
    body = client.get(url, {"around": at, "minutes": 1, "level": "info"}).json()
    assert [(line["line"], line["level"], line["error"]) for line in body["lines"]] == [
        (2, "info", False)
    ]
    assert body["lines"][0]["url"] == f"/logs/{attachment.pk}/?line=2#L2"
    assert client.get(url, {"level": "loud"}).status_code == 422
    refused = client.get(url, {"around": "2026-11-27T10:00:00"})
    assert refused.status_code == 422 and "around" in refused.json()["fields"]
    assert client.get(url, {"minutes": -1}).status_code == 422


def test_the_ticket_page_shows_the_window_in_the_viewers_zone(world, client):
    # given an error at 09:14:03 UTC and a viewer in New York
    ticket = new_ticket(world)
    ticket.occurred_at = datetime(2026, 11, 27, 9, 14, tzinfo=UTC)
    tickets.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"occurred_at": ticket.occurred_at},
        version=ticket.version,
    )
    attach_log(world, ticket, around(ticket, (0, 50, "Request failed"), (1, 30, "retry")))
    viewer = world.user("acme_l1")
    viewer.time_zone = "America/New_York"
    viewer.save()
    client.force_login(viewer)
    # when the ticket page is shown
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    # then the lines are there, the error marked, at 04:14 New York time, linked
    assert 'class="log-error"' in page and "Request failed" in page
    assert "2026-11-27 04:14:00" in page and "2026-11-27 09:14:00 UTC" in page
    assert "?line=1#L1" in page
    # and a narrower level hides the info line
    narrowed = client.get(f"/tickets/{ticket.number}/", {"level": "error"}).content.decode()
    panel = narrowed[narrowed.index('id="logs"') :]
    assert "Request failed" in panel and "retry" not in panel


def test_the_whole_log_is_paged_and_searchable(world, client):
    ticket = new_ticket(world)
    rows = [(n / 60, 50 if n == 450 else 30, f"record {n}") for n in range(500)]
    attachment = attach_log(world, ticket, around(ticket, *rows))
    client.force_login(world.user("l2"))
    url = f"/logs/{attachment.pk}/"
    first = client.get(url).content.decode()
    assert "record 0<" in first and "record 200<" not in first and "Page 1 of 3" in first
    # the link of line 451 opens its page with the line marked
    chosen = client.get(url, {"line": 451}).content.decode()
    assert "Page 3 of 3" in chosen and 'id="L451" class="log-error log-chosen"' in chosen
    found = client.get(url, {"q": "record 45"}).content.decode()
    assert "11 lines" in found and "record 450" in found and "record 46<" not in found
    # and someone who may not see the attachment gets 404
    client.force_login(world.user("globex_l1"))
    assert client.get(url).status_code == 404


def test_reading_a_log_twice_replaces_its_lines(world):
    ticket = new_ticket(world)
    attachment = attach_log(world, ticket, around(ticket, (0, 50, "boom")))
    services.log_parse(attachment_id=attachment.pk)
    assert LogLine.objects.filter(attachment=attachment).count() == 1


STORE_PEAK_BOUND = 24 * 1024 * 1024


def test_storing_a_large_log_keeps_memory_bounded_by_the_batch(world):
    # given a 6 MB log attached (the stored file is read back in lines, in batches)
    ticket = new_ticket(world)
    data = GeneratedLog(6 * 1024 * 1024).read()
    attachment = tickets.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=data,
        filename="big.log",
        kind=AttachmentKind.LOG,
    )
    del data
    # when it is read into lines, under tracemalloc
    tracemalloc.start()
    try:
        log_file = services.log_parse(attachment_id=attachment.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then every line is stored and the peak is a few batches' worth, not the file's
    assert log_file.lines > 20_000
    assert peak < STORE_PEAK_BOUND
    assert ZoneInfo(log_file.zone)


# ---------------------------------------------------------------------------------------
# One reader for log text (the locator and triage)
# ---------------------------------------------------------------------------------------
class _Stored:
    """An attachment's stored file, as `attachment.file` gives it."""

    def __init__(self, data: bytes | None):
        self.data = data

    def open(self, mode: str = "rb"):
        if self.data is None:
            raise FileNotFoundError("gone from storage")
        return io.BytesIO(self.data)


def test_the_head_of_a_log_is_cut_at_a_character_and_a_missing_file_reads_empty():
    from types import SimpleNamespace

    from tierdesk.logs.reading import log_head

    text = "Größe überschritten\n"
    data = text.encode()
    cut = data.index("ö".encode()) + 1  # inside the two bytes of "ö"
    assert log_head(SimpleNamespace(file=_Stored(data)), cut) == "Gr"
    assert log_head(SimpleNamespace(file=_Stored(data)), 1000) == text
    assert log_head(SimpleNamespace(file=_Stored(b"bad \xff byte")), 100) == "bad \ufffd byte"
    assert log_head(SimpleNamespace(file=_Stored(None)), 100) == ""
