"""The agent console's URLs. Every view is wrapped in `console_view`, the console's
door: a signed-in customer is sent to the portal before any view runs
(`tests/test_console_door.py` walks every pattern here as a customer)."""

from __future__ import annotations

from tierdesk.tickets import views
from tierdesk.tickets.views.common import console_path as path

urlpatterns = [
    path("", views.home, name="home"),
    path("queues/<slug:key>/", views.queue, name="queue"),
    path("tickets/bulk/", views.bulk_post, name="tickets-bulk"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
    path("tickets/new/checklist/", views.checklist, name="ticket-new-checklist"),
    path("tickets/platform-ids/", views.platform_ids, name="platform-ids"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:number>/edit/", views.ticket_edit, name="ticket-edit"),
    path("tickets/<int:number>/checklist/", views.checklist, name="ticket-checklist"),
    path("tickets/<int:number>/act/<slug:action>/", views.ticket_action, name="ticket-action"),
    path("tickets/<int:number>/assign/", views.ticket_assign, name="ticket-assign"),
    path("tickets/<int:number>/messages/", views.message_post, name="ticket-message"),
    path("tickets/<int:number>/attachments/", views.attachment_upload, name="ticket-upload"),
    path("tickets/<int:number>/reproduction/", views.reproduction_post, name="ticket-reproduction"),
    path(
        "tickets/<int:number>/reproduction/check/",
        views.reproduction_check,
        name="ticket-reproduction-check",
    ),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("attachments/<int:attachment_id>/image/", views.attachment_image, name="attachment-image"),
]
