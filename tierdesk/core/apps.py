from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tierdesk.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tierdesk.core import antivirus, security  # noqa: F401 - register deploy checks
        from tierdesk.core.logcontext import connect_task_signals
        from tierdesk.core.middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="tierdesk.session.stamp_sign_in")
        connect_task_signals()
