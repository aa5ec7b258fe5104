"""A multi-SCO package on the local player: table of contents, navigation, place kept."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from courses.services import package_create
from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from playback.models import ActivityState
from tests.factories import CourseFactory, UserFactory
from tests.packages import two_sco_2004_zip

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def course_and_learner(settings):
    settings.SCORM_PROGRESS_POLL_SECONDS = 1
    course = CourseFactory(slug="two-activities", title="Two activities", provider="local")
    package_create(course=course, upload=ContentFile(two_sco_2004_zip(), name="two.zip"))
    user = UserFactory(username="lea")
    enrollment_create(learner=learner_get_or_create(user=user), course=course)
    return course, user


def player(page: Page):
    return page.frame_locator("#player-frame")


def sco(page: Page):
    return player(page).frame_locator("iframe.sco-frame")


def play(page: Page, live_server, course):
    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    page.get_by_role("button", name="Play").first.click()


def test_contents_and_navigation_lead_through_both_activities(
    page: Page, live_server, sign_in, course_and_learner
):
    course, user = course_and_learner
    sign_in(user.username)
    play(page, live_server, course)

    contents = player(page).get_by_role("navigation", name="Course contents")
    expect(contents.get_by_role("button", name="Activity A")).to_have_attribute(
        "aria-current", "step"
    )
    expect(sco(page).get_by_role("heading")).to_have_text("Activity A")

    # The SCO asks to continue: the player moves on by itself.
    sco(page).get_by_role("button", name="Finish activity").click()
    expect(sco(page).get_by_role("heading")).to_have_text("Activity B")
    expect(sco(page).locator("#query")).to_have_text("query: ?part=b")  # the item's parameters
    expect(contents.get_by_role("button", name="Activity B")).to_have_attribute(
        "aria-current", "step"
    )

    sco(page).get_by_role("button", name="Finish and leave").click()
    expect(player(page).get_by_text("You have left the course")).to_be_visible()
    panel = page.locator("#progress-panel")
    expect(panel).to_have_attribute("data-state", "final", timeout=10_000)
    expect(panel.locator("[data-field=score]")).to_have_text("80%")  # mean of 90% and 70%
    expect(panel.locator("[data-field=completion]")).to_have_text("completed")


def test_the_learners_place_is_kept(page: Page, live_server, sign_in, course_and_learner):
    course, user = course_and_learner
    sign_in(user.username)
    play(page, live_server, course)
    expect(sco(page).get_by_role("heading")).to_have_text("Activity A")

    player(page).get_by_role("button", name="Continue").click()
    expect(sco(page).get_by_role("heading")).to_have_text("Activity B")
    expect(sco(page).locator("#entry")).to_have_text("entry: ab-initio")
    # Activity A was left unfinished: it suspended on unload and committed.
    attempt = Attempt.objects.get(enrollment__learner__user=user)
    expect(player(page).get_by_role("button", name="Previous")).to_be_enabled()

    page.goto(f"{live_server.url}/learn/")  # leave the player
    play(page, live_server, course)
    expect(sco(page).get_by_role("heading")).to_have_text("Activity B")

    player(page).get_by_role("button", name="Activity A").click()
    expect(sco(page).get_by_role("heading")).to_have_text("Activity A")
    expect(sco(page).locator("#entry")).to_have_text("entry: resume")
    stored = ActivityState.objects.filter(attempt=attempt).values_list("activity", flat=True)
    assert set(stored) == {"act-a", "act-b"}
