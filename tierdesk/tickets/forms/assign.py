"""The assign control of the ticket page: a person of the ticket's level (or nobody) and
a reason. Shape only: `services.ticket_assign` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.tickets.forms.ticket import TEXTAREA


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=TEXTAREA)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Nobody (back to the queue)"))]
        choices += [(p.pk, p.full_name or p.email) for p in people]
        self.fields["assignee"].choices = choices
