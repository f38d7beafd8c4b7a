"""Input shape of the knowledge base's console forms (the services check the rest)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.kb.models import ArticleStatus, Audience, Category
from tierdesk.kb.services import ArticleDraft


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary (one line)"), max_length=300, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Audience.choices)
    partner = forms.ModelChoiceField(
        label=_("Partner (for a partner-specific article)"),
        queryset=Organisation.objects.filter(kind=OrgKind.PARTNER),
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    body = forms.CharField(
        label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 22}), max_length=100_000
    )
    note = forms.CharField(
        label=_("What changed (for the history)"), max_length=200, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, partner_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if partner_admin:
            # A partner admin writes for their own partner only: the service sets it.
            self.fields["audience"].choices = [(Audience.PARTNER, Audience.PARTNER.label)]
            del self.fields["partner"]

    def draft(self) -> ArticleDraft:
        data = self.cleaned_data
        partner = data.get("partner")
        category = data.get("category")
        return ArticleDraft(
            title=data["title"],
            body=data["body"],
            summary=data.get("summary") or "",
            audience=data["audience"],
            status=data["status"],
            category_id=category.pk if category else None,
            partner_id=partner.pk if partner else None,
        )
