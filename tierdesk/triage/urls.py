"""Triage actions from the ticket page, mounted under /triage/."""

from django.urls import path

from tierdesk.triage import views

urlpatterns = [
    path("live/", views.live, name="triage-live"),
    path("tickets/<int:number>/probe/", views.probe, name="triage-probe"),
    path("tickets/<int:number>/send-article/", views.send_article, name="triage-send-article"),
    path("tickets/<int:number>/resolve/", views.resolve, name="triage-resolve"),
]
