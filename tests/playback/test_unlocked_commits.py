"""A SCORM 2004 commit on PostgreSQL is first tried without locks: its read, then its writes in
one statement made only if the rows it would have locked are as read. It must store exactly
what the locked commit stores, and anything written meanwhile sends it to the locks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Package
from enrollments.models import Attempt, Enrollment
from playback import services
from playback.models import ActivityState, AttemptRuntime
from playback.services import LaunchClosed, StaleCommit
from tests.factories import AttemptFactory
from tests.playback.test_local_commit import _package, commit

pytestmark = pytest.mark.django_db(transaction=True)

INCOMPLETE = {"completion": "incomplete", "success": "unknown", "scaled": None}


def _result(scaled: float, completion: str = "incomplete") -> dict:
    return {"completion": completion, "success": "unknown", "scaled": scaled}


@pytest.fixture
def package() -> Package:
    if connection.vendor != "postgresql":
        pytest.skip("the unlocked commit is PostgreSQL's (row versions; SQLite has one writer)")
    return _package(Package.Standard.SCORM_2004_4, ("a", "b"))


def _attempt(package: Package) -> Attempt:
    return AttemptFactory(enrollment__course=package.course, package=package)


def _stored(attempt: Attempt) -> dict:
    """Everything a commit writes, as stored."""
    row = Attempt.objects.values(
        "completion",
        "success",
        "score_scaled",
        "seconds_tracked",
        "is_open",
        "completed_at",
        "commit_launch",
        "commit_sequence",
    ).get(pk=attempt.pk)
    row["completed"] = row.pop("completed_at") is not None
    enrollment = Enrollment.objects.values(
        "status_rank",
        "completion_rank",
        "success_rank",
        "score",
        "attempt_count",
        "seconds_total",
    ).get(pk=attempt.enrollment_id)
    runtime = AttemptRuntime.objects.values(
        "commit_launch",
        "commit_sequence",
        "current_activity",
        "ended_launch",
        "closed_launch",
        "sequencing",
    ).get(attempt_id=attempt.pk)
    states = {
        state.activity: (
            state.cmi,
            state.collections,
            state.suspend_data,
            state.seconds_before,
            state.seconds_session,
            state.session_launch,
            state.session_delivery,
        )
        for state in ActivityState.objects.filter(attempt=attempt)
    }
    return {"attempt": row, "enrollment": enrollment, "runtime": runtime, "states": states}


#: A session over both activities: times, a score, suspend data, a new delivery, completion,
#: the sequencing state, the launch's end (each commit's changes, activity, delivery, extras).
SESSION = [
    ({"cmi.session_time": "PT60S"}, "a", 1, {}),
    ({"cmi.suspend_data": "s" * 5000}, "a", 1, {}),
    ({"cmi.session_time": "PT30S"}, "b", 2, {"result": _result(0.4), "state": "<state/>"}),
    ({"cmi.score.scaled": "0.4", "cmi.interactions.0.id": "q1"}, "b", 2, {"result": _result(0.4)}),
    ({"cmi.session_time": "PT15S"}, "a", 3, {"result": _result(0.8, "completed")}),
    ({"cmi.exit": "normal"}, "a", 3, {"result": _result(0.8, "completed"), "end": True}),
]


def _play(attempt: Attempt) -> None:
    for sequence, (changes, activity, delivery, extra) in enumerate(SESSION, start=1):
        commit(
            attempt,
            sequence,
            changes,
            activity=activity,
            delivery=delivery,
            **{"result": INCOMPLETE, **extra},
        )


def test_it_stores_exactly_what_the_locked_commit_stores(package, monkeypatch):
    unlocked, locked = _attempt(package), _attempt(package)
    _play(unlocked)
    monkeypatch.setattr(services, "_unlocked_first", lambda payload: False)
    _play(locked)
    assert _stored(unlocked) == _stored(locked)
    assert _stored(unlocked)["attempt"]["seconds_tracked"] == 105  # a's 60 + 15, b's 30


def test_it_is_two_statements_without_a_transaction(package):
    attempt = _attempt(package)
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=INCOMPLETE)
    commit(attempt, 2, {"cmi.session_time": "PT20S"}, activity="b", result=INCOMPLETE)
    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 3, {"cmi.score.scaled": "0.5"}, activity="a", result=_result(0.5))
    read, written = (query["sql"] for query in queries.captured_queries)
    assert read.startswith("SELECT")
    assert "FOR UPDATE" not in read
    assert "xmin" in read
    assert written.startswith("WITH g AS (SELECT FROM")
    assert "FOR UPDATE" in written
    assert 'UPDATE "enrollments_attempt"' in written  # the result, with the rest
    assert Attempt.objects.get(pk=attempt.pk).score_scaled == 0.5


def test_a_scorm_12_commit_takes_the_locks_at_once():
    """It reports no rolled-up result (its SCOs' data is read to roll one up)."""
    if connection.vendor != "postgresql":
        pytest.skip("the unlocked commit is PostgreSQL's")
    package = _package(Package.Standard.SCORM_12)
    attempt = _attempt(package)
    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 1, {"cmi.core.lesson_status": "passed"})
    assert queries.captured_queries[0]["sql"] == "BEGIN"
    assert not any("xmin" in query["sql"] for query in queries.captured_queries)


