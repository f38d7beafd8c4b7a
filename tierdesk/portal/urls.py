"""The customer portal, mounted under /portal/."""

from django.urls import path

from tierdesk.portal import account_views, kb_views, views

app_name = "portal"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.ticket_new, name="new"),
    path("new/suggestions/", kb_views.report_suggestions, name="suggestions"),
    path("new/solved/", kb_views.report_deflect, name="deflect"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:number>/reopen/", views.ticket_reopen, name="reopen"),
    path("tickets/<int:number>/close/", views.ticket_close, name="close"),
    path("tickets/<int:number>/rate/", views.ticket_rate, name="rate"),
    path("updates/", views.updates_preference, name="updates"),
    path("sessions/", account_views.session_list, name="sessions"),
    path("sessions/<int:session_id>/end/", account_views.session_end, name="session-end"),
    path("sessions/end-others/", account_views.sessions_end_others, name="sessions-end-others"),
    path("files/<int:attachment_id>/", views.attachment_file, name="file"),
    path("help/", kb_views.kb_list, name="kb"),
    path("help/<int:article_id>-<slug:slug>/", kb_views.kb_article, name="kb-article"),
]
