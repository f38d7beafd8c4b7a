"""Playwright in Debian's Chromium against pytest-django's live server.

The live server runs in a thread of the test process on the test database (a
`django_db(transaction=True)` test), so it works the same on SQLite (the in-memory
database is shared with the server thread) and on PostgreSQL. Every test here is marked
`browser`; `.ci/run` installs Chromium when it finds that mark.

Screenshots of the main screens go to `<--output>/screenshots/NN-name.png` (pytest-
playwright's output directory, `test-results/` by default, git-ignored) for a reviewer.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tierdesk.accounts.models import Organisation

# Playwright's sync API runs an event loop in the test's thread; the ORM in the same
# thread would otherwise refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # tests.factories.build_world
ACME_PRIMARY, ACME_ACCENT = "#7a1f5c", "#f4b400"
ACME_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 32" role="img" aria-label="Acme">'
    f'<rect width="32" height="32" rx="6" fill="{ACME_PRIMARY}"/>'
    f'<path d="M8 26 16 6l8 20h-5l-3-8-3 8z" fill="{ACME_ACCENT}"/>'
    f'<text x="40" y="23" font-family="Arial" font-size="18" fill="{ACME_PRIMARY}">Acme</text>'
    "</svg>"
)
VENDOR_PRIMARY = "#0b3d91"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-GB",
        "timezone_id": "Europe/Berlin",
    }


@pytest.fixture(autouse=True)
def _timeouts(page: Page):
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)


_shot_numbers = itertools.count(1)


class Screens:
    """Numbered full-page screenshots, in the order the walk meets the screens."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def shot(self, page: Page, name: str) -> Path:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{next(_shot_numbers):02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screens(pytestconfig) -> Screens:
    return Screens(Path(pytestconfig.getoption("--output")).absolute() / "screenshots")


@pytest.fixture
def branded(world):
    """The world with brands: Acme (a partner) in its own colours and logo, the vendor as
    "Integra Support" in its own colour."""
    Organisation.objects.filter(pk=world.acme.pk).update(
        display_name="Acme Integrations",
        primary_colour=ACME_PRIMARY,
        accent_colour=ACME_ACCENT,
        logo=ACME_LOGO,
    )
    Organisation.objects.filter(pk=world.vendor.pk).update(
        display_name="Integra Support", primary_colour=VENDOR_PRIMARY
    )
    return world


def brand_colour(page: Page) -> str:
    """The brand colour the page wears (base.html's --brand)."""
    return page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
    )


@pytest.fixture
def site(live_server) -> str:
    return live_server.url.rstrip("/")


class People:
    """One browser context (its own cookies, so its own session) per person, signed in
    through the sign-in page as that person would."""

    def __init__(self, browser, context_args: dict, site: str, world):
        self.browser, self.context_args, self.site, self.world = browser, context_args, site, world
        self.pages: dict[str, Page] = {}
        self.contexts = []

    def __call__(self, key: str, *, start: str = "") -> Page:
        """The person's page, signed in (the first time, through `start` if given: the
        sign-in page brings them back there)."""
        if key not in self.pages:
            context = self.browser.new_context(**self.context_args)
            self.contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            sign_in(page, self.site, self.world.user(key).email, next_url=start)
            self.pages[key] = page
        return self.pages[key]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(page: Page, site: str, email: str, *, next_url: str = "", password: str = PASSWORD):
    """Sign in on the sign-in page (going there unless a redirect already did)."""
    if "/login/" not in page.url:
        page.goto(f"{site}/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def submit(button: Locator) -> None:
    """Press a form's button and wait for the page the answer leads to (after a POST and
    its redirect the server has committed what the form did)."""
    with button.page.expect_navigation():
        button.click()


@pytest.fixture
def people(browser, browser_context_args, site, branded):
    crowd = People(browser, browser_context_args, site, branded)
    yield crowd
    crowd.close()
