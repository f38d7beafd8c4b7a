"""The queue's bulk form: which tickets (each with the version the list showed) and what
to do to them. Shape only: each ticket's service decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import User
from tierdesk.core.actor import Actor
from tierdesk.tickets import assignees, ui_text
from tierdesk.tickets.forms.actions import minutes_field
from tierdesk.tickets.forms.ticket import TEXTAREA, _choices
from tierdesk.tickets.services.bulk import BULK_MAX, BulkAction, BulkItem

UNASSIGN = "none"
ACTION_LABELS = {
    BulkAction.TAKE: _("Take"),
    BulkAction.ASSIGN: _("Assign"),
    BulkAction.PRIORITY: _("Change priority"),
    BulkAction.NOTE: _("Add an internal note"),
    BulkAction.CLOSE: _("Close"),
}


def _assignee_choices(actor: Actor) -> list[tuple[str, str]]:
    """The people the actor may assign to: a lead L2 and L3, a partner admin their L1."""
    if actor.is_lead:
        roles = (*assignees.ROLES_OF_LEVEL[2], *assignees.ROLES_OF_LEVEL[3])
        people = list(
            User.objects.filter(is_active=True, membership__role__in=roles).order_by(
                "full_name", "email"
            )
        )
    elif actor.role == "partner_admin":
        people = list(assignees.people_of_level(1, partner_id=actor.org_id))
    else:
        return []
    return [(UNASSIGN, _("Nobody (back to the queue)"))] + [
        (str(p.pk), p.full_name or p.email) for p in people
    ]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("With the selected tickets"))
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_choices(ui_text.PRIORITY, blank="—")
    )
    body = forms.CharField(label=_("Internal note"), required=False, widget=TEXTAREA)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    minutes = minutes_field()
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        people = _assignee_choices(actor)
        actions = [(a, label) for a, label in ACTION_LABELS.items()]
        if people:
            self.fields["assignee"].choices = [("", "—"), *people]
        else:
            del self.fields["assignee"], self.fields["reason"]
            actions = [(a, label) for a, label in actions if a != BulkAction.ASSIGN]
        self.fields["action"].choices = actions

    def _items(self) -> list[BulkItem]:
        """The checked rows, each "id:version" (the version the list showed)."""
        items = []
        for raw in self.data.getlist("tickets"):
            pk, _sep, version = str(raw).partition(":")
            if not (pk.isascii() and pk.isdigit()) or not (version.isascii() and version.isdigit()):
                raise forms.ValidationError(_("A selected ticket is not one of the list."))
            items.append(BulkItem(int(pk), int(version)))
        if not items:
            raise forms.ValidationError(_("Select at least one ticket."))
        if len(items) > BULK_MAX:
            message = _("Select at most %(n)s tickets at once.")
            raise forms.ValidationError(message % {"n": BULK_MAX})
        if len({i.ticket_id for i in items}) != len(items):
            raise forms.ValidationError(_("A ticket is selected twice."))
        return items

    def clean(self):
        data = super().clean()
        try:
            data["tickets"] = self._items()
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        if data.get("action") == BulkAction.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose who gets the tickets."))
        return data

    def assignee_id(self) -> int | None:
        value = self.cleaned_data.get("assignee") or UNASSIGN
        return None if value == UNASSIGN else int(value)
