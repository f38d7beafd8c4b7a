from django.urls import path

from tierdesk.timelog import views

urlpatterns = [
    path("<int:number>/", views.time_post, name="ticket-time"),
    path("settings/", views.time_settings, name="time-settings"),
]
