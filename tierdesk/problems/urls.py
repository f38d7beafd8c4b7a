"""The console's problem pages and the ticket page's problem block. Staff pages: each view
goes through the console's door (`console_view`), so a customer is sent to the portal."""

from __future__ import annotations

from tierdesk.problems import views
from tierdesk.tickets.views.common import console_path as path

urlpatterns = [
    path("problems/", views.problem_queue, name="problem-queue"),
    path("problems/matching/", views.matching, name="problem-matching"),
    path("problems/<int:pk>/", views.problem_detail, name="problem-detail"),
    path("problems/<int:pk>/act/<slug:action>/", views.problem_action, name="problem-action"),
    path("tickets/<int:number>/links/", views.ticket_link, name="ticket-link"),
    path("tickets/<int:number>/merge/", views.ticket_merge, name="ticket-merge"),
    path(
        "tickets/<int:number>/escalate-to-problem/",
        views.ticket_escalate,
        name="ticket-escalate-problem",
    ),
]
