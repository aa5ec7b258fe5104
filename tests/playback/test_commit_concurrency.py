"""Two commits of one attempt at once, on PostgreSQL: the second waits for the first's lock
and must see everything the first stored (READ COMMITTED reads a statement's rows as they were
when it started, before the wait)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from courses.models import Course, Package
from enrollments import services
from enrollments.models import Attempt, Enrollment
from enrollments.result_lock import enrollment_lock
from enrollments.services import attempt_apply_progress
from playback.models import ActivityState, AttemptRuntime
from playback.services import LaunchClosed
from providers.types import Completion, Progress, Score, Success
from tests.factories import AttemptFactory
from tests.playback.test_local_commit import _package, commit

pytestmark = pytest.mark.django_db(transaction=True)

RESULT = {"completion": "incomplete", "success": "unknown", "scaled": None}


@pytest.fixture
def attempt() -> Attempt:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and READ COMMITTED: PostgreSQL's (SQLite has one writer)")
    package = _package(Package.Standard.SCORM_2004_4, ("a",))
    return AttemptFactory(enrollment__course=package.course, package=package)


def test_a_commit_that_waited_for_another_reads_what_that_one_stored(attempt):
    commit(attempt, 1, {"cmi.session_time": "PT60S"}, activity="a", result=RESULT)
    locked, first_done = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                AttemptRuntime.objects.select_for_update().get(attempt_id=attempt.pk)
                locked.set()
                time.sleep(0.5)  # the second commit starts meanwhile and waits for the lock
                commit(attempt, 2, {"cmi.session_time": "PT90S"}, activity="a", result=RESULT)
        finally:
            first_done.set()
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert locked.wait(5)
    commit(attempt, 3, {"cmi.location": "p3"}, activity="a", result=RESULT)
    thread.join(5)
    assert first_done.is_set()
    state = ActivityState.objects.get(attempt=attempt, activity="a")
    assert state.cmi["cmi.session_time"] == "PT90S"
    assert (state.seconds_session, state.cmi["cmi.location"]) == (90, "p3")
    attempt.refresh_from_db()
    assert attempt.seconds_tracked == 90
    runtime = AttemptRuntime.objects.get(attempt_id=attempt.pk)
    assert (runtime.commit_launch, runtime.commit_sequence) == (1, 3)


def test_a_commit_waits_for_another_writer_of_the_enrolments_results_and_counts_its_result(
    attempt,
):
    """The commit takes the enrolment's lock with the run-time row's: the result it stores
    for the enrolment counts what a writer holding that lock stored meanwhile (here the
    learner's earlier attempt, scored higher, under "highest score")."""
    course = attempt.enrollment.course
    course.grading_method = Course.GradingMethod.HIGHEST
    course.save(update_fields=["grading_method"])
    earlier = AttemptFactory(
        enrollment=attempt.enrollment, package=attempt.package, number=0, is_open=False
    )
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=RESULT)
    locked, writer_done = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                attempt_apply_progress(
                    attempt=Attempt.objects.get(pk=earlier.pk),
                    progress=Progress(
                        completion=Completion.COMPLETED,
                        success=Success.PASSED,
                        score=Score(scaled=0.9),
                    ),
                    source="another writer",
                )
                locked.set()
                time.sleep(0.5)  # the commit starts meanwhile and waits for the enrolment
        finally:
            writer_done.set()
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(5)
    completed = {"completion": "completed", "success": "passed", "scaled": 0.5}
    commit(attempt, 2, {"cmi.score.scaled": "0.5"}, activity="a", result=completed)
    thread.join(5)
    assert writer_done.is_set()
    enrollment = Enrollment.objects.get(pk=attempt.enrollment_id)
    assert (enrollment.graded_attempt_id, enrollment.score) == (earlier.pk, 0.9)
    assert Attempt.objects.get(pk=attempt.pk).score_scaled == 0.5


def test_a_commit_that_waited_for_a_new_attempt_counts_it(attempt):
    """An attempt made while the commit waits for the enrolment's lock is not in the commit's
    statement's snapshot; the enrolment, as locked, counts it, so the writer reads the
    attempts again and grades the new one (here the highest score)."""
    course = attempt.enrollment.course
    course.grading_method = Course.GradingMethod.HIGHEST
    course.save(update_fields=["grading_method"])
    result = {"completion": "completed", "success": "passed", "scaled": 0.3}
    commit(attempt, 1, {"cmi.score.scaled": "0.3"}, activity="a", result=result)
    assert Enrollment.objects.get(pk=attempt.enrollment_id).attempt_count == 1
    made, locked, writer_done = [], threading.Event(), threading.Event()

    def writer() -> None:  # as attempt_start does: under the enrolment's lock, counted
        try:
            with transaction.atomic():
                enrollment = enrollment_lock(attempt.enrollment_id)
                made.append(
                    AttemptFactory(
                        enrollment_id=attempt.enrollment_id,
                        package=attempt.package,
                        number=2,
                        completion="completed",
                        success="passed",
                        score_scaled=0.9,
                    )
                )
                locked.set()
                time.sleep(0.5)  # the commit starts meanwhile and waits for the enrolment
                services._enrollment_result_store(
                    enrollment, services._attempt_facts(attempt.enrollment_id)
                )
        finally:
            writer_done.set()
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(5)
    result = {"completion": "completed", "success": "passed", "scaled": 0.5}
    commit(attempt, 2, {"cmi.score.scaled": "0.5"}, activity="a", result=result)
    thread.join(5)
    assert writer_done.is_set()
    enrollment = Enrollment.objects.get(pk=attempt.enrollment_id)
    assert (enrollment.attempt_count, enrollment.graded_attempt_id) == (2, made[0].pk)
    assert enrollment.score == 0.9


def test_a_commit_that_waited_for_its_attempt_to_be_closed_is_refused(attempt):
    """The attempt's row is locked with the others, so a commit that waited for a writer
    closing the attempt (a new attempt started) reads it closed, and stores nothing."""
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=RESULT)
    locked, writer_done = threading.Event(), threading.Event()

    def writer() -> None:  # as attempt_start closes the open attempt for a new one
        try:
            with transaction.atomic():
                enrollment_lock(attempt.enrollment_id)
                Attempt.objects.filter(pk=attempt.pk).update(is_open=False)
                locked.set()
                time.sleep(0.5)  # the commit starts meanwhile and waits
        finally:
            writer_done.set()
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(5)
    with pytest.raises(LaunchClosed):
        commit(attempt, 2, {"cmi.location": "p2"}, activity="a", result=RESULT)
    thread.join(5)
    assert writer_done.is_set()
    state = ActivityState.objects.get(attempt=attempt, activity="a")
    assert state.cmi["cmi.location"] == "p1"
