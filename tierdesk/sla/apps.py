from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "tierdesk.sla"
    label = "sla"
    verbose_name = "SLAs and deadlines"

    def ready(self) -> None:
        from tierdesk.sla import listeners

        listeners.register()
