from django.urls import path

from tierdesk.reports import views

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("handover/", views.handover_quality, name="report-handover"),
    path("tickets/", views.tickets, name="report-tickets"),
    path("<slug:name>/", views.report_table, name="report-table"),
]
