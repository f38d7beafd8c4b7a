"""Input shape of the problem pages (business rules live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.problems.models import ProblemStatus


class ProblemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *ProblemStatus.choices],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class ProblemEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    public_summary = forms.CharField(
        label=_("Public summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Partners and customers read this."),
    )
    internal_analysis = forms.CharField(
        label=_("Internal analysis"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    workaround = forms.CharField(
        label=_("Workaround"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    workaround_public = forms.BooleanField(label=_("The workaround is public"), required=False)
    components = forms.CharField(
        label=_("Components"), required=False, help_text=_("Comma-separated.")
    )
    tracker_key = forms.CharField(label=_("Tracker issue"), required=False, max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def fields_payload(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["components"] = [c.strip() for c in data["components"].split(",") if c.strip()]
        return data


class LinkTicketForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)


class DeliverFixForm(forms.Form):
    reference = forms.CharField(label=_("Fix reference"), max_length=200)
    release = forms.CharField(label=_("Release"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Internal notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    customer_message = forms.CharField(
        label=_("What the customers read"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Verification"),
        choices=[("yes", _("Passed")), ("no", _("Failed"))],
        coerce=lambda v: v == "yes",
    )
    notes = forms.CharField(
        label=_("What still fails"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)
    customer_message = forms.CharField(
        label=_("What the customers read"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WorkaroundForm(forms.Form):
    ticket = forms.IntegerField(widget=forms.HiddenInput)
    customer_message = forms.CharField(
        label=_("What the customer reads"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReleaseForm(forms.Form):
    release = forms.CharField(label=_("Release"), max_length=100, required=False)
    customer_message = forms.CharField(
        label=_("What customers resolved with the workaround read"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into ticket number"), min_value=1)
    customer_message = forms.CharField(
        label=_("What this ticket's customer reads"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TicketLinkForm(forms.Form):
    other = forms.IntegerField(label=_("Ticket number"), min_value=1)
    kind = forms.ChoiceField(
        label=_("Link"), choices=[("relates", _("Relates to")), ("duplicates", _("Duplicates"))]
    )


class TrackerLinkForm(forms.Form):
    tracker = forms.TypedChoiceField(label=_("Tracker"), coerce=int, choices=())
    key = forms.CharField(
        label=_("Issue"),
        required=False,
        max_length=100,
        help_text=_("An existing issue (ENG-42, 42); leave it empty to create one."),
    )

    def __init__(self, *args, trackers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracker"].choices = [(t.pk, t.name) for t in trackers]


class TrackerRetryForm(forms.Form):
    call = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class EscalateForm(forms.Form):
    problem = forms.TypedChoiceField(
        label=_("Problem"), coerce=int, required=False, empty_value=None, choices=()
    )
    public_summary = forms.CharField(
        label=_("Public summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For a new problem: partners and customers read this (left empty: that our "
            "engineers are investigating)."
        ),
    )
    override_reason = forms.CharField(
        label=_("Override reason (support leads)"), required=False, max_length=2000
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].choices = [("", _("A new problem")), *problems]
