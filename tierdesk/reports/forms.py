"""The period and partner of a report page (a GET form), and the export format."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.core import clock
from tierdesk.reports.sql import MAX_DAYS, Period

DEFAULT_DAYS = 28


def default_period() -> Period:
    today = clock.now().astimezone().date()
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    partner = forms.TypedChoiceField(
        label=_("Partner"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, partners=()):
        data = data.copy() if data is not None else None
        if data is not None:
            # the query names of the API and the links: ?from=&to=
            for short, name in (("from", "start"), ("to", "end")):
                if short in data and name not in data:
                    data[name] = data[short]
        super().__init__(data)
        self.fields["partner"].choices = [("", _("All partners")), *partners]
        if not partners:
            del self.fields["partner"]

    def clean(self):
        data = super().clean()
        fallback = default_period()
        start, end = data.get("start") or fallback.start, data.get("end") or fallback.end
        if end < start:
            self.add_error("end", _("The end is before the start."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", _("A period has at most %(n)s days.") % {"n": MAX_DAYS})
        else:
            data["period"] = Period(start, end)
        return data
