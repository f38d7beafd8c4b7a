from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "tierdesk.kb"
    label = "kb"
    verbose_name = "Knowledge base"
