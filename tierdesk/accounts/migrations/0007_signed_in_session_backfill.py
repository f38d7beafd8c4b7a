"""Sessions signed in before sign-ins were recorded: listed too (without browser and
address, started at their recorded sign-in), so the person can end them as well."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Session = apps.get_model("sessions", "Session")
    SignedInSession = apps.get_model("accounts", "SignedInSession")
    User = apps.get_model("accounts", "User")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    recorded = set(SignedInSession.objects.values_list("session_id", flat=True))
    rows = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.pk in recorded:
            continue
        data = store.decode(session.session_data)  # {} when it cannot be read
        try:
            user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            continue
        started = data.get("tierdesk_signed_in_at")  # core.middleware.SIGNED_IN_AT
        if isinstance(started, int | float):
            started_at = datetime.fromtimestamp(started, tz=UTC)
        else:
            started_at = session.expire_date - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        rows.append(SignedInSession(session_id=session.pk, user_id=user_id, started_at=started_at))
    known = set(User.objects.filter(pk__in={r.user_id for r in rows}).values_list("pk", flat=True))
    SignedInSession.objects.bulk_create(
        [r for r in rows if r.user_id in known], batch_size=500, ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_signed_in_session")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
