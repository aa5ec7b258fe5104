"""A learner plays the demo courses on the local player in a real browser."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from playback.models import ActivityState
from tests.e2e.accessibility import assert_accessible
from tests.e2e.journeys import answer_quiz, content, leave_course, play
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_polling(settings):
    settings.SCORM_PROGRESS_POLL_SECONDS = 1


@pytest.fixture
def learner_in(make_demo_course):
    def _enrol(slug: str, username: str = "lea"):
        course = make_demo_course(slug)
        user = UserFactory(username=username, first_name="Lea", last_name="Learner")
        enrollment_create(learner=learner_get_or_create(user=user), course=course)
        return course, user

    return _enrol


@pytest.mark.parametrize("slug", ["safe-passwords", "spotting-phishing"])
def test_learner_completes_course_and_panel_stops_polling(
    page: Page, live_server, sign_in, learner_in, screenshot, slug
):
    course, user = learner_in(slug)
    sign_in(user.username)
    play(page, live_server, course)
    panel = page.locator("#progress-panel")
    # From the first second of the session, before any commit: the launch itself counts.
    expect(panel.locator("[data-field=status]")).to_have_text("In progress")
    expect(content(page).locator("body")).not_to_be_empty()
    screenshot(f"player-{slug}-started")
    # Our page around the package's frame (the content is the package's own).
    assert_accessible(page, name="player page", exclude=["#player-frame"])

    answer_quiz(page, slug)
    expect(content(page).get_by_text("Your score: 100%")).to_be_visible()
    # Completed and passed shows at once; the panel keeps following while the learner is in
    # the course (a score may follow a completion), and stops once she has left.
    expect(panel.locator("[data-field=status]")).to_have_text("Passed", timeout=10_000)
    expect(panel).to_have_attribute("data-state", "polling")
    leave_course(page)
    expect(panel).to_have_attribute("data-state", "final", timeout=15_000)
    expect(panel.locator("[data-field=time]")).not_to_have_text("0:00:00")
    expect(panel.locator("[data-field=completion]")).to_have_text("completed")
    expect(panel.locator("[data-field=success]")).to_have_text("passed")
    expect(panel.locator("[data-field=score]")).to_have_text("100%")
    expect(panel.locator("[data-field=status]")).to_have_text("Passed")
    screenshot(f"player-{slug}-left")

    # Once final, the page sends no more polls.
    polls: list[str] = []
    page.on(
        "request",
        lambda request: polls.append(request.url) if "/progress/" in request.url else None,
    )
    page.wait_for_timeout(3_500)
    assert polls == []

    attempt = Attempt.objects.get(enrollment__learner__user=user)
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        1.0,
    )
    assert attempt.seconds_tracked >= 0

    page.goto(f"{live_server.url}/learn/")
    card = page.get_by_role("article", name=course.title)
    expect(card.get_by_role("button", name=re.compile(r"^(Review|Start again)$"))).to_be_visible()
    screenshot(f"my-courses-after-{slug}")


def test_admin_shows_the_same_figures(page: Page, live_server, sign_in, learner_in, browser):
    course, user = learner_in("safe-passwords")
    sign_in(user.username)
    play(page, live_server, course)
    answer_quiz(page, "safe-passwords", wrong=1)
    leave_course(page)
    panel = page.locator("#progress-panel")
    expect(panel).to_have_attribute("data-state", "final", timeout=15_000)
    expect(panel.locator("[data-field=score]")).to_have_text(
        "67%"
    )  # SCORM 1.2 reports raw 67 of 100
    expect(panel.locator("[data-field=success]")).to_have_text("failed")

    UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = browser.new_page()
    admin.goto(f"{live_server.url}/accounts/login/")
    admin.get_by_label("Username").fill("root")
    admin.get_by_label("Password").fill("pass-for-tests")
    admin.get_by_role("button", name="Sign in").click()
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    admin.goto(f"{live_server.url}/admin/enrollments/attempt/")
    row = admin.locator("#result_list tbody tr").first
    expect(row).to_contain_text("67%")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("Failed")
    admin.goto(f"{live_server.url}/admin/enrollments/attempt/{attempt.pk}/change/")
    expect(admin.locator(".field-score_display")).to_contain_text("67%")
    expect(admin.locator(".field-cmi_pretty")).to_contain_text("cmi.core.lesson_status")


@pytest.mark.parametrize("slug", ["safe-passwords", "spotting-phishing"])
def test_relaunch_resumes_where_the_learner_left(
    page: Page, live_server, sign_in, learner_in, slug
):
    course, user = learner_in(slug)
    sign_in(user.username)
    play(page, live_server, course)
    sco = content(page)
    sco.get_by_role("button", name="Next").click()
    sco.get_by_role("button", name="Next").click()
    heading = sco.locator("section:visible h1").inner_text()
    sco.get_by_role("button", name="Save and exit").click()

    # The exit page loads in the player's frame and the panel notices.
    expect(
        page.frame_locator("#player-frame").get_by_text("You have left the course")
    ).to_be_visible()
    expect(page.locator("#progress-panel")).to_have_attribute("data-state", "final", timeout=10_000)
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    assert attempt.is_open
    assert attempt.completion == "incomplete"

    play(page, live_server, course)
    expect(content(page).locator("section:visible h1")).to_have_text(heading)
    assert (
        Attempt.objects.filter(enrollment__learner__user=user).count() == 1
    )  # resumed, not restarted
    (data,) = ActivityState.objects.filter(attempt=attempt).values_list("cmi", flat=True)
    assert data.get("cmi.core.lesson_location", data.get("cmi.location")) == "page-3"


@pytest.mark.browser_errors_expected  # the forged and expired launches answer 401
def test_forged_or_expired_token_gets_no_content(
    page: Page, live_server, sign_in, learner_in, settings
):
    course, user = learner_in("safe-passwords")
    sign_in(user.username)
    play(page, live_server, course)
    launch_url = page.locator("#player-frame").get_attribute("src")
    expect(content(page).get_by_role("button", name="Next")).to_be_visible()
    launcher, _, token = launch_url.partition("#")
    assert token
    assert "?" not in launcher

    # A forged token: the launcher says so and delivers nothing.
    forged = page.context.new_page()
    forged.goto(f"{launcher}#{token[:-4]}AAAA")
    expect(forged.get_by_role("alert")).to_contain_text("could not be started")
    assert forged.locator("iframe").count() == 0
    session = forged.request.post(
        f"{live_server.url}/play/local/session/", data=json.dumps({"token": token[:-4] + "AAAA"})
    )
    assert session.status == 401

    # An expired one: neither the session nor the package's files open.
    settings.SCORM_LAUNCH_TOKEN_MAX_AGE = 1
    time.sleep(2)
    expired = page.context.new_page()
    expired.goto(launch_url)
    expect(expired.get_by_role("alert")).to_contain_text("could not be started")
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    content_origin = launcher.split("/content/")[0]
    assert (
        expired.request.get(f"{content_origin}/content/p/{attempt.package_id}/index.html").status
        == 401
    )


def test_second_learner_cannot_reach_the_first_learners_attempt(
    page: Page, live_server, sign_in, learner_in, browser
):
    course, user = learner_in("safe-passwords")
    sign_in(user.username)
    play(page, live_server, course)
    expect(content(page).get_by_role("button", name="Next")).to_be_visible()
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    content_origin = page.locator("#player-frame").get_attribute("src").split("/content/")[0]

    other = UserFactory(username="mallory")
    enrollment_create(learner=learner_get_or_create(user=other), course=course)
    intruder = browser.new_context().new_page()
    intruder.goto(f"{live_server.url}/accounts/login/")
    intruder.get_by_label("Username").fill("mallory")
    intruder.get_by_label("Password").fill("pass-for-tests")
    intruder.get_by_role("button", name="Sign in").click()
    intruder.wait_for_url(re.compile(r"/learn/$"))

    base = live_server.url
    assert intruder.goto(f"{base}/learn/attempts/{attempt.pk}/").status == 404
    assert intruder.goto(f"{base}/learn/attempts/{attempt.pk}/progress/").status == 404
    assert (
        intruder.request.get(f"{content_origin}/content/p/{attempt.package_id}/index.html").status
        == 401
    )
    commit = intruder.request.post(
        f"{base}/play/local/commit/",
        data=json.dumps(
            {
                "token": "not-lea-s-token",
                "activity": "safe-passwords-item",
                "sequence": 99,
                "changes": {"cmi.core.lesson_status": "passed"},
            }
        ),
    )
    assert commit.status == 401
    attempt.refresh_from_db()
    assert attempt.completion != "completed"


def test_a_learner_enrols_herself_and_starts(page: Page, live_server, sign_in, make_demo_course):
    course = make_demo_course("spotting-phishing")
    user = UserFactory(username="newbie")
    sign_in(user.username)
    page.goto(f"{live_server.url}/learn/")
    expect(page.get_by_text("You are not enrolled in any course yet.")).to_be_visible()
    joinable = page.locator("article", has_text=course.title)
    joinable.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text(f"You are enrolled in {course.title}.")).to_be_visible()
    page.get_by_role("button", name="Play").click()
    expect(content(page).get_by_role("heading", name="Spotting phishing")).to_be_visible()
    page.goto(f"{live_server.url}/learn/")
    card = page.locator("article", has_text=course.title)
    expect(card.get_by_role("button", name="Resume")).to_be_visible()
    expect(card.get_by_text("In progress")).to_be_visible()


def test_sign_out(page: Page, live_server, sign_in):
    UserFactory(username="leaving")
    sign_in("leaving")
    page.get_by_role("button", name="Sign out (leaving)").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/learn/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/learn/"))


def test_a_long_open_player_offers_a_fresh_launch_before_the_token_runs_out(
    page: Page, live_server, sign_in, learner_in, settings
):
    settings.SCORM_LAUNCH_TOKEN_MAX_AGE = 125  # the page warns 120 s before the end
    course, user = learner_in("safe-passwords")
    sign_in(user.username)
    play(page, live_server, course)
    first = page.locator("#player-frame").get_attribute("src")
    banner = page.get_by_role("alert").filter(has_text="Your session ends soon")
    expect(banner).to_be_visible(timeout=10_000)
    banner.get_by_role("link", name="Continue").click()
    expect(content(page).get_by_role("button", name="Next")).to_be_visible()
    assert page.locator("#player-frame").get_attribute("src") != first


@pytest.mark.parametrize(
    ("slug", "exit_key"), [("safe-passwords", "cmi.core.exit"), ("spotting-phishing", "cmi.exit")]
)
def test_a_link_of_the_player_page_leaves_once_the_courses_last_data_is_stored(
    page: Page, live_server, sign_in, learner_in, slow_server, slug, exit_key
):
    """The demo course suspends and terminates when it is unloaded. Followed from the player
    page, "Back to course" first has the player unload it and store what it leaves: the course
    page the learner lands on is served after that commit, not raced by a beacon. Commits are
    slowed down here so that the race, were there one, would be lost."""
    course, user = learner_in(slug)
    sign_in(user.username)
    play(page, live_server, course)
    sco = content(page)
    sco.get_by_role("button", name="Next").click()
    expect(sco.locator("#page-count")).to_have_text(re.compile(r"^Page 2 of"))
    slow_server(reverse("playback:local_commit"), 0.5)
    page.get_by_role("link", name="Back to course").click()
    page.wait_for_url(f"{live_server.url}{course.get_absolute_url()}")
    state = ActivityState.objects.get(attempt__enrollment__course=course)
    assert state.cmi.get(exit_key) == "suspend"
