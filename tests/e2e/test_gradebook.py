"""An instructor reads a course gradebook in a real browser and downloads it as CSV."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from enrollments.services import course_results_rebuild
from gradebook.csv_export import csv_safe
from providers.types import Completion, Success
from tests.factories import (
    AttemptFactory,
    CourseFactory,
    EnrollmentFactory,
    PackageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# username, first name, then each attempt's (completion, success, score).
LEARNERS = [
    ("ann", "Ann", [(Completion.COMPLETED, Success.PASSED, 0.92)]),
    ("bob", "Bob", [(Completion.COMPLETED, Success.UNKNOWN, None)]),
    ("cyd", "Cyd", [(Completion.COMPLETED, Success.FAILED, 0.35)]),
    ("dee", "Dee", [(Completion.INCOMPLETE, Success.UNKNOWN, 0.6)]),
    ("eve", "Eve", []),  # never started
    (
        "fay",
        "Fay",
        [(Completion.COMPLETED, Success.FAILED, 0.4), (Completion.COMPLETED, Success.PASSED, 0.78)],
    ),
]


@pytest.fixture
def gradebook_course():
    course = CourseFactory(title="Fire safety", slug="fire-safety")
    PackageFactory(course=course, version=1)
    course.instructors.add(UserFactory(username="teacher"))
    for index, (username, first_name, attempts) in enumerate(LEARNERS):
        enrollment = EnrollmentFactory(
            course=course,
            learner__user__username=username,
            learner__user__first_name=first_name,
            learner__user__last_name="Tester",
        )
        for number, (completion, success, score) in enumerate(attempts, start=1):
            started = T0 + timedelta(days=index, hours=number)
            AttemptFactory(
                enrollment=enrollment,
                number=number,
                completion=completion,
                success=success,
                score_scaled=score,
                seconds_tracked=300 * (index + 1),
                first_accessed_at=started,
                last_accessed_at=started + timedelta(minutes=20),
                completed_at=started + timedelta(minutes=20)
                if completion == Completion.COMPLETED
                else None,
            )
    # Made behind the services' back: store the learners' results as rebuild_gradebook does.
    course_results_rebuild(course=course)
    return course


def table_rows(page: Page) -> list[list[str]]:
    """The gradebook table's body as text, "—" (nothing) read as an empty cell."""
    rows = page.locator("#gradebook-table tbody tr")
    return [
        [cell.strip().replace("—", "") for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def column(page: Page, index: int) -> list[str]:
    return [row[index] for row in table_rows(page)]


def test_instructor_sorts_filters_opens_a_learner_and_downloads_the_csv(
    page: Page, live_server, sign_in, gradebook_course
):
    sign_in("teacher")
    page.goto(f"{live_server.url}/gradebook/")
    page.get_by_role("link", name="Fire safety").click()

    expect(page.get_by_role("heading", name="Fire safety")).to_be_visible()
    expect(page.locator("#gradebook-table tbody tr")).to_have_count(len(LEARNERS))
    expect(page.get_by_role("img", name="Score distribution")).to_be_visible()
    expect(page.locator("#gradebook-table")).to_contain_text("Completed, no pass mark")
    expect(page.locator("#gradebook-table")).to_contain_text("Not started")

    # Sort by score, then reverse it: learners without a score stay last (in reverse name
    # order too: a descending sort is the exact mirror of the ascending one otherwise).
    page.locator("#gradebook-table thead").get_by_role("link", name="Score (%)").click()
    expect(page).to_have_url(re.compile(r"sort=score&dir=asc"))
    page.locator("#gradebook-table thead").get_by_role("link", name="Score (%)").click()
    expect(page).to_have_url(re.compile(r"sort=score&dir=desc"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Score (%)")
    assert column(page, 1) == ["ann", "fay", "dee", "cyd", "eve", "bob"]

    # Filter by status: the sort holds.
    page.get_by_label("Status").select_option(label="Passed")
    expect(page).to_have_url(re.compile(r"status=passed.*sort=score&dir=desc"))
    expect(page.locator("#gradebook-table tbody tr")).to_have_count(2)
    assert column(page, 1) == ["ann", "fay"]
    assert set(column(page, 2)) == {"Passed"}

    # A learner's detail and back.
    page.get_by_role("link", name="Fay Tester").click()
    expect(page.get_by_role("heading", name="Fay Tester")).to_be_visible()
    expect(page.locator("#attempts-table tbody tr")).to_have_count(2)
    expect(page.locator("#attempts-table")).to_contain_text("counts")
    page.go_back()
    expect(page.locator("#gradebook-table tbody tr")).to_have_count(2)

    # Everyone again, still sorted by score; the download holds exactly the table's rows.
    page.get_by_label("Status").select_option(label="Any status")
    expect(page.locator("#gradebook-table tbody tr")).to_have_count(len(LEARNERS))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download gradebook (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("fire-safety-gradebook-")
    with open(download.path(), newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))

    headers = [
        text.strip(" ▲▼") for text in page.locator("#gradebook-table thead th").all_inner_texts()
    ]
    assert header == headers
    assert rows == [[csv_safe(cell) for cell in row] for row in table_rows(page)]
    assert [row[1] for row in rows] == ["ann", "fay", "dee", "cyd", "eve", "bob"]


def test_the_gradebook_shows_what_a_real_play_reported(
    page: Page, live_server, sign_in, make_demo_course, settings
):
    """A learner plays the SCORM 1.2 demo on the local player; the instructor reads it."""
    from enrollments.services import enrollment_create, learner_get_or_create
    from tests.e2e.journeys import answer_quiz, content, leave_course, play

    settings.SCORM_PROGRESS_POLL_SECONDS = 1
    course = make_demo_course("safe-passwords")
    course.instructors.add(UserFactory(username="teacher"))
    player = UserFactory(username="rae", first_name="Rae", last_name="Player")
    enrollment_create(learner=learner_get_or_create(user=player), course=course)

    sign_in("rae")
    play(page, live_server, course)
    answer_quiz(page, "safe-passwords", wrong=1)
    expect(content(page).get_by_text("Your score: 67%")).to_be_visible()
    leave_course(page)
    expect(page.locator("#progress-panel")).to_have_attribute("data-state", "final", timeout=15_000)
    page.get_by_role("button", name="Sign out (rae)").click()

    sign_in("teacher")
    page.goto(f"{live_server.url}/gradebook/")
    page.get_by_role("link", name=course.title).click()
    row = page.locator("#gradebook-table tbody tr", has_text="rae")
    expect(row).to_contain_text("Not passed")
    expect(row).to_contain_text("67")
    row.get_by_role("link", name="Rae Player").click()
    interactions = page.get_by_role("table", name=re.compile("Interactions", re.I))
    first = interactions.locator("tbody tr").first
    expect(first).to_contain_text("q1")  # the demo's first question, answered wrongly
    expect(first).to_contain_text("wrong")
    expect(interactions.locator("tbody tr")).to_have_count(3)
