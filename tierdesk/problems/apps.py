from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tierdesk.problems"
    label = "problems"
    verbose_name = "Problems"
