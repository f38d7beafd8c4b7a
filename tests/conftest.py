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
def _second_factor_off(request, settings):
    """Tests sign staff in without a second factor, unless they test the second factor
    itself (marked `second_factor`): then the production defaults apply."""
    if request.node.get_closest_marker("second_factor") is None:
        settings.TIERDESK_SECOND_FACTOR_ROLES = []


@pytest.fixture
def world(db) -> World:
    return build_world()
