"""End-to-end tests: a real headless Chromium (Debian's package) against the live server.

Playwright's sync API runs an event loop in the test thread, so the ORM needs
DJANGO_ALLOW_ASYNC_UNSAFE here (microsoft/playwright-pytest#29). Data is created in the
test with ``transactional_db`` so the live server thread sees it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
            "(apt-get install chromium) or set CHROMIUM_PATH."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture
def sign_in(page, live_server) -> Callable[[str, str], None]:
    """Sign a user in through the real login form."""

    def _sign_in(username: str, password: str = "pass-for-tests") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return _sign_in
