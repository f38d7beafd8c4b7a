"""One form per action of the workflow table, and the conversation and reproduction
forms. Shape only: the gates say what is missing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.core.errors import InvalidInput, TransitionRefused
from tierdesk.tickets import ui_text
from tierdesk.tickets.forms.ticket import TALL, TEXTAREA, _choices


# ---------------------------------------------------------------------------------------
# One form per action of the workflow table
# ---------------------------------------------------------------------------------------
def minutes_field() -> forms.IntegerField:
    """Minutes spent, logged with the reply, note or action (`tickets.worklog`)."""
    return forms.IntegerField(
        label=_("Minutes spent"),
        required=False,
        min_value=1,
        max_value=1440,
        help_text=_("Logged at your level. Your organisation may require it."),
    )


class ActionForm(forms.Form):
    """Fields are optional on purpose: the gate says what is missing, as a checklist."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    minutes = minutes_field()

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "minutes")}

    def show_refusal(self, exc: InvalidInput | TransitionRefused) -> None:
        if isinstance(exc, TransitionRefused):
            for item in exc.missing:
                if item.code in self.fields:
                    self.add_error(item.code, ui_text.say(item.message))
        else:
            for name, reason in exc.fields.items():
                self.add_error(name if name in self.fields else None, reason)


class TakeForm(ActionForm):
    minutes = None  # taking is bookkeeping: no time asked


class HandOverForm(ActionForm):
    pass


class MessageActionForm(ActionForm):
    message = forms.CharField(label=_("Message to the customer"), required=False, widget=TALL)


class AskCustomerForm(MessageActionForm):
    message = forms.CharField(
        label=_("Question to the customer"),
        help_text=_("The customer reads this in the portal and by mail."),
        required=False,
        widget=TALL,
    )


class CustomerReplyForm(MessageActionForm):
    message = forms.CharField(label=_("The customer's answer"), required=False, widget=TALL)


def customer_message_field(initial=None) -> forms.CharField:
    """The one text of a move the customer reads (in the portal and by mail)."""
    return forms.CharField(
        label=_("Message to the customer"),
        help_text=_(
            "The customer reads this in the portal and by mail. Nothing else of this form "
            "reaches them."
        ),
        required=False,
        initial=initial,
        widget=TALL,
    )


VERIFIED_TEMPLATE = _(
    "The fix for your problem has been verified and is now in place. Please check that "
    "everything works as expected again; if it does not, reply to this message and we "
    "will reopen your ticket."
)


class ResolveForm(ActionForm):
    resolution = forms.CharField(
        label=_("Resolution notes (internal)"),
        help_text=_("What solved it, for support's record. The customer does not see this."),
        required=False,
        widget=TEXTAREA,
    )
    cause = forms.ChoiceField(
        label=_("Cause"), required=False, choices=_choices(ui_text.CAUSE, blank=_("Choose…"))
    )
    customer_message = customer_message_field()


class BounceForm(ActionForm):
    items = forms.MultipleChoiceField(
        label=_("Insufficient handover items"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    note = forms.CharField(label=_("What L1 needs to add"), required=False, widget=TEXTAREA)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        from tierdesk.tickets.workflow import HANDOVER_ITEMS

        self.fields["items"].choices = [(i.code, ui_text.say(i.title)) for i in HANDOVER_ITEMS]


class EscalateForm(ActionForm):
    override_reason = forms.CharField(
        label=_("Lead override: why escalate without a complete reproduction (audited)"),
        required=False,
        widget=TEXTAREA,
    )

    def __init__(self, *args, lead: bool = False, **kw):
        super().__init__(*args, **kw)
        if not lead:
            del self.fields["override_reason"]


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=TEXTAREA)


class DeliverFixForm(ActionForm):
    reference = forms.CharField(label=_("Hot-fix reference"), required=False, max_length=200)
    release = forms.CharField(label=_("Release"), required=False, max_length=100)
    notes = forms.CharField(label=_("What changed"), required=False, widget=TEXTAREA)


class VerifyFixForm(ActionForm):
    passed = forms.ChoiceField(
        label=_("Result against the reproduction"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("yes", _("Passed: resolve the ticket")), ("no", _("Failed: back to L3"))],
    )
    notes = forms.CharField(
        label=_("Verification notes (internal)"),
        help_text=_("For support and engineering. The customer does not see this."),
        required=False,
        widget=TEXTAREA,
    )
    customer_message = customer_message_field(initial=VERIFIED_TEMPLATE)

    def clean_passed(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("passed") or "")

    def payload(self) -> dict[str, Any]:
        """A failed fix tells the customer nothing: the prefilled message is not sent."""
        payload = super().payload()
        if payload.get("passed") is False:
            payload.pop("customer_message", None)
        return payload


class CloseForm(ActionForm):
    minutes = None  # closing is bookkeeping: no time asked
    confirmed = forms.BooleanField(label=_("The customer confirmed the solution"), required=False)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "take": TakeForm,
    "ask_customer": AskCustomerForm,
    "customer_reply": CustomerReplyForm,
    "resolve": ResolveForm,
    "hand_over": HandOverForm,
    "bounce": BounceForm,
    "escalate": EscalateForm,
    "return_to_l2": ReasonForm,
    "deliver_fix": DeliverFixForm,
    "verify_fix": VerifyFixForm,
    "reopen": ReasonForm,
    "close": CloseForm,
}


def action_form(action: str, *, lead: bool = False, data=None, prefix: str | None = None):
    cls = ACTION_FORMS[action]
    kwargs: dict[str, Any] = {"data": data, "prefix": prefix or action}
    if cls is EscalateForm:
        kwargs["lead"] = lead
    return cls(**kwargs)


# ---------------------------------------------------------------------------------------
# Conversation and reproduction
# ---------------------------------------------------------------------------------------
class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=TALL, help_text=_("Markdown is fine."))
    internal = forms.ChoiceField(
        label=_("Who reads it"),
        widget=forms.RadioSelect,
        choices=[
            ("no", _("Reply to the customer")),
            ("yes", _("Internal note (never shown to the customer)")),
        ],
        initial="yes",
    )
    minutes = minutes_field()

    def __init__(self, *args, customer: bool = False, **kw):
        super().__init__(*args, **kw)
        if customer:
            del self.fields["internal"]
            del self.fields["minutes"]

    def clean_internal(self) -> bool:
        return self.cleaned_data.get("internal") == "yes"


class ReproductionForm(forms.Form):
    reproduced = forms.BooleanField(label=_("Reproduced"), required=False)
    steps = forms.CharField(label=_("Verified steps"), required=False, widget=TALL)
    environment = forms.CharField(
        label=_("Environment (contract, workspace, flow, flow version)"),
        required=False,
        widget=TEXTAREA,
    )
    observed = forms.CharField(label=_("What was observed"), required=False, widget=TEXTAREA)
    analysis = forms.CharField(label=_("Analysis"), required=False, widget=TEXTAREA)
    evidence = forms.TypedMultipleChoiceField(
        label=_("Evidence from the ticket's attachments"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    evidence_log_lines = forms.CharField(
        label=_("Evidence: log lines"), required=False, widget=TEXTAREA
    )

    def __init__(self, *args, attachments=(), **kw):
        super().__init__(*args, **kw)
        self.fields["evidence"].choices = [
            (a.pk, f"{a.filename} ({ui_text.label('kind', a.kind)})") for a in attachments
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["evidence_attachment_ids"] = data.pop("evidence", [])
        return data
