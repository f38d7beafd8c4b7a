from django.contrib import admin
from django.urls import path

from tierdesk.api import api
from tierdesk.tickets import views as ticket_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", ticket_views.healthz, name="healthz"),
    path("", ticket_views.home, name="home"),
    path("tickets/<int:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("attachments/<int:attachment_id>/", ticket_views.attachment_download, name="attachment"),
]
