"""A learner plays an AllureConnect course in a real browser, against the fake AllureConnect.

The fake's launch URL opens its own small player page (``/player/<session id>?token=…``): the
"Complete course" button sets the session completed / passed / 80% (+600 s) and shows "Course
completed"; with a ``webhook_url`` the fake then sends a signed ``session.completed`` webhook
to our receiver, and with ``completion_delay`` its API keeps the old state for that long. The
panel must reach the final score once through the webhook and once by polling alone; the
launch URL is used exactly as minted and is worthless without its token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Response, expect

from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from providers.registry import reset_registry
from tests.e2e.journeys import (
    PLAYER_URL,
    PROGRESS_URL,
    click_play,
    play_remote,
    player,
    speed_up_panel,
)
from tests.factories import CourseFactory, PackageFactory, UserFactory
from tests.fakes.allure_connect import FakeAllureConnect

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_SECRET = "whsec_e2e_7d41c0b95a"
COURSE_TITLE = "Allure Safety Basics"
LAUNCH = "/api/v1/packages/*/launch"
UNAVAILABLE = "Launch link unavailable"
REFRESH_INTERVAL = 1


@pytest.fixture(autouse=True)
def _fast_panel(settings) -> None:
    speed_up_panel(settings, refresh_interval=REFRESH_INTERVAL)


@pytest.fixture
def allure(settings, live_server) -> Iterator[FakeAllureConnect]:
    """The fake AllureConnect with the settings pointing at it; fast retries, short timeouts."""
    with FakeAllureConnect.running(webhook_secret=WEBHOOK_SECRET) as fake:
        fake.apply_to(settings)
        settings.SITE_URL = live_server.url
        settings.SCORM_HTTP_BACKOFF_FACTOR = 0
        settings.SCORM_HTTP_RETRIES = 1
        settings.SCORM_HTTP_CONNECT_TIMEOUT = 1.0
        settings.SCORM_HTTP_READ_TIMEOUT = 5.0
        yield fake


@pytest.fixture
def learner_in_allure_course(allure: FakeAllureConnect) -> Callable[[], tuple]:
    """A course played on AllureConnect whose package is ready at the fake, and a learner
    enrolled in it."""

    def _make(username: str = "lea"):
        course = CourseFactory(provider="allure_connect", slug="allure-safety", title=COURSE_TITLE)
        PackageFactory(course=course, remote_id=allure.add_package())
        user = UserFactory(username=username, first_name="Lea", last_name="Learner")
        enrollment_create(learner=learner_get_or_create(user=user), course=course)
        return course, user

    return _make


def complete_in_player(page: Page) -> None:
    player(page).get_by_role("button", name="Complete course").click()
    expect(player(page).get_by_role("heading", name="Course completed")).to_be_visible()


def session_reads(allure: FakeAllureConnect, attempt: Attempt) -> list:
    """Every ``GET /api/v1/sessions/{id}`` of the attempt's session the fake answered."""
    return allure.requests_to("GET", f"/api/v1/sessions/{attempt.pk}")


def expect_final_score(page: Page) -> None:
    panel = page.locator("#progress-panel")
    expect(panel).to_have_attribute("data-state", "final", timeout=20_000)
    expect(panel.get_by_text("Passed", exact=True)).to_be_visible()
    expect(panel.locator("[data-field=completion]")).to_have_text("completed")
    expect(panel.locator("[data-field=success]")).to_have_text("passed")
    expect(panel.locator("[data-field=score]")).to_have_text("80%")
    expect(panel.locator("[data-field=time]")).to_have_text("0:10:00")
    expect(panel.get_by_role("link", name="Back to the course")).to_be_visible()


def assert_attempt_completed(attempt: Attempt, allure: FakeAllureConnect) -> None:
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled, attempt.score_raw) == (
        "completed",
        "passed",
        0.8,
        80,
    )
    assert attempt.seconds_tracked == 600
    assert not attempt.is_open
    # The completed session exactly as the fake now holds it (version 2: one completion).
    assert attempt.provider_result == allure.sessions[str(attempt.pk)]
    assert attempt.provider_result["version"] == 2


