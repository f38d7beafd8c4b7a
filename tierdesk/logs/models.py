"""Log files attached to tickets, parsed into lines the ticket page can locate by time,
flow and level (`parsing`). Written only by `services.log_parse`."""

from __future__ import annotations

from django.db import models


class LogLevel(models.IntegerChoices):
    UNKNOWN = 0, "—"
    TRACE = 10, "trace"
    DEBUG = 20, "debug"
    INFO = 30, "info"
    WARN = 40, "warn"
    ERROR = 50, "error"
    FATAL = 60, "fatal"


class ParseStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be read"
    PARSED = "parsed", "Read"
    FAILED = "failed", "Could not be read"


class LogFile(models.Model):
    """What reading one log attachment found."""

    attachment = models.OneToOneField(
        "tickets.Attachment", on_delete=models.CASCADE, related_name="log_file"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=ParseStatus.choices, default=ParseStatus.PENDING
    )
    zone = models.CharField(max_length=64, help_text="Times without a zone were read in it.")
    lines = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    first_time = models.DateTimeField(null=True, blank=True)
    last_time = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    parsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attachment"]

    def __str__(self) -> str:
        return f"log {self.attachment_id}: {self.status}"


class LogLine(models.Model):
    """One line of a log attachment. `time` is UTC (a continuation line — a stack frame —
    carries the time and level of the line it continues)."""

    attachment = models.ForeignKey(
        "tickets.Attachment", on_delete=models.CASCADE, related_name="log_lines"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    offset = models.PositiveBigIntegerField(help_text="Byte offset of the line in the file.")
    time = models.DateTimeField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(choices=LogLevel.choices, default=LogLevel.UNKNOWN)
    message = models.TextField()
    flow_id = models.CharField(max_length=24, blank=True)
    step = models.CharField(max_length=64, blank=True)
    is_error = models.BooleanField(default=False)
    error_text = models.TextField(blank=True)

    class Meta:
        ordering = ["attachment", "number"]
        indexes = [
            models.Index(fields=["ticket", "time"], name="logs_line_ticket_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["attachment", "number"], name="logs_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.attachment_id}:{self.number}"
