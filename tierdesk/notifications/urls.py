"""Notifications, mounted under /notifications/."""

from django.urls import path

from tierdesk.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("bell/", views.bell, name="notification-bell"),
    path("<int:notification_id>/read/", views.notification_read, name="notification-read"),
    path("read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
    path("follow/<int:number>/", views.follow, name="ticket-follow"),
]
