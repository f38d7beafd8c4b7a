from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    name = "tierdesk.satisfaction"
    label = "satisfaction"
    verbose_name = "Customer satisfaction"

    def ready(self) -> None:
        from tierdesk.mail import notifications
        from tierdesk.satisfaction import services

        # The resolved mail carries the signed link to rate the help.
        notifications.add_customer_lines(services.resolved_mail_lines)
