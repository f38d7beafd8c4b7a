"""The macro and signature forms of the console (shape only; the service checks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.macros.models import MacroAction, Scope
from tierdesk.tickets.models import Priority, ResolutionCause

TALL = forms.Textarea(attrs={"rows": 8})


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Who uses it"), choices=Scope.choices)
    body = forms.CharField(
        label=_("Reply"),
        required=False,
        widget=TALL,
        help_text=_("Markdown. Placeholders are filled for the ticket when the macro is used."),
    )
    set_priority = forms.ChoiceField(
        label=_("Set the priority"),
        required=False,
        choices=[("", _("leave as it is")), *Priority.choices],
    )
    action = forms.ChoiceField(label=_("Then"), required=False, choices=MacroAction.choices)
    resolution = forms.CharField(
        label=_("Resolution notes (internal, for resolve)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cause = forms.ChoiceField(
        label=_("Cause (for resolve)"),
        required=False,
        choices=[("", "—"), *ResolutionCause.choices],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, scopes: list[str] | None = None, **kw):
        super().__init__(*args, **kw)
        if scopes is not None:
            self.fields["scope"].choices = [c for c in Scope.choices if c[0] in scopes]


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label=_("Your signature"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Appended to your public replies (you can leave it off for one reply)."),
    )
