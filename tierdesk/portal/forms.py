"""The portal's input shapes. They check shape only; what a ticket needs, who may act and
in which state are the services' and the workflow's to decide.

The reporting form asks the customer for their part of the handover items (DESIGN.md §1),
in the customer's words; the help texts say how to find each. The L1 checks are L1's job
and are not asked here.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.tickets.models import Reproducibility

LOG_ACCEPT = ".log,.txt,.json,.jsonl,.ndjson,.csv,.xml,text/plain,application/json"
IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one `<input type=file multiple>`."""

    def __init__(self, *args, accept: str = "", **kwargs):
        kwargs.setdefault("required", False)
        attrs = {"accept": accept} if accept else {}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class LocalDateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker; the value is read in the person's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _text(label, help_text="", *, rows=4, required=False, max_length=None):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=max_length,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _datetime(label, help_text="", required=False):
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=required,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


BLOCKER_CHOICES = (("", _("Not answered")), ("yes", _("Yes")), ("no", _("No")))


class ReportForm(forms.Form):
    """A customer reports a problem."""

    title = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line: what does not work? e.g. “Orders sync fails with 401”."),
    )
    platform_url = forms.CharField(
        label=_("Flow address (URL)"),
        required=False,
        max_length=2000,
        help_text=_(
            "Open the flow on the platform and copy the address from your browser's address "
            "bar. It fills in the contract, workspace and flow IDs below."
        ),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    contract_id = forms.CharField(label=_("Contract ID"), required=False, max_length=100)
    workspace_id = forms.CharField(label=_("Workspace ID"), required=False, max_length=100)
    flow_id = forms.CharField(label=_("Flow ID"), required=False, max_length=100)
    description = _text(
        _("What happened?"),
        _("Describe the problem in your own words: which flow, which records, which step."),
        rows=5,
        required=True,
    )
    expected_behaviour = _text(_("What did you expect to happen?"), rows=3)
    actual_behaviour = _text(
        _("What happened instead?"), _("Error messages word for word help most."), rows=3
    )
    occurred_at = _datetime(
        _("When did it happen?"),
        _("Date and time in your time zone; support finds the events in the logs by it."),
    )
    occurred_until = _datetime(
        _("Until (if it went on for a while)"), _("Leave empty for a single moment.")
    )
    reproducibility = forms.ChoiceField(
        label=_("How often does it happen?"),
        required=False,
        choices=(("", _("Not sure")), *Reproducibility.choices),
    )
    steps_to_reproduce = _text(
        _("Steps to make it happen again"),
        _("Numbered steps, if you can make it happen at will."),
    )
    context = _text(
        _("What were you doing when it happened?"),
        _("If it cannot be made to happen at will: what you or the flow were doing."),
        rows=3,
    )
    is_blocker = forms.TypedChoiceField(
        label=_("Does this block your work right now?"),
        required=False,
        choices=BLOCKER_CHOICES,
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        widget=forms.RadioSelect,
    )
    blocker_impact = _text(
        _("How does it block your work?"),
        _("e.g. “No orders reach our ERP; the warehouse cannot ship.”"),
        rows=2,
    )
    needed_by = _datetime(
        _("By when do you need a solution at the latest?"),
        _("The latest time that is still acceptable for you."),
    )
    logs = MultipleFileField(
        label=_("Log files"),
        accept=LOG_ACCEPT,
        help_text=_(
            "Download the execution's log from the platform (.log) and attach it. Please do "
            "not send screenshots of logs: support cannot search them."
        ),
    )
    screenshots = MultipleFileField(
        label=_("Screenshots"),
        accept=IMAGE_ACCEPT,
        help_text=_("Of the problem, with the browser's address bar visible."),
    )

    # The ticket fields this form fills (the files are attached separately).
    TICKET_FIELDS = (
        "title",
        "platform_url",
        "contract_id",
        "workspace_id",
        "flow_id",
        "description",
        "expected_behaviour",
        "actual_behaviour",
        "occurred_at",
        "occurred_until",
        "reproducibility",
        "steps_to_reproduce",
        "context",
        "is_blocker",
        "blocker_impact",
        "needed_by",
    )

    def ticket_data(self) -> dict:
        """The values for `ticket_create`, leaving out what was not given."""
        data = {}
        for name in self.TICKET_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            data[name] = value
        return data


class ReplyForm(forms.Form):
    body = _text(_("Your reply"), rows=5, required=True)
    logs = MultipleFileField(label=_("Attach log files"), accept=LOG_ACCEPT)
    screenshots = MultipleFileField(label=_("Attach screenshots"), accept=IMAGE_ACCEPT)


class ReopenForm(forms.Form):
    reason = _text(_("What is still not working?"), rows=3, required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
