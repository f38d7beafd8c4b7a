from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from tierdesk.mail import checks  # noqa: F401  (registers the deployment checks)