def test_final_score_arrives_through_the_webhook(
    page: Page, live_server, sign_in, learner_in_allure_course, allure, settings
):
    # Polling is made blind: one refresh per attempt every ten minutes, so once the panel's
    # first poll has used it, nothing but the webhook can bring the result in.
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 600
    allure.webhook_url = live_server.url + reverse(
        "playback:notification", kwargs={"provider": "allure_connect"}
    )
    course, user = learner_in_allure_course()
    sign_in(user.username)
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    # A poll has answered, so it has used the refresh slot (tasks run in-process).
    page.wait_for_event("response", lambda r: PROGRESS_URL.search(r.url) is not None)
    assert len(session_reads(allure, attempt)) == 1
    expect(page.locator("#progress-panel")).to_have_attribute("data-state", "polling")

    complete_in_player(page)
    expect_final_score(page)

    (delivery,) = allure.webhook_deliveries
    # "applied": the receiver's re-read stored the result. Had a poll stored it first, the
    # webhook would have found nothing new ("unchanged").
    event = delivery["event"]
    assert (event["event"], event["data"]["session_id"]) == ("session.completed", str(attempt.pk))
    assert (delivery["status"], delivery["text"]) == (200, "applied")
    assert allure.webhooks == []  # delivered to the URL we set on the fake, nothing registered
    (click,) = allure.requests_to("POST", f"/player/{attempt.pk}/complete")
    reads = session_reads(allure, attempt)
    # The first poll's read before the click, then only the webhook's re-read.
    assert len(reads) == 2, reads
    assert reads[0].at < click.at < reads[1].at
    assert_attempt_completed(attempt, allure)


def test_final_score_arrives_by_polling_alone(
    page: Page, live_server, sign_in, learner_in_allure_course, allure
):
    assert allure.webhook_url == ""  # no webhook: only the panels' polls can bring the result
    allure.completion_delay = 1.0  # the API shows the result a second after the click
    course, user = learner_in_allure_course()
    sign_in(user.username)
    answered: list[Response] = []  # progress polls answered, in both tabs
    page.context.on(
        "response", lambda r: answered.append(r) if PROGRESS_URL.search(r.url) else None
    )
    started = time.monotonic()  # no refresh can happen before the player page loads
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)

    # The same attempt in a second tab: two panels poll it, each once a second.
    second = page.context.new_page()
    second.goto(page.url)
    expect(player(second).get_by_role("button", name="Complete course")).to_be_visible()
    for _ in range(4):
        with second.expect_response(PROGRESS_URL):
            pass
    assert {r.frame.page for r in answered} == {page, second}
    polls_before_click = len(answered)
    reads_before_click = len(session_reads(allure, attempt))  # after: reads only grow
    # Every poll of an unfinished attempt asks for a refresh before it answers: without the
    # per-attempt rate limit there would be at least one read per answered poll.
    assert 0 < reads_before_click < polls_before_click, (
        reads_before_click,
        polls_before_click,
    )

    complete_in_player(page)
    expect_final_score(page)
    expect_final_score(second)
    elapsed = time.monotonic() - started

    assert allure.webhook_deliveries == []
    reads = session_reads(allure, attempt)
    (click,) = allure.requests_to("POST", f"/player/{attempt.pk}/complete")
    assert any(r.at > click.at for r in reads)  # the result was read after the click
    # Rate-limited per attempt: at most one read per interval, however many panels poll.
    assert len(reads) <= elapsed / REFRESH_INTERVAL + 2, (len(reads), elapsed)
    assert_attempt_completed(attempt, allure)


# The fake player refuses the bare URL (401) and, being a fake, has no favicon.
@pytest.mark.browser_errors_expected("401 (UNAUTHORIZED)", "/favicon.ico")
def test_the_launch_url_is_minted_per_load_and_worthless_without_its_token(
    page: Page, live_server, sign_in, learner_in_allure_course, allure
):
    course, user = learner_in_allure_course()
    sign_in(user.username)
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)

    (first,) = allure.launches
    src = page.locator("#player-frame").get_attribute("src")
    assert src == first["launch_url"]  # exactly as the fake returned it
    assert src.startswith(f"{allure.url}/player/{attempt.pk}?token=")
    assert (first["session_id"], first["user_id"]) == (
        str(attempt.pk),
        attempt.enrollment.learner.external_id,
    )
    (launch_request,) = allure.requests_to("POST", LAUNCH)
    assert launch_request.json()["session_id"] == str(attempt.pk)
    assert list(allure.sessions) == [str(attempt.pk)]
    assert allure.api_key not in page.content()

    # The player URL without its token: the fake's 401, and no course.
    tab = page.context.new_page()
    bare = src.split("?", 1)[0]
    assert "token" not in bare
    assert tab.goto(bare).status == 401
    expect(tab.get_by_role("heading", name=UNAVAILABLE)).to_be_visible()
    expect(tab.get_by_role("button", name="Complete course")).to_have_count(0)
    expect(tab.locator("body")).not_to_contain_text("Fake course")

    # Reloading the player page mints a new token for the same session.
    page.reload()
    expect(player(page).get_by_role("button", name="Complete course")).to_be_visible()
    second_src = page.locator("#player-frame").get_attribute("src")
    assert len(allure.launches) == 2
    assert second_src == allure.launches[-1]["launch_url"]
    assert second_src != src
    assert urlsplit(second_src).path == urlsplit(src).path == f"/player/{attempt.pk}"
    assert [launch["session_id"] for launch in allure.launches] == [str(attempt.pk)] * 2
    assert list(allure.sessions) == [str(attempt.pk)]
    assert allure.sessions[str(attempt.pk)]["version"] == 1  # untouched by the relaunch
    assert Attempt.objects.filter(enrollment__learner__user=user).count() == 1

    # Once the token has expired, the full URL is refused too.
    allure.advance_clock(allure.token_ttl + 1)
    assert tab.goto(second_src).status == 401
    expect(tab.get_by_role("heading", name=UNAVAILABLE)).to_be_visible()
    expect(tab.get_by_role("button", name="Complete course")).to_have_count(0)


