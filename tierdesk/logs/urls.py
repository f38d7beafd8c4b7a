from django.urls import path

from tierdesk.logs import views

urlpatterns = [
    path("logs/<int:attachment_id>/", views.log_view, name="log-view"),
]
