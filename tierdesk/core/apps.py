from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tierdesk.core"
    label = "core"

    def ready(self) -> None:
        from tierdesk.core import security  # noqa: F401 - registers the deploy checks
