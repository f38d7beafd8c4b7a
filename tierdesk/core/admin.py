"""What every Tierdesk admin page shares.

The admin is for vendor admins (`is_staff`, which `user_create` sets for the admin role).
Where a service owns a write, the admin calls that service instead of saving the model:
the form asks the service first in a rolled-back transaction (a dry run), so its refusal
appears next to the fields with the input kept, and `save_model` then makes the real call.
A refusal that still happens at save time (someone else changed the row in between) rolls
the whole request back and is shown as an error message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect

from tierdesk.core.errors import DomainError


class _Rollback(Exception):
    pass


def dry_run(call: Callable[[], object]) -> DomainError | None:
    """Run a service and undo whatever it wrote; return its refusal, or None."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return None
    except DomainError as exc:
        return exc


def refusal_text(exc: DomainError) -> str:
    details = [f"{name}: {reason}" for name, reason in (getattr(exc, "fields", {}) or {}).items()]
    details += [m.message for m in getattr(exc, "missing", []) or []]
    return exc.message if not details else f"{exc.message} ({'; '.join(details)})"


def add_refusal(
    form: forms.BaseForm, exc: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal on the form: each named field on its form field (through
    `field_map` where the names differ), everything else on the form itself."""
    field_map = field_map or {}
    fields = getattr(exc, "fields", None) or {}
    placed = False
    for name, reason in fields.items():
        target = field_map.get(name, name)
        if target in form.fields:
            form.add_error(target, reason)
            placed = True
        else:
            form.add_error(None, f"{name}: {reason}")
            placed = True
    if not placed:
        form.add_error(None, refusal_text(exc))


class ServiceAdmin(admin.ModelAdmin):
    """A model admin whose saves go through services: a late refusal becomes a message."""

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # changeform_view's transaction was rolled back: nothing is half-written.
            self.message_user(request, refusal_text(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records only services write (events, handovers, reproductions, fixes): viewable,
    never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
