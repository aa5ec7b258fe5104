"""What the result writer reads under the enrolment's lock: the ORM's values, by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Package
from enrollments.models import Attempt, Enrollment
from enrollments.result_lock import (
    APPLY_FIELDS,
    PACKAGE_REMOTE_ID,
    enrollment_attempts,
    enrollment_lock,
)
from enrollments.results import RESULT_FIELDS
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment():
    enrollment = EnrollmentFactory(course=CourseFactory(grading_method="highest"))
    first = AttemptFactory(
        enrollment=enrollment,
        number=1,
        is_open=False,
        completion="completed",
        score_scaled=0.5,
        completed_at=timezone.now() - timedelta(days=2),
    )
    Package.objects.filter(pk=first.package_id).update(remote_id="pkg-1")
    AttemptFactory(enrollment=enrollment, number=2, package=first.package, seconds_tracked=12.5)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        graded_attempt=first, score=0.5, attempt_count=2, completed_at=first.completed_at
    )
    return enrollment


def test_the_lock_reads_the_stored_result_the_grading_method_and_the_learner(
    enrollment, django_assert_num_queries
):
    with django_assert_num_queries(1):
        locked = enrollment_lock(enrollment.pk)
        assert locked.course.grading_method == "highest"
        assert locked.learner.external_id == enrollment.learner.external_id
        assert locked.course_id == enrollment.course_id
    stored = Enrollment.objects.values(*RESULT_FIELDS).get(pk=enrollment.pk)
    assert {name: getattr(locked, name) for name in RESULT_FIELDS} == stored


def test_the_lock_of_no_enrolment_raises():
    with pytest.raises(Enrollment.DoesNotExist):
        enrollment_lock(0)


def test_the_attempts_are_the_orms_values(enrollment, django_assert_num_queries):
    with django_assert_num_queries(1):
        read = enrollment_attempts(enrollment.pk)
    expected = Attempt.objects.filter(enrollment=enrollment).values(
        *APPLY_FIELDS, PACKAGE_REMOTE_ID
    )
    assert sorted(read, key=lambda row: row["number"]) == sorted(
        expected, key=lambda row: row["number"]
    )
    assert {row[PACKAGE_REMOTE_ID] for row in read} == {"pkg-1"}


def test_an_enrolment_without_attempts_has_none(enrollment):
    assert enrollment_attempts(EnrollmentFactory().pk) == []
