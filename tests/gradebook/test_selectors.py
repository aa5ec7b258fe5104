"""The gradebook's queries: which attempt counts, statuses, totals, filters, sorting, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from courses.models import Course
from enrollments.status import AttemptStatus
from gradebook.queries import (
    GradebookFilters,
    attempts_export_queryset,
    gradebook_completions_by_day,
    gradebook_course_list,
    gradebook_queryset,
    gradebook_row_get,
    gradebook_rows,
    gradebook_summary,
)
from providers.types import Completion, Success
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory

from .bulk import rebuilt

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def attempt(
    enrollment,
    number,
    *,
    completion=Completion.INCOMPLETE,
    success=Success.UNKNOWN,
    score=None,
    **kw,
):
    completed = completion == Completion.COMPLETED
    return AttemptFactory(
        enrollment=enrollment,
        number=number,
        completion=completion,
        success=success,
        score_scaled=score,
        completed_at=kw.pop("completed_at", T0 + timedelta(days=number) if completed else None),
        **kw,
    )


def rows(course, **filters):
    rebuilt(course)
    return list(
        gradebook_rows(gradebook_queryset(course=course, filters=GradebookFilters(**filters)))
    )


@pytest.fixture
def history(course):
    """One learner, four attempts: failed 60, passed 90 (completed), incomplete 95, incomplete none."""
    enrollment = EnrollmentFactory(course=course, learner__user__username="ada")
    attempts = [
        attempt(enrollment, 1, completion=Completion.COMPLETED, success=Success.FAILED, score=0.6),
        attempt(enrollment, 2, completion=Completion.COMPLETED, success=Success.PASSED, score=0.9),
        attempt(enrollment, 3, score=0.95),
        attempt(enrollment, 4),
    ]
    return enrollment, attempts


@pytest.mark.parametrize(
    ("method", "graded_number", "score", "status"),
    [
        (Course.GradingMethod.HIGHEST, 3, 0.95, AttemptStatus.IN_PROGRESS),
        (Course.GradingMethod.FIRST, 1, 0.6, AttemptStatus.FAILED),
        # Moodle's rule: the last completed attempt that did not fail.
        (Course.GradingMethod.LAST_COMPLETED, 2, 0.9, AttemptStatus.PASSED),
        # Mean of the scored attempts; status from the last completed one.
        (Course.GradingMethod.AVERAGE, 2, (0.6 + 0.9 + 0.95) / 3, AttemptStatus.PASSED),
    ],
)
def test_graded_attempt_follows_the_course_setting(
    course, history, method, graded_number, score, status
):
    course.grading_method = method
    course.save()
    _, attempts = history

    (row,) = rows(course)

    assert row.graded_attempt_id == attempts[graded_number - 1].pk
    assert row.score_scaled == pytest.approx(score)
    assert row.status is status
    assert row.attempts == 4


def test_last_completed_falls_back_to_the_latest_attempt(course):
    course.grading_method = Course.GradingMethod.LAST_COMPLETED
    course.save()
    enrollment = EnrollmentFactory(course=course)
    attempt(enrollment, 1, completion=Completion.COMPLETED, success=Success.FAILED, score=0.3)
    latest = attempt(enrollment, 2, score=0.5)

    (row,) = rows(course)

    assert row.graded_attempt_id == latest.pk
    assert row.status is AttemptStatus.IN_PROGRESS


def test_highest_prefers_the_furthest_attempt_when_none_has_a_score(course):
    enrollment = EnrollmentFactory(course=course)
    attempt(enrollment, 1)
    done = attempt(enrollment, 2, completion=Completion.COMPLETED)
    attempt(enrollment, 3)

    (row,) = rows(course)

    assert row.graded_attempt_id == done.pk
    assert row.status is AttemptStatus.COMPLETED


@pytest.mark.parametrize(
    ("completion", "success", "status"),
    [
        (Completion.UNKNOWN, Success.UNKNOWN, AttemptStatus.NOT_STARTED),  # never launched
        (Completion.INCOMPLETE, Success.UNKNOWN, AttemptStatus.IN_PROGRESS),
        (Completion.COMPLETED, Success.UNKNOWN, AttemptStatus.COMPLETED),
        (Completion.COMPLETED, Success.PASSED, AttemptStatus.PASSED),
        (Completion.COMPLETED, Success.FAILED, AttemptStatus.FAILED),
        (Completion.INCOMPLETE, Success.PASSED, AttemptStatus.PASSED),
        (Completion.INCOMPLETE, Success.FAILED, AttemptStatus.FAILED),
    ],
)
def test_status(course, completion, success, status):
    attempt(EnrollmentFactory(course=course), 1, completion=completion, success=success)

    (row,) = rows(course)

    assert row.status is status


def test_a_launched_attempt_that_reported_nothing_is_in_progress(course):
    attempt(
        EnrollmentFactory(course=course), 1, completion=Completion.UNKNOWN, first_accessed_at=T0
    )

    (row,) = rows(course)

    assert row.status is AttemptStatus.IN_PROGRESS


def test_status_labels_and_badges():
    assert AttemptStatus.COMPLETED.label == "Completed, no pass mark"
    assert AttemptStatus.COMPLETED.badge_class == "completed"
    assert AttemptStatus.FAILED.badge_class == "failed"
    assert AttemptStatus.NOT_STARTED.label == "Not started"
    assert AttemptStatus.IN_PROGRESS.badge_class == "incomplete"


def test_learners_who_never_started_are_listed(course):
    EnrollmentFactory(course=course, learner__user__username="idle")

    (row,) = rows(course)

    assert row.status is AttemptStatus.NOT_STARTED
    assert (row.attempts, row.graded_attempt_id, row.score_scaled) == (0, None, None)
    assert row.cells()[2:] == ["Not started", "", "", "", "", "0", "", ""]


def test_totals_span_all_attempts(course):
    enrollment = EnrollmentFactory(course=course)
    attempt(
        enrollment,
        1,
        seconds_tracked=61.4,
        first_accessed_at=T0,
        last_accessed_at=T0 + timedelta(hours=1),
    )
    attempt(
        enrollment,
        2,
        seconds_tracked=3600,
        first_accessed_at=T0 + timedelta(days=2),
        last_accessed_at=T0 + timedelta(days=3),
    )

    (row,) = rows(course)

    assert row.seconds == pytest.approx(3661.4)
    assert row.time_display == "1:01:01"
    assert (row.first_access, row.last_access) == (T0, T0 + timedelta(days=3))


def test_other_courses_are_not_counted(course):
    attempt(EnrollmentFactory(), 1, completion=Completion.COMPLETED)
    EnrollmentFactory(course=course)

    assert [r.status for r in rows(course)] == [AttemptStatus.NOT_STARTED]


@pytest.fixture
def cohort(course):
    """Four learners with distinct names, scores and statuses."""
    specs = [
        ("carol", "Carol", "Zed", Completion.COMPLETED, Success.PASSED, 0.8),
        ("alan", "Alan", "Turing", Completion.COMPLETED, Success.FAILED, 0.3),
        ("bea", "Bea", "Young", Completion.COMPLETED, Success.UNKNOWN, None),
        ("dan", "Dan", "Abel", None, None, None),
    ]
    for username, first, last, completion, success, score in specs:
        enrollment = EnrollmentFactory(
            course=course,
            learner__user__username=username,
            learner__user__first_name=first,
            learner__user__last_name=last,
        )
        if completion:
            attempt(enrollment, 1, completion=completion, success=success, score=score)
    return course


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("learner", False, ["dan", "alan", "bea", "carol"]),
        ("learner", True, ["carol", "bea", "alan", "dan"]),
        ("username", False, ["alan", "bea", "carol", "dan"]),
        # Learners without a score come last in both directions; descending is the exact
        # reverse otherwise (ties in reverse name order too).
        ("score", False, ["alan", "carol", "dan", "bea"]),
        ("score", True, ["carol", "alan", "bea", "dan"]),
        ("status", False, ["dan", "alan", "bea", "carol"]),
        ("status", True, ["carol", "bea", "alan", "dan"]),
        ("attempts", True, ["carol", "bea", "alan", "dan"]),
        ("attempts", False, ["dan", "alan", "bea", "carol"]),
        ("bogus", True, ["carol", "bea", "alan", "dan"]),
    ],
)
def test_sorting(cohort, sort, descending, expected):
    assert [r.username for r in rows(cohort, sort=sort, descending=descending)] == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": AttemptStatus.PASSED}, ["carol"]),
        ({"status": AttemptStatus.COMPLETED}, ["bea"]),
        ({"status": AttemptStatus.NOT_STARTED}, ["dan"]),
        ({"q": "tur"}, ["alan"]),
        ({"q": "CAROL@EXAMPLE"}, ["carol"]),
        ({"q": "bea young"}, ["bea"]),
        ({"q": "a", "status": AttemptStatus.FAILED}, ["alan"]),
        ({"q": "nobody"}, []),
    ],
)
def test_filters(cohort, filters, expected):
    assert [r.username for r in rows(cohort, **filters)] == expected


def test_attempts_export_follows_the_gradebook_filters_and_order(cohort):
    alan = cohort.enrollments.get(learner__user__username="alan")
    attempt(alan, 2, score=0.5)

    rebuilt(cohort)
    exported = list(
        attempts_export_queryset(
            course=cohort, filters=GradebookFilters(sort="score", descending=True)
        )
    )
    assert [(a["learner_username"], a["number"]) for a in exported] == [
        ("carol", 1),
        ("alan", 1),
        ("alan", 2),
        ("bea", 1),
    ]
    # Alan's graded attempt is now the unfinished 50 %: the filter is on the learner's status.
    in_progress = attempts_export_queryset(
        course=cohort, filters=GradebookFilters(status=AttemptStatus.IN_PROGRESS)
    )
    assert [(a["learner_username"], a["number"]) for a in in_progress] == [("alan", 1), ("alan", 2)]
    failed = attempts_export_queryset(
        course=cohort, filters=GradebookFilters(status=AttemptStatus.FAILED)
    )
    assert list(failed) == []


def test_row_get(cohort):
    carol = cohort.enrollments.get(learner__user__username="carol")

    row = gradebook_row_get(course=rebuilt(cohort), external_id=carol.learner.external_id)

    assert (row.username, row.status, row.score_display) == ("carol", AttemptStatus.PASSED, "80")
    assert gradebook_row_get(course=cohort, external_id="lrn_missing") is None
    assert gradebook_row_get(course=CourseFactory(), external_id=carol.learner.external_id) is None


def test_summary(cohort):
    summary = gradebook_summary(course=rebuilt(cohort))

    assert (summary.enrolled, summary.started, summary.completed) == (4, 3, 3)
    assert (summary.passed, summary.graded_for_success) == (1, 2)
    assert summary.completed_percent == 75.0
    assert summary.passed_percent == 50.0
    assert summary.average_score == pytest.approx(0.55)
    assert summary.score_buckets == [0, 0, 0, 1, 0, 0, 0, 0, 1, 0]


def test_summary_buckets_edges(course):
    for score in (0.0, 0.1, 0.0999, 0.9, 1.0, 0.5):
        attempt(EnrollmentFactory(course=course), 1, score=score)

    assert gradebook_summary(course=rebuilt(course)).score_buckets == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_summary_of_an_empty_course(course):
    summary = gradebook_summary(course=course)

    assert (
        summary.enrolled,
        summary.completed_percent,
        summary.passed_percent,
        summary.average_score,
    ) == (
        0,
        None,
        None,
        None,
    )
    assert summary.score_buckets == [0] * 10


def test_completions_by_day_are_cumulative(course):
    day = T0.date()
    for offset in (0, 0, 2):
        attempt(
            EnrollmentFactory(course=course),
            1,
            completion=Completion.COMPLETED,
            completed_at=T0 + timedelta(days=offset),
        )
    attempt(EnrollmentFactory(course=course), 1)

    assert gradebook_completions_by_day(course=rebuilt(course)) == [
        (day, 2),
        (day + timedelta(days=2), 3),
    ]


def test_course_list_counts_and_visibility(cohort, instructor, other_instructor, staff):
    empty = CourseFactory(title="Empty course")
    empty.instructors.add(instructor)
    rebuilt(cohort)

    listed = {c.title: c for c in gradebook_course_list(user=instructor)}

    assert set(listed) == {"Fire safety", "Empty course"}
    fire = listed["Fire safety"]
    assert (fire.enrolled_count, fire.started_count, fire.completed_count) == (4, 3, 3)
    assert fire.completion_rate == pytest.approx(75.0)
    assert listed["Empty course"].completion_rate is None
    assert "Fire safety" not in {c.title for c in gradebook_course_list(user=other_instructor)}
    assert {"Fire safety", "Empty course", "Another course"} <= {
        c.title for c in gradebook_course_list(user=staff)
    }
    assert list(gradebook_course_list(user=UserFactory())) == []
