"""The shape of what the ticket pages send. Forms check shape only: whether a move may
happen, and what a handover or an escalation lacks, is for the workflow and the services
(the views show their refusals beside these fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.core.errors import InvalidInput, TransitionRefused
from tierdesk.tickets import ui_text
from tierdesk.tickets.fields import EDITABLE_FIELDS
from tierdesk.tickets.models import AttachmentKind
from tierdesk.tickets.sniff import is_image_type, is_text_type, sniff_content_type

TEXTAREA = forms.Textarea(attrs={"rows": 3})
TALL = forms.Textarea(attrs={"rows": 8, "class": "tall"})


def _choices(table: dict, blank: str | None = None) -> list[tuple[str, str]]:
    items = [(str(k), v) for k, v in table.items()]
    return [("", blank), *items] if blank is not None else items


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the viewer's time zone (<input type=datetime-local>)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


UPLOAD_KINDS = [
    ("auto", _("By content: images as screenshots, text as logs")),
    (AttachmentKind.LOG, _("Log (text file)")),
    (AttachmentKind.SCREENSHOT, _("Screenshot (image)")),
    (AttachmentKind.OTHER, _("Other")),
]


def guess_kind(head: bytes) -> str:
    """`auto` uploads: an image is a screenshot, text is a log, anything else other."""
    content_type = sniff_content_type(head)
    if is_image_type(content_type):
        return AttachmentKind.SCREENSHOT
    if is_text_type(content_type):
        return AttachmentKind.LOG
    return AttachmentKind.OTHER


class UploadFields(forms.Form):
    files = MultipleFileField(
        label=_("Logs and screenshots"),
        required=False,
        help_text=_(
            "Drop files here or choose them. Logs as text files downloaded from the "
            "platform (.log); screenshots with the address bar visible."
        ),
    )
    kind = forms.ChoiceField(label=_("What the files are"), choices=UPLOAD_KINDS, initial="auto")


class UploadForm(UploadFields):
    internal = forms.BooleanField(
        label=_("Internal (never shown to the customer)"), required=False, initial=True
    )


EDIT_FIELDS = (
    "title", "priority", "incident", "contract_id", "workspace_id", "flow_id", "flow_version",
    "no_flow_reason", "occurred_at", "occurred_until", "description", "expected_behaviour",
    "actual_behaviour", "pasted_log", "no_logs_reason", "steps_to_reproduce", "reproducibility",
    "context", "is_blocker", "blocker_impact", "needed_by", "check_connectivity",
    "check_credentials",
)  # fmt: skip


class TicketForm(UploadFields):
    """The L1 ticket form, in the order of the vendor's "what information to send"."""

    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ChoiceField(label=_("Customer"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=_choices(ui_text.PRIORITY), initial="normal"
    )
    incident = forms.BooleanField(label=_("Incident or major outage (24/7 clock)"), required=False)
    platform_url = forms.CharField(
        label=_("Platform URL"),
        required=False,
        max_length=2000,
        help_text=_("Paste the flow's address from the browser: it fills the three IDs."),
    )
    contract_id = forms.CharField(label=_("Contract ID"), required=False, max_length=64)
    workspace_id = forms.CharField(label=_("Workspace ID"), required=False, max_length=64)
    flow_id = forms.CharField(label=_("Flow ID"), required=False, max_length=64)
    flow_version = forms.CharField(label=_("Flow version"), required=False, max_length=40)
    no_flow_reason = forms.CharField(
        label=_("Not about one flow? Why"), required=False, widget=TEXTAREA
    )
    occurred_at = LocalDateTimeField(label=_("When it happened"), required=False)
    occurred_until = LocalDateTimeField(label=_("Until (for a window)"), required=False)
    description = forms.CharField(label=_("Description"), widget=TALL)
    expected_behaviour = forms.CharField(
        label=_("Expected behaviour"), required=False, widget=TEXTAREA
    )
    actual_behaviour = forms.CharField(label=_("Actual behaviour"), required=False, widget=TEXTAREA)
    pasted_log = forms.CharField(
        label=_("Pasted log lines"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    no_logs_reason = forms.CharField(label=_("No log? Why"), required=False, widget=TEXTAREA)
    steps_to_reproduce = forms.CharField(label=_("Steps to reproduce"), required=False, widget=TALL)
    reproducibility = forms.ChoiceField(
        label=_("How often it happens"),
        required=False,
        choices=_choices(ui_text.REPRODUCIBILITY, blank=_("Not known")),
    )
    context = forms.CharField(
        label=_("What the user was doing when it happened"), required=False, widget=TEXTAREA
    )
    is_blocker = forms.ChoiceField(
        label=_("Does it block the customer right now?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No")), ("", _("Not known yet"))],
    )
    blocker_impact = forms.CharField(
        label=_("How it blocks their work"), required=False, widget=TEXTAREA
    )
    needed_by = LocalDateTimeField(label=_("Latest acceptable time for a solution"), required=False)
    check_connectivity = forms.CharField(
        label=_("How connectivity was ruled out"), required=False, widget=TEXTAREA
    )
    check_credentials = forms.CharField(
        label=_("How credentials / login were ruled out"), required=False, widget=TEXTAREA
    )

    def __init__(self, *args, customers=None, staff: bool = True, creating: bool = True, **kw):
        super().__init__(*args, **kw)
        if creating and customers is not None:
            self.fields["customer"].choices = [("", _("No customer (recorded by support)"))] + [
                (email, f"{name or email} <{email}>") for email, name in customers
            ]
        else:
            del self.fields["customer"]
        if not staff:
            del self.fields["incident"]
        self.fields["kind"].required = False

    def clean_is_blocker(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("is_blocker") or "")

    def changes(self) -> dict[str, Any]:
        """The ticket fields as `ticket_create` / `ticket_update` take them."""
        data = {k: v for k, v in self.cleaned_data.items() if k in EDITABLE_FIELDS}
        url = (self.cleaned_data.get("platform_url") or "").strip()
        if url:
            data["platform_url"] = url
        return data

    def overrides(self) -> dict[str, Any]:
        """What is typed so far, for the live checklist: only the fields that parse."""
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if k in EDITABLE_FIELDS}

    def show_refusal(self, exc: InvalidInput | TransitionRefused) -> None:
        """Put the service's reasons beside the fields they name."""
        if isinstance(exc, InvalidInput):
            for name, reason in exc.fields.items():
                target = name if name in self.fields else None
                text = reason if target else f"{name}: {reason}"
                self.add_error(target, text)
        else:
            self.add_error(None, exc.message)