ROTATED_KEY = "ac_test_rotated_key_9e8d7c6b5a"


def _server_error(allure: FakeAllureConnect, settings) -> Callable[[], None]:
    # /launch is retried on a 5xx: fail every try of one Play, then work again.
    allure.fail(
        "POST",
        LAUNCH,
        500,
        code="INTERNAL_ERROR",
        message="Internal server error",
        times=settings.SCORM_HTTP_RETRIES + 1,
    )
    return lambda: None


def _key_echoed_in_nested_401(allure: FakeAllureConnect, settings) -> Callable[[], None]:
    allure.fail(
        "POST",
        LAUNCH,
        401,
        code="INVALID_API_KEY",
        message=f"Invalid API key: {allure.api_key}",
        shape="nested",
    )
    return lambda: None


def _rotated_key(allure: FakeAllureConnect, settings) -> Callable[[], None]:
    """Our key was rotated away: the fake refuses it in the flat shape and echoes it back."""
    allure.echo_key_in_errors = True
    settings.ALLURE_CONNECT_API_KEY = ROTATED_KEY

    def fix() -> None:
        settings.ALLURE_CONNECT_API_KEY = allure.api_key
        reset_registry()  # providers are built from settings once per process

    return fix


SERVICE_FAILED = "The course player service had an internal error. Please try again shortly."
SERVICE_UNAVAILABLE = (
    "This course's player service is not available right now. "
    "Please try again later; if it keeps happening, tell your administrator."
)


@pytest.mark.parametrize(
    ("fault", "explained"),
    [
        (_server_error, SERVICE_FAILED),
        (_key_echoed_in_nested_401, SERVICE_UNAVAILABLE),
        (_rotated_key, SERVICE_UNAVAILABLE),
    ],
)
@pytest.mark.browser_errors_expected("502 (Bad Gateway)")  # the failed launch's page
def test_a_launch_failure_is_shown_and_play_can_be_retried(
    page: Page, live_server, sign_in, learner_in_allure_course, allure, settings, fault, explained
):
    course, user = learner_in_allure_course()
    clear_fault = fault(allure, settings)
    sign_in(user.username)

    with page.expect_response(PLAYER_URL) as player_response:
        click_play(page, live_server, course)
    assert player_response.value.status == 502
    assert allure.requests_to("POST", LAUNCH)  # the failure is the fake's answer to /launch
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading", name="The course could not be started")).to_be_visible()
    # In our words, not AllureConnect's ("Internal server error", "Invalid API key: …").
    expect(alert.locator(".error")).to_have_text(explained)
    expect(page.locator("#player-frame")).to_have_count(0)
    html = page.content()
    for secret in (allure.api_key, ROTATED_KEY, WEBHOOK_SECRET):
        assert secret not in html
    assert "token=" not in html
    assert "Invalid API key" not in html
    assert "Internal server error" not in html
    assert allure.url not in html  # nor the service's address
    assert allure.sessions == {}

    clear_fault()
    with page.expect_response(PLAYER_URL) as retried:
        alert.get_by_role("link", name="Try again").click()
    assert retried.value.status == 200
    expect(player(page).get_by_role("button", name="Complete course")).to_be_visible()
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    assert list(allure.sessions) == [str(attempt.pk)]
    assert page.locator("#player-frame").get_attribute("src") == allure.launches[-1]["launch_url"]
