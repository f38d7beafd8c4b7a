"""Chats, their stored messages (one sequence per chat, so a client can resume after the
last message it saw), their files, and agents' availability."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tierdesk.core.models import TimeStamped


class ChatStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class ChatOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved in the chat"
    TICKET = "ticket", "Turned into a ticket"
    HANDED_OVER = "handed_over", "Turned into a ticket and handed over"
    NO_AGENT = "no_agent", "Nobody available: turned into a ticket"
    LEFT = "left", "The customer left"
    TIMED_OUT = "timed_out", "Nobody answered in time: turned into a ticket"


class MessageKind(models.TextChoices):
    TEXT = "text", "Message"
    NOTE = "note", "Agent-only note"
    FILE = "file", "File"
    SYSTEM = "system", "Event"
    ARTICLE = "article", "Knowledge-base article"


class Chat(TimeStamped):
    """One conversation of a customer with L1. `partner` is the customer's organisation
    (a partner, or the vendor for its direct customers): its L1 agents answer."""

    partner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="chats"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chats"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chats_answered",
    )
    helpers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="chats_helped"
    )
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING)
    outcome = models.CharField(max_length=12, choices=ChatOutcome.choices, blank=True)
    topic = models.CharField(max_length=200, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Measured for the reports: seconds from start to acceptance (the customer's wait,
    # counted against the L1 first-response promise when the chat becomes a ticket).
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the agent typed into the handover draft; extracted values fill the rest.
    draft = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.status})"


class ChatMessage(models.Model):
    """Stored before it is sent: `seq` is 1, 2, 3… within the chat, without gaps."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chat", "seq"], name="chat_message_seq_unique")
        ]
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.chat_id}#{self.seq}"

    @property
    def internal(self) -> bool:
        return self.kind == MessageKind.NOTE


def _storage():
    from tierdesk.tickets.models import attachment_storage

    return attachment_storage


def chat_file_path(instance: ChatFile, filename: str) -> str:
    return f"chats/{instance.chat_id}/{instance.sha256[:2]}/{instance.sha256}"


class ChatFile(models.Model):
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="files")
    message = models.OneToOneField(ChatMessage, on_delete=models.CASCADE, related_name="file")
    kind = models.CharField(max_length=12)
    file = models.FileField(storage=_storage, upload_to=chat_file_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.filename


class AgentPresence(models.Model):
    """Whether an L1 agent takes chats now, and how many at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    available = models.BooleanField(default=False)
    max_chats = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: {'available' if self.available else 'away'}"


class WidgetSettings(models.Model):
    """Where an organisation embeds the chat widget: the origins allowed to frame it."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="chat_widget"
    )
    origins = models.TextField(
        blank=True,
        help_text="One origin a line, e.g. https://www.partner.example (scheme and host).",
    )

    def __str__(self) -> str:
        return f"widget of {self.organisation_id}"

    @classmethod
    def origins_of(cls, org_id: int) -> list[str]:
        row = cls.objects.filter(organisation_id=org_id).first()
        if row is None:
            return []
        return [o for o in row.clean_origins() if o]

    def clean_origins(self) -> list[str]:
        import re

        pattern = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")
        return [line.strip() for line in self.origins.splitlines() if pattern.match(line.strip())]
