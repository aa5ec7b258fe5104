"""End-to-end tests: a real headless Chromium (Debian's package) against the live server.

Playwright's sync API runs an event loop in the test thread, so the ORM needs
DJANGO_ALLOW_ASYNC_UNSAFE here (microsoft/playwright-pytest#29). Data is created in the
test with ``transactional_db`` so the live server thread sees it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


class _CountingApp:
    """The live server's WSGI application, counting the requests it has not finished (a
    request ends when the server closes its response, as PEP 3333 says)."""

    def __init__(self, app) -> None:
        self.app = app
        self.busy = 0
        self.last = 0.0  # when a request last began or ended (time.monotonic)
        self.lock = threading.Lock()
        self.delays: dict[str, float] = {}  # path -> seconds (``slow_server``)

    def _done(self) -> None:
        with self.lock:
            self.busy -= 1
            self.last = time.monotonic()

    def __call__(self, environ, start_response):
        with self.lock:
            self.busy += 1
            self.last = time.monotonic()
        try:
            time.sleep(self.delays.get(environ.get("PATH_INFO", ""), 0))
            response = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(response, self._done)


class _Closing:
    def __init__(self, response, done: Callable[[], None]) -> None:
        self.response = response
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def close(self) -> None:
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.done()


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, its requests counted (see ``_server_quiet_at_teardown``)."""
    httpd = live_server.thread.httpd
    httpd.set_app(_CountingApp(httpd.get_app()))
    return live_server


@pytest.fixture
def slow_server(live_server) -> Iterator[Callable[[str, float], None]]:
    """``slow_server(path, seconds)``: the live server answers that path that much later, for
    every client (a beacon too, which Playwright's routes do not see)."""
    app = live_server.thread.httpd.get_app()
    yield app.delays.__setitem__
    app.delays.clear()


@pytest.fixture(autouse=True)
def _server_quiet_at_teardown(request: pytest.FixtureRequest):
    """A closed page can leave a request running in the live server (a poll, a commit by
    beacon), inside a transaction: the flush that ends a transactional test would then deadlock
    with it on PostgreSQL. Set up before the page and after the database, this waits, once the
    page is closed, for the server to finish what it was doing."""
    yield
    if "live_server" not in request.fixturenames:
        return
    app = request.getfixturevalue("live_server").thread.httpd.get_app()
    # Quiet for a moment, not only idle: a closed page's beacons arrive after it has closed.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        getattr(app, "busy", 0) or time.monotonic() - getattr(app, "last", 0.0) < 0.5
    ):
        time.sleep(0.05)


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


SCREENS = os.environ.get("E2E_SCREENSHOTS_DIR", "")


@pytest.fixture
def screenshot(page) -> Callable[..., None]:
    """``screenshot(name, other_page=None)``: the full page as ``<name>.png`` in
    ``E2E_SCREENSHOTS_DIR``, when set (for looking at the screens a test went through)."""

    def _shoot(name: str, target=None) -> None:
        if SCREENS:
            os.makedirs(SCREENS, exist_ok=True)
            shot = os.path.join(SCREENS, f"{name}.png")
            (target or page).screenshot(path=shot, full_page=True)

    return _shoot


@pytest.fixture
def admin_signed_in(page, live_server, sign_in):
    """A superuser signed in through the login form (the admin shares the site's session)."""
    from tests.factories import UserFactory

    user = UserFactory(
        username="ada", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True
    )
    sign_in(user.username)
    return user


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser_errors_expected(*texts): the test provokes console errors on purpose (forged "
        "tokens, failing providers); problems containing one of the texts are let through (all, "
        "when no text is given)",
    )


@pytest.fixture(autouse=True)
def browser_problems(request, page):
    """Zero alert dialogs and zero console errors is the bar, in every frame of every page of
    the test's browser context, and no warning from our own scripts. A confirm() or prompt() of content is a question to the learner,
    not an error: it is answered "OK" (a test may answer otherwise by setting
    ``page.dialog_answer = False`` first). What happened is in ``page.browser_problems``."""
    problems: list[str] = []

    def on_console(message) -> None:
        auditing = getattr(message.page, "auditing", False)
        if auditing and "Applying inline style violates" in message.text:
            return  # axe-core's own measuring (tests/e2e/accessibility.py), not the page's
        where = message.location.get("url", "")
        if message.type == "error":
            problems.append(f"console error: {message.text} ({where})")
        elif message.type == "warning" and "/static/" in where:  # our scripts' (not content's)
            problems.append(f"console warning: {message.text} ({where})")

    def on_dialog(dialog) -> None:
        if dialog.type == "alert":
            problems.append(f"alert dialog: {dialog.message}")
            dialog.dismiss()
        elif dialog.type == "beforeunload" or getattr(dialog.page, "dialog_answer", True):
            dialog.accept()
        else:
            dialog.dismiss()

    def watch(target) -> None:
        target.on("console", on_console)
        target.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        target.on("dialog", on_dialog)

    watch(page)
    page.context.on("page", watch)
    page.browser_problems = problems
    yield problems
    expected = request.node.get_closest_marker("browser_errors_expected")
    if expected is not None and not expected.args:
        return
    allowed = expected.args if expected is not None else ()
    unexpected = [p for p in problems if not any(text in p for text in allowed)]
    assert unexpected == [], "\n".join(unexpected)
