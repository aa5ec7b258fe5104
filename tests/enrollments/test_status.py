"""One rule decides an attempt's status, and every page shows that one: the learner's course
page and My courses, the progress panel, the gradebook page and its CSV export."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from enrollments.models import Attempt
from enrollments.services import enrollment_result_refresh, learner_get_or_create
from enrollments.status import AttemptStatus, attempt_status, status_expression
from providers.types import Completion, Success
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory
from tests.gradebook.tables import table_rows

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
COMBINATIONS = list(itertools.product(Completion, Success, [False, True]))


@pytest.mark.parametrize(("completion", "success", "launched"), COMBINATIONS)
def test_the_database_expression_agrees_with_the_rule(completion, success, launched):
    attempt = AttemptFactory(
        completion=completion, success=success, first_accessed_at=T0 if launched else None
    )

    in_sql = (
        Attempt.objects.filter(pk=attempt.pk)
        .annotate(
            decided=status_expression(
                completion="completion", success="success", first_accessed_at="first_accessed_at"
            )
        )
        .values_list("decided", flat=True)
        .get()
    )

    assert (
        in_sql
        == attempt.status
        == attempt_status(
            completion=completion, success=success, first_accessed_at=attempt.first_accessed_at
        )
    )


def test_no_attempt_at_all_is_not_started():
    assert attempt_status(completion=None, success=None, first_accessed_at=None) is (
        AttemptStatus.NOT_STARTED
    )


def _badge(html: str, where: str) -> str:
    """The text of the first status badge after ``where`` in a page."""
    found = re.search(
        re.escape(where) + r'.*?<span class="badge [a-z-]+">([^<]+)</span>', html, re.S
    )
    assert found, f"no status badge after {where!r}"
    return found.group(1)


@pytest.mark.parametrize(
    ("completion", "success", "scored"), list(itertools.product(Completion, Success, [False, True]))
)
def test_every_page_shows_the_same_status(completion, success, scored):
    course = CourseFactory(title="Fire safety", slug="fire-safety")
    learner_user = UserFactory(username="lea")
    enrollment = EnrollmentFactory(course=course, learner=learner_get_or_create(user=learner_user))
    attempt = AttemptFactory(
        enrollment=enrollment,
        completion=completion,
        success=success,
        score_scaled=0.5 if scored else None,
        first_accessed_at=T0,
        last_accessed_at=T0,
        completed_at=T0 if completion == Completion.COMPLETED else None,
        is_open=completion != Completion.COMPLETED,
    )
    # The factory wrote the attempt behind the services' back: store the learner's result.
    enrollment_result_refresh(enrollment_id=enrollment.pk)
    instructor = UserFactory(username="ines")
    course.instructors.add(instructor)
    learner, teacher = Client(), Client()
    learner.force_login(learner_user)
    teacher.force_login(instructor)
    expected = attempt_status(completion=completion, success=success, first_accessed_at=T0).label

    course_page = learner.get(course.get_absolute_url()).content.decode()
    my_courses = learner.get(reverse("enrollments:my_courses")).content.decode()
    panel = learner.get(
        reverse("enrollments:attempt_progress", kwargs={"attempt_id": attempt.pk})
    ).content.decode()
    gradebook = teacher.get(reverse("gradebook:course", args=[course.slug])).content.decode()
    export = teacher.get(reverse("gradebook:export_gradebook", args=[course.slug]))
    _, csv_row = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))

    shown = {
        "course page": _badge(course_page, "Your attempts"),
        "my courses": _badge(my_courses, "Fire safety"),
        "panel": re.search(r'data-field="status"[^>]*>([^<]+)<', panel).group(1),
        "gradebook": table_rows(gradebook, "gradebook-table")[0][2],
        "gradebook CSV": csv_row[2],
    }
    assert shown == dict.fromkeys(shown, expected)
