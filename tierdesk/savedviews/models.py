from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A queue (`queue`, a key of `tickets.selectors.QUEUES`) with its filters and order
    (`filters`: the queue form's GET parameters, as text) under a name. Personal, or with
    `shared` visible to the owner's team: the same `organisation` and `level`."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    shared = models.BooleanField(default=False)
    name = models.CharField(max_length=80)
    queue = models.CharField(max_length=40)
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organisation", "level", "shared"], name="view_team")]

    def __str__(self) -> str:
        return self.name
