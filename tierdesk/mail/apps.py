from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "mail"
    verbose_name = "Mail"
