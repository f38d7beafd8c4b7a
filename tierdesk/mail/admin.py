"""Admin for mail: the outbound queue and the inbound log (read-only), held mail
(quarantine and triage) with the actions that process it again, mailboxes, profiles and
opt-outs. Held mail is processed through `mail.services`, as the signed-in admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat, truncatechars

from tierdesk.core.actor import actor_for
from tierdesk.core.admin import ReadOnlyAdmin
from tierdesk.core.errors import DomainError
from tierdesk.mail import services
from tierdesk.mail.inbound import TemporaryFailure
from tierdesk.mail.models import (
    HeldMail,
    HeldReason,
    InboundMessage,
    Mailbox,
    MailOptOut,
    MailProfile,
    OutboundMail,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "address", "host", "port", "active", "last_fetch_at")
    list_filter = ("active", "organisation")
    readonly_fields = ("uidvalidity", "last_uid", "last_fetch_at", "last_error")
    fields = (
        "name",
        "organisation",
        "address",
        ("host", "port", "use_ssl", "starttls"),
        ("username", "password"),
        ("folder", "processed_folder"),
        "active",
        *readonly_fields,
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        from django import forms

        # The password is written, never shown back.
        form.base_fields["password"].widget = forms.PasswordInput(render_value=True)
        return form


@admin.register(MailProfile)
class MailProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "reply_to")


@admin.register(MailOptOut)
class MailOptOutAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "created_at")
    search_fields = ("email",)


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "kind",
        "to_email",
        "subject_short",
        "status",
        "reason",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "kind", "auto_reply")
    search_fields = ("to_email", "subject", "message_id", "last_error", "suppressed_reason")
    list_select_related = ()
    exclude = ("ticket", "recipient")

    @admin.display(description="subject")
    def subject_short(self, obj: OutboundMail) -> str:
        return truncatechars(obj.subject, 60)

    @admin.display(description="reason")
    def reason(self, obj: OutboundMail) -> str:
        """Why it failed (the last error) or was not sent."""
        return truncatechars(obj.suppressed_reason or obj.last_error, 120)


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("pk", "received_at", "from_email", "subject", "outcome", "verified", "source")
    list_filter = ("outcome", "verified")
    search_fields = ("from_email", "subject", "message_id")
    exclude = ("ticket",)


def _run(modeladmin, request, queryset, call, done: str) -> None:
    actor = actor_for(request.user)
    for held in queryset.order_by("pk"):
        try:
            result = call(actor, held)
        except (DomainError, TemporaryFailure) as exc:
            text = getattr(exc, "message", str(exc))
            modeladmin.message_user(request, f"Held mail {held.pk}: {text}", messages.ERROR)
            continue
        number = f", ticket {result.ticket_number}" if result.ticket_number else ""
        level = messages.WARNING if result.outcome == "held" else messages.SUCCESS
        modeladmin.message_user(
            request, f"Held mail {held.pk} {done}: {result.outcome}{number}", level
        )


@admin.action(description="Process again")
def process_again(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        lambda actor, held: services.held_reprocess(actor=actor, held_id=held.pk),
        "processed",
    )


@admin.action(description="Register the sender as a customer and open the ticket")
def register_sender(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset.filter(reason=HeldReason.UNKNOWN_SENDER),
        lambda actor, held: services.held_register_sender(actor=actor, held_id=held.pk),
        "turned into a ticket",
    )


@admin.action(description="Accept the sender as genuine and process again")
def accept_sender(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset.filter(reason=HeldReason.UNVERIFIED),
        lambda actor, held: services.held_accept_sender(actor=actor, held_id=held.pk),
        "accepted and processed",
    )


@admin.action(description="Discard (no ticket: spam, or nobody needs it)")
def discard(modeladmin, request, queryset):
    actor = actor_for(request.user)
    for held in queryset.filter(resolved_at__isnull=True).order_by("pk"):
        try:
            services.held_discard(
                actor=actor, held_id=held.pk, reason=f"by {request.user} in the admin"
            )
        except DomainError as exc:
            modeladmin.message_user(request, f"Held mail {held.pk}: {exc.message}", messages.ERROR)
            continue
        modeladmin.message_user(request, f"Held mail {held.pk} discarded.", messages.SUCCESS)


@admin.register(HeldMail)
class HeldMailAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "reason", "from_email", "subject", "open", "attempts")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter), "organisation")
    search_fields = ("from_email", "subject", "detail")
    exclude = ("raw",)
    readonly_fields = ("raw_size", "raw_text")
    actions = (process_again, register_sender, accept_sender, discard)

    @admin.display(boolean=True)
    def open(self, obj: HeldMail) -> bool:
        return obj.resolved_at is None

    @admin.display(description="size")
    def raw_size(self, obj: HeldMail) -> str:
        return filesizeformat(obj.size)

    @admin.display(description="the mail as it came (first 20,000 characters)")
    def raw_text(self, obj: HeldMail) -> str:
        return bytes(obj.raw[:20000]).decode("utf-8", "replace")
