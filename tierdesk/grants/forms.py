from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.portal.forms import _datetime


class GrantForm(forms.Form):
    workspace_id = forms.CharField(
        label=_("Workspace ID"),
        max_length=24,
        help_text=_("The workspace you opened to support on the platform."),
    )
    until = _datetime(_("Access granted until"), required=True)
