"""Two commits of one attempt at once, on PostgreSQL: the second waits for the first's lock
and must see everything the first stored (READ COMMITTED reads a statement's rows as they were
when it started, before the wait)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

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


@contextmanager
def held_by_another(hold: Callable[[], object], then: Callable[[], object] = lambda: None):
    """Within the block, another connection's transaction has run ``hold`` (taking its locks)
    and runs ``then`` half a second later, before it commits: what the block does meanwhile
    waits for those locks."""
    held, done = threading.Event(), threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                hold()
                held.set()
                time.sleep(0.5)  # the block starts meanwhile and waits
                then()
        finally:
            done.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(5)
    try:
        yield
    finally:
        thread.join(5)
    assert done.is_set()


def test_a_commit_that_waited_for_another_reads_what_that_one_stored(attempt):
    commit(attempt, 1, {"cmi.session_time": "PT60S"}, activity="a", result=RESULT)
    with held_by_another(
        lambda: AttemptRuntime.objects.select_for_update().get(attempt_id=attempt.pk),
        lambda: commit(attempt, 2, {"cmi.session_time": "PT90S"}, activity="a", result=RESULT),
    ):
        commit(attempt, 3, {"cmi.location": "p3"}, activity="a", result=RESULT)
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
    scored = Progress(
        completion=Completion.COMPLETED, success=Success.PASSED, score=Score(scaled=0.9)
    )
    completed = {"completion": "completed", "success": "passed", "scaled": 0.5}
    with held_by_another(
        lambda: attempt_apply_progress(
            attempt=Attempt.objects.get(pk=earlier.pk), progress=scored, source="another writer"
        )
    ):
        commit(attempt, 2, {"cmi.score.scaled": "0.5"}, activity="a", result=completed)
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
    made = []

    def new_attempt() -> None:  # as attempt_start does: under the enrolment's lock, counted
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
        services._enrollment_result_store(
            enrollment, services._attempt_facts(attempt.enrollment_id)
        )

    result = {"completion": "completed", "success": "passed", "scaled": 0.5}
    with held_by_another(new_attempt):
        commit(attempt, 2, {"cmi.score.scaled": "0.5"}, activity="a", result=result)
    enrollment = Enrollment.objects.get(pk=attempt.enrollment_id)
    assert (enrollment.attempt_count, enrollment.graded_attempt_id) == (2, made[0].pk)
    assert enrollment.score == 0.9


def test_a_commit_that_waited_for_its_attempt_to_be_closed_is_refused(attempt):
    """The attempt's row is locked with the others, so a commit that waited for a writer
    closing the attempt (a new attempt started) reads it closed, and stores nothing."""
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=RESULT)

    def close() -> None:  # as attempt_start closes the open attempt for a new one
        enrollment_lock(attempt.enrollment_id)
        Attempt.objects.filter(pk=attempt.pk).update(is_open=False)

    with held_by_another(close), pytest.raises(LaunchClosed):
        commit(attempt, 2, {"cmi.location": "p2"}, activity="a", result=RESULT)
    state = ActivityState.objects.get(attempt=attempt, activity="a")
    assert state.cmi["cmi.location"] == "p1"