def _meanwhile(monkeypatch, action: Callable[[], object]) -> None:
    """``action`` runs once, between the unlocked commit's read and its writes."""
    read = services.commit_read
    pending = [action]

    def read_then_act(*args, **kwargs):
        found = read(*args, **kwargs)
        while pending:
            pending.pop()()
        return found

    monkeypatch.setattr(services, "commit_read", read_then_act)


def test_a_commit_stored_meanwhile_sends_it_to_the_locks_and_both_count(package, monkeypatch):
    attempt = _attempt(package)
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=INCOMPLETE)
    commit(attempt, 2, {"cmi.location": "p1"}, activity="b", result=INCOMPLETE)
    _meanwhile(
        monkeypatch,
        lambda: commit(attempt, 3, {"cmi.session_time": "PT40S"}, activity="b", result=INCOMPLETE),
    )
    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 4, {"cmi.session_time": "PT50S"}, activity="a", result=_result(0.5))
    assert [q["sql"] for q in queries.captured_queries].count("BEGIN") == 1  # the locks, once
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.seconds_tracked, stored.score_scaled) == (90, 0.5)
    runtime = AttemptRuntime.objects.get(attempt_id=attempt.pk)
    assert (runtime.commit_sequence, runtime.current_activity) == (4, "a")


def test_an_attempt_closed_meanwhile_refuses_it_and_nothing_of_it_is_stored(package, monkeypatch):
    attempt = _attempt(package)
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=INCOMPLETE)
    _meanwhile(monkeypatch, lambda: Attempt.objects.filter(pk=attempt.pk).update(is_open=False))
    with pytest.raises(LaunchClosed):
        commit(attempt, 2, {"cmi.location": "p2"}, activity="a", result=_result(0.9))
    assert ActivityState.objects.get(attempt=attempt, activity="a").cmi["cmi.location"] == "p1"
    assert Attempt.objects.get(pk=attempt.pk).score_scaled is None


def test_a_result_written_to_the_enrolment_meanwhile_sends_it_to_the_locks(package, monkeypatch):
    """The enrolment's row is one the commit would have locked: another writer of its result
    (here a rebuild) makes the unlocked writes void, and the locked commit stores the result."""
    attempt = _attempt(package)
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=INCOMPLETE)
    _meanwhile(
        monkeypatch,
        lambda: Enrollment.objects.filter(pk=attempt.enrollment_id).update(score=0.01),
    )
    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 2, {"cmi.score.scaled": "0.7"}, activity="a", result=_result(0.7))
    assert [q["sql"] for q in queries.captured_queries].count("BEGIN") == 1
    assert Enrollment.objects.get(pk=attempt.enrollment_id).score == 0.7


def test_a_refusal_is_decided_under_the_locks(package):
    attempt = _attempt(package)
    commit(attempt, 5, {"cmi.location": "p5"}, activity="a", result=INCOMPLETE)
    with CaptureQueriesContext(connection) as queries, pytest.raises(StaleCommit):
        commit(attempt, 4, {"cmi.location": "p4"}, activity="a", result=_result(0.9))
    assert "BEGIN" in [q["sql"] for q in queries.captured_queries]
    assert ActivityState.objects.get(attempt=attempt, activity="a").cmi["cmi.location"] == "p5"


def test_a_learners_second_attempt_is_stored_under_the_locks(package):
    """The result writer reads the enrolment's other attempts: rows the unlocked commit does
    not guard, so it stores nothing and the locked one stores it all."""
    earlier = _attempt(package)
    commit(earlier, 1, {"cmi.score.scaled": "0.9"}, activity="a", result=_result(0.9))
    Attempt.objects.filter(pk=earlier.pk).update(is_open=False)
    attempt = AttemptFactory(enrollment=earlier.enrollment, package=package, number=2)
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=INCOMPLETE)
    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 2, {"cmi.score.scaled": "0.3"}, activity="a", result=_result(0.3))
    assert [q["sql"] for q in queries.captured_queries].count("BEGIN") == 1
    assert Attempt.objects.get(pk=attempt.pk).score_scaled == 0.3
    assert ActivityState.objects.get(attempt=attempt, activity="a").cmi["cmi.location"] == "p1"
