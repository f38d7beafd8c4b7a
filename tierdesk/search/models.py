"""One search document per ticket, and the error signatures of its logs. Written only
by `services.document_refresh`.

The text lives in plain columns; the database indexes it on its own terms (migration
0001): PostgreSQL keeps two generated `tsvector` columns (`public_tsv`: what a customer
may see; `staff_tsv`: that and the internal text) with GIN indexes, and a trigram index
on `ids`; SQLite keeps an FTS5 table (`search_fts`) in step by triggers."""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Denormalised for the filters (`status:`, `level:`…) and for the access rule restated
    # on the document (`selectors.document_scope`); kept by the same refresh.
    partner_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20)
    level = models.PositiveSmallIntegerField()
    flow_id = models.CharField(max_length=24, blank=True)
    max_log_level = models.PositiveSmallIntegerField(default=0)
    title = models.TextField()
    public_body = models.TextField(blank=True, help_text="What the ticket's customer may see.")
    staff_body = models.TextField(blank=True, help_text="Internal notes and internal logs.")
    ids = models.TextField(
        blank=True, help_text="References in every prefix, platform IDs, names, addresses."
    )
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            # A partner's (or a customer's) documents, newest first, on one index: the
            # restriction and the walk for a common word's newest matches together.
            # (It replaces the index on the partner alone, dropped by name in migration
            # 0002: altering the column would rebuild the table on SQLite and lose the
            # triggers that keep its FTS5 index.)
            models.Index(fields=["partner_id", "ticket"], name="search_doc_partner"),
            models.Index(fields=["customer_id", "ticket"], name="search_doc_customer"),
        ]

    def __str__(self) -> str:
        return f"search document of {self.ticket_id}"


class ErrorSignature(models.Model):
    """One distinct error of a ticket's logs (or pasted log), normalised."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=40, db_index=True)
    text = models.CharField(max_length=300)
    occurrences = models.PositiveIntegerField(default=1)
    public = models.BooleanField(
        default=False, help_text="Seen in something the customer may see (a public log)."
    )

    class Meta:
        ordering = ["ticket", "-occurrences"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "signature", "public"], name="search_signature_once"
            )
        ]

    def __str__(self) -> str:
        return self.text
