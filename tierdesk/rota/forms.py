"""The rota page's forms: shape only; `services` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AvailabilityForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    available = forms.BooleanField(label=_("Available for new tickets"), required=False)
    out_of_office = forms.BooleanField(
        label=_("Out of office (hands open tickets back to the queue)"), required=False
    )


class QueueRuleForm(forms.Form):
    level = forms.IntegerField(widget=forms.HiddenInput)
    organisation = forms.IntegerField(widget=forms.HiddenInput, required=False)
    auto_assign = forms.BooleanField(label=_("Assign new tickets by round robin"), required=False)
    cap = forms.IntegerField(label=_("Open tickets per agent at most"), min_value=1, max_value=1000)
