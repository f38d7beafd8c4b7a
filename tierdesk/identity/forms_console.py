"""Console forms for webhooks and partners (shape only; the services check the values)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.notify.models import WebhookEvent

# The events' labels as the console shows them (the model's labels are the API's, English).
EVENT_LABELS = {
    WebhookEvent.TICKET_CREATED: _("Ticket created"),
    WebhookEvent.TICKET_HANDED_OVER: _("Ticket handed over to L2"),
    WebhookEvent.TICKET_BOUNCED: _("Handover bounced back to L1"),
    WebhookEvent.TICKET_ESCALATED: _("Ticket escalated to L3"),
    WebhookEvent.TICKET_FIX_DELIVERED: _("Fix delivered"),
    WebhookEvent.TICKET_RESOLVED: _("Ticket resolved"),
    WebhookEvent.TICKET_REOPENED: _("Ticket reopened"),
    WebhookEvent.MESSAGE_CREATED: _("Public message added"),
    WebhookEvent.SLA_AT_RISK: _("SLA at risk"),
    WebhookEvent.SLA_BREACHED: _("SLA breached"),
    WebhookEvent.PROBLEM_TICKET_LINKED: _("Ticket linked to a problem"),
    WebhookEvent.PROBLEM_UPDATED: _("Problem changed"),
    WebhookEvent.PROBLEM_FIX_DELIVERED: _("Problem fix delivered"),
    WebhookEvent.PROBLEM_RELEASED: _("Problem fix released"),
    WebhookEvent.PROBLEM_CLOSED: _("Problem closed"),
}


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver URL"),
        max_length=2000,
        help_text=_("An http(s) address on the internet that accepts our POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(value, EVENT_LABELS.get(value, label)) for value, label in WebhookEvent.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to receive every event."),
        required=False,
    )

    def clean_events(self) -> list[str] | None:
        return self.cleaned_data.get("events") or None


class PartnerForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("Unique; used by the CLI and imports.")
    )
    display_name = forms.CharField(label=_("Name shown"), max_length=120, required=False)
    sender_name = forms.CharField(label=_("Sender name"), max_length=120, required=False)
    primary_colour = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        initial="#1f4e79",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    accent_colour = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        initial="#f2a900",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    ticket_tag = forms.CharField(
        label=_("Ticket tag"),
        max_length=12,
        required=False,
        help_text=_("Prefix of ticket numbers in this partner's mail."),
    )


class FirstAdminForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
