"""The console's problem pages: L3's problems queue, the problem page (its tickets grouped
by partner, the tracker status, the loop's actions), the ticket page's problem block posts
(link, merge) and the known open problems offered while writing a ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import DomainError
from tierdesk.core.htmx import redirect, render_page
from tierdesk.problems import forms, selectors, services
from tierdesk.problems.access import get_problem, sees_internals
from tierdesk.problems.models import OPEN_PROBLEM_STATUSES, Problem
from tierdesk.tickets.access import get_ticket_by_number
from tierdesk.tickets.views.common import actor_or_403, refuse

PAGE = "problems/problem_detail.html"


def _problem_or_404(actor, pk: int) -> Problem:
    try:
        return get_problem(actor, pk)
    except DomainError as exc:
        refuse(exc)
        raise


@login_required
@require_GET
def problem_queue(request: HttpRequest) -> HttpResponse:
    """Open problems first (L3's work); partners see that they exist and their summary."""
    actor = actor_or_403(request)
    if actor.is_customer:
        raise PermissionDenied("The problems queue is for staff.")
    form = forms.ProblemFilterForm(request.GET or None)
    status, q = "", ""
    if form.is_valid():
        status, q = form.cleaned_data["status"], form.cleaned_data["q"]
    rows = selectors.problem_queue(actor, status=None if status in ("", "all") else status, q=q)
    if status == "":
        rows = rows.filter(status__in=OPEN_PROBLEM_STATUSES)
    context = {
        "form": form,
        "problems": [selectors.problem_view(actor, p) for p in rows[:100]],
        "internal": sees_internals(actor),
    }
    return render_page(request, "problems/queue.html", "problems/_queue_rows.html", context)


def _context(actor, problem: Problem) -> dict:
    internal = sees_internals(actor)
    detail = selectors.problem_detail(actor, problem)
    return {
        "problem": detail,
        "internal": internal,
        "events": list(problem.events.select_related("actor").order_by("-created_at")[:50])
        if internal
        else [],
        "edit_form": forms.ProblemEditForm(
            initial={
                "title": problem.title,
                "public_summary": problem.public_summary,
                "internal_analysis": problem.internal_analysis,
                "workaround": problem.workaround,
                "workaround_public": problem.workaround_public,
                "components": ", ".join(problem.components),
                "tracker_key": problem.tracker_key,
                "version": problem.version,
            }
        )
        if internal
        else None,
        "link_form": forms.LinkTicketForm(),
        "deliver_form": forms.DeliverFixForm(),
        "verify_form": forms.VerifyForm(),
        "workaround_form": forms.WorkaroundForm(),
        "release_form": forms.ReleaseForm(),
        "tracker_form": forms.TrackerLinkForm(trackers=_trackers(actor)) if internal else None,
    }


def _trackers(actor):
    return list(selectors.active_trackers(actor)) if sees_internals(actor) else []


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_or_403(request)
    problem = _problem_or_404(actor, pk)
    return render(request, PAGE, _context(actor, problem))


ACTIONS = {
    "edit": forms.ProblemEditForm,
    "link": forms.LinkTicketForm,
    "start_fix": None,
    "deliver_fix": forms.DeliverFixForm,
    "verify_fix": forms.VerifyForm,
    "apply_workaround": forms.WorkaroundForm,
    "release": forms.ReleaseForm,
    "close": None,
    "tracker": forms.TrackerLinkForm,
    "retry_tracker": forms.TrackerRetryForm,
}


def _run(actor, problem: Problem, action: str, data: dict) -> None:
    pk = problem.pk
    if action == "edit":
        services.problem_update(
            actor=actor, problem_id=pk, fields=data["fields"], version=data.get("version")
        )
    elif action == "link":
        ticket = get_ticket_by_number(actor, data["number"])
        services.problem_link_ticket(actor=actor, problem_id=pk, ticket_id=ticket.pk)
    elif action == "start_fix":
        services.problem_start_fix(actor=actor, problem_id=pk)
    elif action == "deliver_fix":
        services.problem_deliver_fix(actor=actor, problem_id=pk, **data)
    elif action == "verify_fix":
        ticket = data.pop("ticket")
        services.problem_verify_fix(
            actor=actor, problem_id=pk, ticket_ids=[ticket] if ticket else None, **data
        )
    elif action == "apply_workaround":
        services.problem_apply_workaround(
            actor=actor,
            problem_id=pk,
            ticket_id=data["ticket"],
            customer_message=data["customer_message"],
        )
    elif action == "release":
        services.problem_release(actor=actor, problem_id=pk, **data)
    elif action == "close":
        services.problem_close(actor=actor, problem_id=pk)
    elif action == "tracker":
        services.problem_tracker_attach(
            actor=actor, problem_id=pk, tracker_id=data["tracker"], key=data["key"]
        )
    elif action == "retry_tracker":
        services.tracker_call_retry(actor=actor, problem_id=pk, call_id=data["call"])


@login_required
@require_POST
def problem_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action of the problem page; a refusal shows the page with its reason and
    status (422 with the fields, 409, …)."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    actor = actor_or_403(request)
    problem = _problem_or_404(actor, pk)
    form_class = ACTIONS[action]
    if form_class is forms.TrackerLinkForm:
        form = form_class(request.POST, trackers=_trackers(actor))
    else:
        form = form_class(request.POST) if form_class else None
    context = _context(actor, problem)
    if form is not None and not form.is_valid():
        return render(request, PAGE, {**context, "invalid": form}, status=422)
    data = dict(form.cleaned_data) if form is not None else {}
    if action == "edit":
        data = {"fields": form.fields_payload(), "version": data.get("version")}
    try:
        _run(actor, problem, action, data)
    except DomainError as exc:
        refuse(exc)
        refusal = {**context, "refusal": exc, "missing": getattr(exc, "missing", [])}
        return render(request, PAGE, refusal, status=exc.status)
    messages.success(request, _("Done."))
    return redirect(request, reverse("problem-detail", args=[pk]))


def _ticket_back(request: HttpRequest, number: int) -> HttpResponse:
    return redirect(request, reverse("ticket-detail", args=[number]) + "#problem")


@login_required
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    form = forms.TicketLinkForm(request.POST)
    try:
        ticket = get_ticket_by_number(actor, number)
        if not form.is_valid():
            messages.error(request, _("Name a ticket number and a kind of link."))
            return _ticket_back(request, number)
        other = get_ticket_by_number(actor, form.cleaned_data["other"])
        services.ticket_link_create(
            actor=actor, ticket_id=ticket.pk, other_id=other.pk, kind=form.cleaned_data["kind"]
        )
    except DomainError as exc:
        refuse(exc)
        messages.error(request, exc.message)
        return _ticket_back(request, number)
    messages.success(request, _("Linked."))
    return _ticket_back(request, number)


@login_required
@require_POST
def ticket_merge(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    form = forms.MergeForm(request.POST)
    try:
        ticket = get_ticket_by_number(actor, number)
        if not form.is_valid():
            messages.error(request, _("Name the ticket number to merge into."))
            return _ticket_back(request, number)
        original = get_ticket_by_number(actor, form.cleaned_data["into"])
        services.ticket_merge_into(
            actor=actor,
            ticket_id=ticket.pk,
            into_id=original.pk,
            customer_message=form.cleaned_data["customer_message"],
        )
    except DomainError as exc:
        refuse(exc)
        messages.error(request, exc.message)
        return _ticket_back(request, number)
    messages.success(request, _("Merged."))
    return _ticket_back(request, number)


def open_problem_choices(actor) -> list[tuple[int, str]]:
    rows = selectors.problem_queue(actor).filter(status__in=OPEN_PROBLEM_STATUSES)[:50]
    return [(p.pk, f"{p.reference} {p.title}") for p in rows]


@login_required
@require_POST
def ticket_escalate(request: HttpRequest, number: int) -> HttpResponse:
    """L2 escalates the ticket to L3 onto a problem (named, or a new one); a refusal
    comes back as a message on the ticket page with the gate's missing items."""
    actor = actor_or_403(request)
    form = forms.EscalateForm(request.POST, problems=open_problem_choices(actor))
    try:
        ticket = get_ticket_by_number(actor, number)
        if not form.is_valid():
            messages.error(request, _("Choose an open problem, or none for a new one."))
            return _ticket_back(request, number)
        data = form.cleaned_data
        summary = data["public_summary"].strip()
        # Without a summary a new problem says only that engineering investigates.
        fields = {"public_summary": summary} if data["problem"] is None and summary else None
        services.problem_escalate(
            actor=actor,
            ticket_id=ticket.pk,
            problem_id=data["problem"],
            fields=fields,
            override_reason=data["override_reason"],
        )
    except DomainError as exc:
        refuse(exc)
        missing = " ".join(m.message for m in getattr(exc, "missing", []))
        fields_text = " ".join(getattr(exc, "fields", {}).values())
        messages.error(request, " ".join(t for t in (exc.message, missing, fields_text) if t))
        return _ticket_back(request, number)
    messages.success(request, _("Escalated to L3 onto the problem."))
    return _ticket_back(request, number)


@login_required
@require_GET
def matching(request: HttpRequest) -> HttpResponse:
    """Known open problems matching what the agent is writing (htmx partial, for the
    L1 form and L2's triage): `?text=…`, or the form's own `title`, `description` and
    `actual_behaviour`."""
    actor = actor_or_403(request)
    fields = ("text", "title", "description", "actual_behaviour")
    text = " ".join(request.GET.get(name, "") for name in fields)[:8000]
    found = selectors.matching_open_problems(actor, text)
    return render(request, "problems/_matching.html", {"matches": found})
