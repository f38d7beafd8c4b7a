"""Start the test provider: `python -m tests.oidc_provider.serve` with TEST_OP_CONTROL (a
folder holding op_key.pem, people.json and client.json) and TEST_OP_PORT. It migrates
its own SQLite database, creates the people and the client, and serves on 127.0.0.1."""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    client = json.loads((settings.CONTROL / "client.json").read_text())
    for username, person in json.loads((settings.CONTROL / "people.json").read_text()).items():
        User.objects.create_user(username, person.get("email", ""), person["password"])
    Application.objects.create(
        name="Tierdesk",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command(
        "runserver", f"127.0.0.1:{os.environ['TEST_OP_PORT']}", use_reloader=False, verbosity=0
    )


if __name__ == "__main__":
    main()
