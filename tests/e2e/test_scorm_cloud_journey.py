"""A learner plays a SCORM Cloud course in a real browser, against the fake SCORM Cloud.

The fake's launch links open its own small player page (``/fake-player/<registration id>``):
"Complete course" records 85% / completed / passed (42 s) and redirects the browser to our exit
URL; "Exit" leaves the course incomplete. With ``completion_delay`` the fake's API keeps
reporting INCOMPLETE for that long after the click and sends the postback (if any) only once
the result takes effect, like SCORM Cloud's late rollup. The panel must reach the final score
once through the postback, and once by polling alone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from providers.registry import reset_registry
from tests.factories import AttemptFactory, CourseFactory, PackageFactory, UserFactory
from tests.fakes.scorm_cloud import (
    POSTBACK_PASSWORD,
    FakeScormCloud,
    fake_scorm_cloud,
    scorm_cloud,
)

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # the fake's fixtures, requested by name below

from tests.e2e.journeys import (
    PLAYER_URL,
    PROGRESS_URL,
    click_play,
    play_remote,
    player,
    speed_up_panel,
)

pytestmark = pytest.mark.django_db(transaction=True)

REMOTE_COURSE_ID = "lms-cloud-safety-0123456789ab"
COURSE_TITLE = "Cloud Safety Basics"
POSTBACK_PATH = "/hooks/scorm_cloud/"
WAITING = "Waiting for your latest results…"
REFRESH_INTERVAL = 2


@pytest.fixture(autouse=True)
def _fast_panel(settings):
    speed_up_panel(settings, refresh_interval=REFRESH_INTERVAL)


@pytest.fixture
def cloud(scorm_cloud: FakeScormCloud, settings, live_server) -> FakeScormCloud:
    """The fake, with the postbacks of new registrations aimed at the live server."""
    settings.SITE_URL = live_server.url
    return scorm_cloud


@pytest.fixture
def learner_in_cloud_course(cloud: FakeScormCloud) -> Callable[[], tuple]:
    """A SCORM Cloud course whose package is already imported into the fake (course version
    0), and a learner enrolled in it."""

    def _make(username: str = "lea"):
        cloud.add_course(REMOTE_COURSE_ID, title=COURSE_TITLE)
        course = CourseFactory(provider="scorm_cloud", slug="cloud-safety", title=COURSE_TITLE)
        PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
        user = UserFactory(username=username, first_name="Lea", last_name="Learner")
        enrollment_create(learner=learner_get_or_create(user=user), course=course)
        return course, user

    return _make


def registration_reads(cloud: FakeScormCloud, attempt: Attempt) -> list[str | None]:
    """The completion SCORM Cloud reported to each GET of the attempt's registration (None
    while one is still being answered)."""
    return [
        (e.response_json or {}).get("registrationCompletion")
        for e in cloud.api_exchanges()
        if e.method == "GET" and e.path == f"/registrations/{attempt.pk}"
    ]


def expect_final_score(page: Page) -> None:
    panel = page.locator("#progress-panel")
    expect(panel).to_have_attribute("data-state", "final", timeout=20_000)
    expect(panel.get_by_text("Passed", exact=True)).to_be_visible()
    expect(panel.locator("[data-field=completion]")).to_have_text("completed")
    expect(panel.locator("[data-field=success]")).to_have_text("passed")
    expect(panel.locator("[data-field=score]")).to_have_text("85%")
    expect(panel.locator("[data-field=time]")).to_have_text("0:00:42")
    expect(panel).not_to_contain_text(WAITING)
    expect(panel.get_by_role("link", name="Back to the course")).to_be_visible()


def complete_in_player(page: Page) -> None:
    """Click "Complete course": the fake redirects the frame to our exit page."""
    player(page).get_by_role("button", name="Complete course").click()
    expect(player(page).get_by_role("heading")).to_have_text("You have left the course")
    panel = page.locator("#progress-panel")
    expect(panel.get_by_text(WAITING)).to_be_visible()
    expect(panel).to_have_attribute("data-state", "polling")
    expect(panel.locator("[data-field=score]")).to_have_text("—")


def test_final_score_arrives_through_the_postback(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud, settings
):
    # Polling is made blind: one refresh a minute at most, so after the panel's first poll
    # nothing but the postback can bring the result in.
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 60
    cloud.postback_mode = "registration"
    cloud.completion_delay = 4
    course, user = learner_in_cloud_course()
    sign_in(user.username)
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    # A poll has answered, so the first one has used the refresh slot (tasks run in-process).
    page.wait_for_event("response", lambda r: PROGRESS_URL.search(r.url) is not None)
    assert registration_reads(cloud, attempt) == ["INCOMPLETE"]

    complete_in_player(page)
    expect_final_score(page)

    (delivery,) = cloud.wait_for_postbacks(1)
    assert (delivery.registration_id, delivery.url, delivery.mode, delivery.status) == (
        str(attempt.pk),
        f"{live_server.url}{POSTBACK_PATH}",
        "httpbasic",
        200,
    )
    # One read after the one before the click, the postback's: polls were blind, so the
    # postback brought the score in (as a hint: the result itself was read back).
    assert registration_reads(cloud, attempt) == ["INCOMPLETE", "COMPLETED"]
    attempt.refresh_from_db()
    assert attempt.provider_result == delivery.body
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.85,
    )
    assert attempt.exited_at is not None
    assert not attempt.is_open
    assert POSTBACK_PASSWORD not in page.content()


def test_final_score_arrives_by_polling_alone(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud
):
    cloud.postback_mode = "off"
    cloud.completion_delay = 4
    course, user = learner_in_cloud_course()
    sign_in(user.username)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if PROGRESS_URL.search(r.url) else None)
    started = time.monotonic()  # no refresh can happen before the player page loads
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    reads_before_click = len(registration_reads(cloud, attempt))

    complete_in_player(page)
    expect_final_score(page)
    elapsed = time.monotonic() - started

    assert cloud.postbacks == []
    reads = registration_reads(cloud, attempt)
    # After the click the refreshes read the lag (INCOMPLETE), then the result, once: a
    # completed attempt is not refreshed again.
    after_click = reads[reads_before_click:]
    assert "INCOMPLETE" in after_click, reads
    assert after_click[-1] == "COMPLETED", reads
    assert reads.count("COMPLETED") == 1, reads
    # Rate-limited per attempt: at most one read per interval, fewer reads than polls.
    assert len(reads) <= elapsed / REFRESH_INTERVAL + 1, (len(reads), elapsed)
    assert len(reads) < len(polls), (reads, len(polls))
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.85,
    )
    assert "activityDetails" not in attempt.provider_result  # the runtime is not asked for


def test_registration_is_the_attempt_and_each_play_mints_a_new_link(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud
):
    course, user = learner_in_cloud_course()
    sign_in(user.username)
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    launch_link_path = rf"/registrations/{attempt.pk}/launchLink"

    created = cloud.last("POST", "/registrations").json_body
    assert created["registrationId"] == str(attempt.pk)
    assert created["courseId"] == REMOTE_COURSE_ID
    assert created["learner"]["id"] == attempt.enrollment.learner.external_id
    assert created["postBack"]["url"] == f"{live_server.url}{POSTBACK_PATH}"
    first = cloud.last("POST", launch_link_path)
    first_link = first.response_json["launchLink"]
    assert page.locator("#player-frame").get_attribute("src") == first_link
    exit_prefix = f"{live_server.url}/learn/attempts/{attempt.pk}/exit/"
    assert first.json_body["redirectOnExitUrl"].startswith(exit_prefix)
    expect(player(page).locator("body")).to_contain_text(
        f"registration {attempt.pk} of {COURSE_TITLE}"
    )

    # Play again on the same open attempt: a new link for the same registration.
    click_play(page, live_server, course)
    page.wait_for_url(PLAYER_URL)
    second_link = cloud.last("POST", launch_link_path).response_json["launchLink"]
    assert second_link != first_link
    assert page.locator("#player-frame").get_attribute("src") == second_link
    expect(player(page).locator("body")).to_contain_text(f"registration {attempt.pk}")
    assert cloud.hits("POST", "/registrations") == 1
    assert cloud.hits("POST", launch_link_path) == 2
    assert Attempt.objects.filter(enrollment__learner__user=user).count() == 1

    # "Exit" leaves the course incomplete; the panel waits for late results.
    player(page).get_by_role("button", name="Exit").click()
    expect(player(page).get_by_role("heading")).to_have_text("You have left the course")
    panel = page.locator("#progress-panel")
    expect(panel.get_by_text(WAITING)).to_be_visible()
    expect(panel.locator("[data-field=completion]")).to_have_text("incomplete")
    attempt.refresh_from_db()
    assert attempt.exited_at is not None
    assert attempt.is_open


def test_a_forged_exit_link_records_nothing(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud
):
    course, user = learner_in_cloud_course()
    sign_in(user.username)
    play_remote(page, live_server, course)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    exit_url = cloud.last("POST", rf"/registrations/{attempt.pk}/launchLink").json_body[
        "redirectOnExitUrl"
    ]

    path, _, token = exit_url.partition("#")
    assert path.endswith("/exit/")
    assert token  # the token: the fragment, never sent to a server
    assert page.request.post(path, data=token[:-4] + "AAAA").status == 404  # forged
    other = AttemptFactory(
        enrollment=attempt.enrollment, package=attempt.package, number=2, is_open=False
    )
    another_attempts = path.replace(str(attempt.pk), str(other.pk))
    assert page.request.post(another_attempts, data=token).status == 404
    assert page.request.post(path, data="").status == 404
    attempt.refresh_from_db()
    other.refresh_from_db()
    assert (attempt.exited_at, other.exited_at) == (None, None)

    # The genuine link works without the session (the player's redirect carries none); the
    # page sends the token in a POST's body and takes it out of the address bar.
    anonymous = page.context.browser.new_context()
    try:
        exited = anonymous.new_page()
        with exited.expect_response(lambda r: r.request.method == "POST") as recorded:
            assert exited.goto(exit_url).status == 200
        assert (recorded.value.url, recorded.value.status) == (path, 204)
        expect(exited.get_by_role("heading")).to_have_text("You have left the course")
        assert exited.url == path
    finally:
        anonymous.close()
    attempt.refresh_from_db()
    assert attempt.exited_at is not None


def _server_error(cloud: FakeScormCloud, settings) -> Callable[[], None]:
    # launchLink is retried on a 5xx: fail every try of one Play, then work again.
    cloud.inject(
        500,
        method="POST",
        path=r"/registrations/[^/]+/launchLink",
        times=settings.SCORM_HTTP_RETRIES + 1,
    )
    return lambda: None


def _credentials_rejected(cloud: FakeScormCloud, settings) -> Callable[[], None]:
    settings.SCORM_CLOUD_SECRET_KEY = "a-rotated-secret-key"

    def fix() -> None:
        settings.SCORM_CLOUD_SECRET_KEY = cloud.secret_key
        reset_registry()  # providers are built from settings once per process

    return fix


@pytest.mark.browser_errors_expected("502 (Bad Gateway)")  # the failed launch's page
@pytest.mark.parametrize("fault", [_server_error, _credentials_rejected])
def test_a_provider_failure_is_shown_and_play_can_be_retried(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud, settings, fault
):
    course, user = learner_in_cloud_course()
    clear_fault = fault(cloud, settings)
    sign_in(user.username)

    with page.expect_response(PLAYER_URL) as player_response:
        click_play(page, live_server, course)
    assert player_response.value.status == 502
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading", name="The course could not be started")).to_be_visible()
    expect(alert.locator(".error")).not_to_be_empty()
    expect(page.locator("#player-frame")).to_have_count(0)
    html = page.content()
    for secret in (cloud.secret_key, settings.SCORM_CLOUD_SECRET_KEY, POSTBACK_PASSWORD):
        assert secret not in html
    assert "launchToken" not in html
    assert cloud.url not in html  # nor the service's address

    clear_fault()
    with page.expect_response(PLAYER_URL) as retried:
        alert.get_by_role("link", name="Try again").click()
    assert retried.value.status == 200
    expect(player(page).get_by_role("button", name="Complete course")).to_be_visible()
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    assert cloud.last("POST", "/registrations").json_body["registrationId"] == str(attempt.pk)
    assert Attempt.objects.filter(enrollment__learner__user=user).count() == 1


@pytest.mark.browser_errors_expected("502 (Bad Gateway)")  # the failed launch's page
def test_a_provider_failure_is_explained_in_the_learners_words(
    page: Page, live_server, sign_in, learner_in_cloud_course, cloud, settings
):
    course, user = learner_in_cloud_course()
    settings.SCORM_CLOUD_SECRET_KEY = "a-rotated-secret-key"
    sign_in(user.username)
    click_play(page, live_server, course)
    error = page.get_by_role("alert").locator(".error")
    expect(error).to_be_visible()
    message = error.inner_text()  # server-rendered: nothing to wait for
    assert "Authorization Required" not in message
    assert re.search(r"try again|administrator", message, re.IGNORECASE), message
