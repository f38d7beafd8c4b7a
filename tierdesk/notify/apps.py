from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tierdesk.notify"
    label = "notify"
    verbose_name = "Notifications"
