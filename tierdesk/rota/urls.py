"""The rota, mounted under /rota/."""

from django.urls import path

from tierdesk.rota import views

urlpatterns = [
    path("", views.rota, name="rota"),
    path("availability/", views.availability_post, name="rota-availability"),
    path("rules/", views.rule_post, name="rota-rule"),
]
