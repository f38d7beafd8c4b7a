from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tierdesk.identity"
    label = "identity"
    verbose_name = "Identity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tierdesk.identity import second_factor  # noqa: F401 - connects the sign-in mark
