"""The queue filters (GET)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.tickets import ui_text
from tierdesk.tickets.forms.ticket import _choices
from tierdesk.tickets.ordering import DEFAULT, ORDERS


# ---------------------------------------------------------------------------------------
# Queue filters
# ---------------------------------------------------------------------------------------
class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title, ID…")}),
    )
    partner = forms.TypedChoiceField(
        label=_("Partner"), required=False, coerce=int, empty_value=None
    )
    contract = forms.CharField(label=_("Contract ID"), required=False, max_length=24)
    flow = forms.CharField(label=_("Flow ID"), required=False, max_length=24)
    blocker = forms.ChoiceField(
        label=_("Blocker"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Blocker")), ("no", _("Not a blocker"))],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_choices(ui_text.PRIORITY, blank=_("Any"))
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(ui_text.STATUS, blank=_("Any"))
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_choices(ui_text.LEVEL, blank=_("Any")),
    )

    order = forms.ChoiceField(
        label=_("Order"), required=False, choices=[("", ORDERS[DEFAULT]), *list(ORDERS.items())[1:]]
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        if partners:
            self.fields["partner"].choices = [("", _("Any")), *partners]
        else:
            del self.fields["partner"]

    def filters(self):
        from tierdesk.tickets.selectors import QueueFilters

        data = self.cleaned_data
        return QueueFilters(
            partner=data.get("partner"),
            contract=data.get("contract") or "",
            flow=data.get("flow") or "",
            blocker={"yes": True, "no": False}.get(data.get("blocker") or ""),
            priority=data.get("priority") or "",
            status=data.get("status") or "",
            level=data.get("level"),
            q=data.get("q") or "",
            order=data.get("order") or DEFAULT,
        )
