import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test stores attachments in its own folder; passwords hash fast in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "tierdesk.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _session_stamp_not_on_the_wall_clock(monkeypatch):
    """A signed-in request rewrites its session when the last stamp is older than a minute;
    a query-count test whose setup takes longer than that on a slow machine would count
    that write. Tests stamp at most every 50 minutes (test_hardening ages sessions by an
    hour to see the stamp move)."""
    monkeypatch.setattr("tierdesk.core.middleware.SEEN_GRANULARITY_SECONDS", 50 * 60)


@pytest.fixture(autouse=True)
def _second_factor_off(request, settings):
    """Tests sign staff in without a second factor, unless they test the second factor
    itself (marked `second_factor`): then the production defaults apply."""
    if request.node.get_closest_marker("second_factor") is None:
        settings.TIERDESK_SECOND_FACTOR_ROLES = []


@pytest.fixture
def world(db) -> World:
    return build_world()
