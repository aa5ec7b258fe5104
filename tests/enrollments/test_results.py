"""Each enrolment's stored result: the writers' Python and ``rebuild_gradebook``'s SQL agree on
every grading method and every combination of results, the writers keep it in step with every
result, launch and new attempt, and a change of grading method recomputes it."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import Course
from enrollments.grading import AttemptFacts, graded_attempt
from enrollments.models import Attempt, Enrollment
from enrollments.results import RESULT_FIELDS, result_values
from enrollments.services import (
    attempt_apply_progress,
    attempt_start,
    course_results_rebuild,
    enrollment_result_refresh,
    learner_get_or_create,
)
from providers.types import Completion, Progress, Score, Success
from tests.factories import (
    AttemptFactory,
    CourseFactory,
    EnrollmentFactory,
    PackageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)  # late evening: the local day differs by zone
METHODS = list(Course.GradingMethod)
SCORES = [None, 0.0, 0.3, 0.9, 1.0]


def _attempt(enrollment, number, completion, success, score, accessed, **extra):
    completed = completion == Completion.COMPLETED
    return AttemptFactory(
        enrollment=enrollment,
        number=number,
        completion=completion,
        success=success,
        score_scaled=score,
        seconds_tracked=extra.pop("seconds", 60.0 * number),
        first_accessed_at=T0 + timedelta(hours=number) if accessed else None,
        last_accessed_at=T0 + timedelta(hours=number, minutes=5) if accessed else None,
        completed_at=T0 + timedelta(days=number) if completed else None,
        **extra,
    )


@pytest.fixture
def course_with_every_combination(db):
    """One learner per single-attempt combination of completion, success, score and access,
    learners with several mixed attempts (ties included), one who never started, and stored
    values no page could show (times that overflow a sum, scores that are not numbers)."""
    course = CourseFactory(slug="every-combination")
    combos = itertools.product(Completion, Success, SCORES, [False, True])
    for completion, success, score, accessed in combos:
        _attempt(EnrollmentFactory(course=course), 1, completion, success, score, accessed)
    rng = random.Random(13)
    for _ in range(60):
        enrollment = EnrollmentFactory(course=course)
        for number in range(1, rng.randint(2, 5)):
            _attempt(
                enrollment,
                number,
                rng.choice(list(Completion)),
                rng.choice(list(Success)),
                rng.choice(SCORES),
                rng.random() < 0.8,
            )
    EnrollmentFactory(course=course)  # never started
    absurd = EnrollmentFactory(course=course)
    for number, seconds in enumerate((1.5e308, 1.5e308, math.inf, 42.0), start=1):
        _attempt(absurd, number, Completion.COMPLETED, Success.PASSED, 0.5, True, seconds=seconds)
    for score in (math.inf, math.nan, -1e300):
        _attempt(
            EnrollmentFactory(course=course), 1, Completion.COMPLETED, Success.PASSED, score, True
        )
    return course


def _python_rows(course) -> dict[int, dict]:
    """The result of every enrolment as the writers compute it, from its attempts."""
    facts: dict[int, list[AttemptFacts]] = {e.pk: [] for e in course.enrollments.all()}
    for attempt in Attempt.objects.filter(enrollment__course=course):
        facts[attempt.enrollment_id].append(AttemptFacts.of(attempt))
    return {
        pk: result_values(attempts, grading_method=course.grading_method)
        for pk, attempts in facts.items()
    }


def _stored_rows(course) -> dict[int, dict]:
    return {
        row.pop("pk"): row
        for row in Enrollment.objects.filter(course=course).values("pk", *RESULT_FIELDS)
    }


def _assert_same(stored: dict[int, dict], expected: dict[int, dict]) -> None:
    assert stored.keys() == expected.keys()
    for pk, row in expected.items():
        for name, value in row.items():
            got = stored[pk][name]
            if isinstance(value, float):
                assert got == pytest.approx(value, rel=1e-9), (pk, name)
            else:
                assert got == value, (pk, name, stored[pk], row)


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
@pytest.mark.parametrize("method", METHODS)
def test_sql_rebuild_agrees_with_the_writers_python(
    settings, course_with_every_combination, method, time_zone
):
    settings.TIME_ZONE = time_zone
    course = course_with_every_combination
    course.grading_method = method
    course.save()

    course_results_rebuild(course=course)

    _assert_same(_stored_rows(course), _python_rows(course))


@pytest.mark.parametrize("method", METHODS)
def test_the_writers_store_what_a_rebuild_computes(course_with_every_combination, method):
    course = course_with_every_combination
    course.grading_method = method
    course.save()
    for enrollment in course.enrollments.all():
        enrollment_result_refresh(enrollment_id=enrollment.pk)
    written = _stored_rows(course)

    course_results_rebuild(course=course)

    _assert_same(written, _stored_rows(course))


def test_absurd_stored_values_count_as_missing(course_with_every_combination):
    course = course_with_every_combination
    course_results_rebuild(course=course)
    rows = Enrollment.objects.filter(course=course)
    assert all(math.isfinite(r.seconds_total) for r in rows)
    assert max(r.seconds_total for r in rows) < 10 * 365 * 24 * 3600
    assert all(r.score is None or math.isfinite(r.score) for r in rows)


def test_the_graded_attempt_rules(db):
    """Each method's pick, on one learner's four attempts (as the gradebook documents it)."""
    rows = [
        AttemptFacts(1, 1, "completed", "failed", 0.6, 0, None, None, None),
        AttemptFacts(2, 2, "completed", "passed", 0.9, 0, None, None, None),
        AttemptFacts(3, 3, "incomplete", "unknown", 0.95, 0, None, None, None),
        AttemptFacts(4, 4, "incomplete", "unknown", None, 0, None, None, None),
    ]
    picks = {m: graded_attempt(rows, grading_method=m).pk for m in METHODS}
    assert picks == {"highest": 3, "last_completed": 2, "first": 1, "average": 2}
    assert graded_attempt([], grading_method="highest") is None


# --- The writers keep the row in step ---------------------------------------------------------


def _progress(completion="incomplete", success="unknown", score=None, seconds=None):
    return Progress(
        completion=Completion(completion),
        success=Success(success),
        score=Score(scaled=score),
        seconds=seconds,
    )


def test_every_write_keeps_the_stored_result_in_step(db):
    course = CourseFactory()
    PackageFactory(course=course)
    enrollment = EnrollmentFactory(course=course, learner=learner_get_or_create(user=UserFactory()))

    def stored():
        return Enrollment.objects.get(pk=enrollment.pk)

    assert (stored().status, stored().attempt_count) == ("not_started", 0)
    first = attempt_start(enrollment=enrollment)
    assert (stored().status, stored().attempt_count) == ("not_started", 1)

    attempt_apply_progress(
        attempt=first, progress=_progress(seconds=30.0), source="t", order=(1, 1)
    )
    row = stored()
    assert (row.status, row.seconds_total, row.graded_attempt_id) == ("in_progress", 30.0, first.pk)
    assert row.last_access_at is not None

    attempt_apply_progress(
        attempt=first,
        progress=_progress("completed", "passed", 0.7, 90.0),
        source="t",
        order=(1, 2),
    )
    row = stored()
    assert (row.status, row.score, row.completion, row.success) == (
        "passed",
        0.7,
        "completed",
        "passed",
    )
    assert row.completed_on == row.completed_at.date()

    second = attempt_start(enrollment=enrollment, force_new=True)
    attempt_apply_progress(
        attempt=second,
        progress=_progress("completed", "passed", 0.9, 10.0),
        source="t",
        order=(1, 1),
    )
    row = stored()
    assert (row.attempt_count, row.score, row.graded_attempt_id) == (2, 0.9, second.pk)
    assert row.seconds_total == 100.0

    _assert_same(_stored_rows(course), _python_rows(course))


def test_a_stale_result_writes_nothing(db):
    enrollment = EnrollmentFactory(learner=learner_get_or_create(user=UserFactory()))
    PackageFactory(course=enrollment.course)
    attempt = attempt_start(enrollment=enrollment)
    attempt_apply_progress(
        attempt=attempt, progress=_progress("completed", score=0.5), source="t", order=(1, 5)
    )
    before = _stored_rows(enrollment.course)
    outcome = attempt_apply_progress(
        attempt=attempt, progress=_progress(score=0.1), source="t", order=(1, 4)
    )
    assert outcome == "stale"
    assert _stored_rows(enrollment.course) == before


def test_changing_the_grading_method_in_the_admin_recomputes_the_course(db):
    course = CourseFactory(grading_method=Course.GradingMethod.HIGHEST)
    enrollment = EnrollmentFactory(course=course)
    _attempt(enrollment, 1, Completion.COMPLETED, Success.PASSED, 0.9, True)
    _attempt(enrollment, 2, Completion.COMPLETED, Success.FAILED, 0.2, True)
    course_results_rebuild(course=course)
    assert Enrollment.objects.get(pk=enrollment.pk).score == 0.9
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:courses_course_change", args=[course.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "instructors"
    }
    data |= {"grading_method": Course.GradingMethod.FIRST, "description": ""}
    data |= {
        "packages-TOTAL_FORMS": "0",
        "packages-INITIAL_FORMS": "0",
        "packages-MIN_NUM_FORMS": "0",
        "packages-MAX_NUM_FORMS": "1000",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Enrollment.objects.get(pk=enrollment.pk).score == 0.9  # first attempt: 0.9 as well
    Course.objects.filter(pk=course.pk).update(grading_method=Course.GradingMethod.HIGHEST)
    data["grading_method"] = Course.GradingMethod.LAST_COMPLETED
    assert client.post(url, data).status_code == 302
    row = Enrollment.objects.get(pk=enrollment.pk)
    assert (row.score, row.status) == (0.9, "passed")  # the failed second does not count


def test_renaming_a_learner_renames_their_rows(db):
    enrollment = EnrollmentFactory(learner__user__last_name="Old")
    user = enrollment.learner.user
    user.last_name = "New"
    user.save()
    assert Enrollment.objects.get(pk=enrollment.pk).learner_last_name == "New"


def test_deleting_an_attempt_recounts(db):
    enrollment = EnrollmentFactory()
    keep = _attempt(enrollment, 1, Completion.INCOMPLETE, Success.UNKNOWN, None, True)
    gone = _attempt(enrollment, 2, Completion.COMPLETED, Success.PASSED, 0.8, True)
    enrollment_result_refresh(enrollment_id=enrollment.pk)
    assert Enrollment.objects.get(pk=enrollment.pk).graded_attempt_id == gone.pk
    gone.delete()
    row = Enrollment.objects.get(pk=enrollment.pk)
    assert (row.attempt_count, row.graded_attempt_id, row.status) == (1, keep.pk, "in_progress")


def test_rebuild_gradebook_command(course_with_every_combination, capsys):
    course = course_with_every_combination
    Enrollment.objects.filter(course=course).update(attempt_count=0, status_rank=0)

    call_command("rebuild_gradebook", "--course", course.slug)

    assert "row(s) changed" in capsys.readouterr().out
    _assert_same(_stored_rows(course), _python_rows(course))
    with pytest.raises(Exception, match="No course"):
        call_command("rebuild_gradebook", "--course", "nope")


def test_a_cascade_does_not_recompute_once_per_attempt(db, django_assert_max_num_queries):
    course = CourseFactory()
    for _ in range(5):
        enrollment = EnrollmentFactory(course=course)
        for number in (1, 2, 3):
            _attempt(enrollment, number, Completion.INCOMPLETE, Success.UNKNOWN, None, True)

    with django_assert_max_num_queries(20):  # 15 recomputations would take 45 more
        Enrollment.objects.filter(course=course).delete()

    assert not Attempt.objects.filter(enrollment__course=course).exists()


def test_deleting_attempts_recomputes_their_enrolments(db):
    enrollment = EnrollmentFactory()
    for number in (1, 2):
        _attempt(enrollment, number, Completion.COMPLETED, Success.PASSED, 0.5, True)
    enrollment_result_refresh(enrollment_id=enrollment.pk)

    Attempt.objects.filter(enrollment=enrollment).delete()  # the admin's bulk action

    row = Enrollment.objects.get(pk=enrollment.pk)
    assert (row.attempt_count, row.status, row.graded_attempt_id) == (0, "not_started", None)
