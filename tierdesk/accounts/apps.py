from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tierdesk.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tierdesk.accounts import hashers  # noqa: F401 - registers the pepper's deploy check
        from tierdesk.accounts.sessions import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="tierdesk.accounts.record_sign_in")
