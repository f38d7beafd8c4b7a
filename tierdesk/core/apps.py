from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tierdesk.core"
    label = "core"
