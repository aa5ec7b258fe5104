"""Every learner and instructor page passes an axe-core audit (no serious or critical violation)
and its main controls work from the keyboard alone. (The player page is audited with the
player; the admin's package screens in their own journeys, tests/e2e/test_admin_*.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from enrollments.services import (
    enrollment_create,
    enrollment_result_refresh,
    learner_get_or_create,
)
from providers.types import Completion, Success
from tests.e2e.accessibility import (
    assert_accessible,
    assert_keyboard_reaches,
    assert_skip_link_works,
    press_until_focused,
)
from tests.factories import AttemptFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def school(make_demo_course):
    """A published course with an instructor and a learner who passed one attempt, and a second
    course the learner may join."""
    course = make_demo_course("safe-passwords")
    make_demo_course("spotting-phishing")
    teacher = UserFactory(username="teacher", first_name="Tess", last_name="Teacher")
    course.instructors.add(teacher)
    learner_user = UserFactory(username="lea", first_name="Lea", last_name="Learner")
    enrollment = enrollment_create(learner=learner_get_or_create(user=learner_user), course=course)
    AttemptFactory(
        enrollment=enrollment,
        number=1,
        completion=Completion.COMPLETED,
        success=Success.PASSED,
        score_scaled=0.9,
        seconds_tracked=610,
        first_accessed_at=T0,
        last_accessed_at=T0 + timedelta(minutes=12),
        completed_at=T0 + timedelta(minutes=12),
    )
    enrollment_result_refresh(enrollment_id=enrollment.pk)  # the factory wrote around it
    return course, enrollment


def test_the_login_page(page: Page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page, name="login")
    assert_skip_link_works(page)
    username = page.get_by_label("Username")
    password = page.get_by_label("Password")
    sign_in = page.get_by_role("button", name="Sign in")
    assert_keyboard_reaches(page, [username, password, sign_in])


def test_the_learners_pages(page: Page, live_server, sign_in, school, screenshot):
    course, _ = school
    sign_in("lea")
    page.goto(f"{live_server.url}/learn/")
    assert_accessible(page, name="my courses")
    screenshot("my-courses")
    assert_skip_link_works(page)
    course_link = page.get_by_role("link", name=course.title).first
    assert_keyboard_reaches(page, [course_link])

    press_until_focused(page, course_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/learn/courses/{course.slug}/$"))
    assert_accessible(page, name="course page")
    screenshot("course-page")
    play = page.get_by_role("button", name=re.compile(r"^Play"))
    assert_keyboard_reaches(page, [play])


def test_a_course_the_learner_may_join(page: Page, live_server, sign_in, school):
    sign_in("lea")
    page.goto(f"{live_server.url}/learn/courses/spotting-phishing/")
    assert_accessible(page, name="course page, not enrolled")
    enrol = page.get_by_role("button", name=re.compile(r"Enrol", re.I))
    press_until_focused(page, enrol)
    page.keyboard.press("Space")  # a button works with Space as well as Enter
    expect(page.get_by_role("button", name=re.compile(r"^Play"))).to_be_visible()


def test_the_instructors_pages(page: Page, live_server, sign_in, school, screenshot):
    course, enrollment = school
    sign_in("teacher")
    page.goto(f"{live_server.url}/gradebook/")
    assert_accessible(page, name="gradebook list")
    screenshot("gradebook-list")
    gradebook_link = page.get_by_role("link", name=course.title)
    assert_keyboard_reaches(page, [gradebook_link])
    press_until_focused(page, gradebook_link)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/gradebook/{course.slug}/$"))
    assert_accessible(page, name="course gradebook")
    screenshot("gradebook")
    status = page.get_by_label("Status")
    csv_link = page.get_by_role("link", name="Download gradebook (CSV)")
    learner_link = page.get_by_role("link", name="Lea Learner")
    row = page.locator("#gradebook-table tbody tr", has_text="Lea Learner")
    expect(row.get_by_role("cell", name="Passed", exact=True)).to_be_visible()
    assert_keyboard_reaches(page, [status, csv_link, learner_link])

    press_until_focused(page, learner_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Lea Learner")).to_be_visible()
    assert_accessible(page, name="learner detail")
    screenshot("gradebook-learner")

    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    assert_accessible(page, name="course page, instructor")
    screenshot("course-page-instructor")
    page.get_by_role("link", name="Manage learners").click()
    expect(page).to_have_url(re.compile(rf"/learn/courses/{course.slug}/learners/$"))
    assert_accessible(page, name="manage learners")
    screenshot("manage-learners")
    learners = page.get_by_role("textbox")
    assert_keyboard_reaches(page, [learners.first])
