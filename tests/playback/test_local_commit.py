"""The local run-time's commits, server side: what is stored, in what order, and when a launch
may no longer write."""

from __future__ import annotations

import pytest

from courses.models import Course, Package, Sco
from enrollments.models import Attempt, Enrollment
from playback.commit_lock import NoSuchAttempt
from playback.models import ActivityState, AttemptRuntime, LearnerGlobalState
from playback.selectors import attempt_current_activity
from playback.services import LaunchClosed, StaleCommit, local_commit
from providers.local.runtime import MAX_SESSION_SECONDS, InvalidCommit
from providers.local.tokens import LaunchClaims
from tests.factories import AttemptFactory, EnrollmentFactory, PackageFactory

pytestmark = pytest.mark.django_db


def _package(standard: str, identifiers: tuple[str, ...] = ("sco1",), **sequencing) -> Package:
    package = PackageFactory(standard=standard, sequencing=sequencing)
    for position, identifier in enumerate(identifiers):
        Sco.objects.create(
            package=package,
            position=position,
            identifier=identifier,
            href=f"{identifier}.html",
            mastery_score=0.8 if standard == Package.Standard.SCORM_12 else None,
        )
    return package


@pytest.fixture
def attempt12() -> Attempt:
    package = _package(Package.Standard.SCORM_12)
    return AttemptFactory(enrollment__course=package.course, package=package)


@pytest.fixture
def attempt2004() -> Attempt:
    package = _package(Package.Standard.SCORM_2004_4, ("a", "b"))
    return AttemptFactory(enrollment__course=package.course, package=package)


def claims(attempt, launch=1, review=False):
    return LaunchClaims(
        attempt_id=str(attempt.pk),
        learner_id=attempt.enrollment.learner.external_id,
        launch=launch,
        exit_url="/exit/",
        review=review,
    )


def commit(attempt, sequence, changes=None, *, launch=1, activity="sco1", review=False, **extra):
    return local_commit(
        claims=claims(attempt, launch, review),
        payload={"activity": activity, "sequence": sequence, "changes": changes or {}, **extra},
    )


def stored(attempt, activity="sco1") -> dict:
    state = ActivityState.objects.filter(attempt=attempt, activity=activity).first()
    return state.data if state else {}


def test_a_commit_stores_its_changes_and_the_rolled_up_result(attempt12):
    commit(
        attempt12,
        1,
        {
            "cmi.core.lesson_status": "passed",
            "cmi.core.score.raw": "85",
            "cmi.core.score.max": "100",
            "cmi.core.session_time": "0000:01:30.00",
            "cmi.interactions": {},
        },
    )
    attempt12.refresh_from_db()
    assert (attempt12.completion, attempt12.success, attempt12.score_scaled) == (
        "completed",
        "passed",
        0.85,
    )
    assert attempt12.seconds_tracked == 90
    assert stored(attempt12)["cmi.core.lesson_status"] == "passed"
    assert "cmi.interactions" not in stored(attempt12)  # an empty collection is no value
    assert not attempt12.is_open
    assert attempt12.completed_at is not None


def test_changes_are_merged_into_what_is_stored(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_location": "p1", "cmi.suspend_data": "x" * 64_000})
    commit(attempt12, 2, {"cmi.core.lesson_location": "p2"})
    assert stored(attempt12)["cmi.core.lesson_location"] == "p2"
    assert len(stored(attempt12)["cmi.suspend_data"]) == 64_000


def test_a_stale_commit_is_refused_and_changes_nothing(attempt12):
    commit(attempt12, 2, {"cmi.core.lesson_status": "passed"})
    for sequence in (1, 2):
        with pytest.raises(StaleCommit):
            commit(attempt12, sequence, {"cmi.core.lesson_status": "incomplete"})
    attempt12.refresh_from_db()
    assert stored(attempt12)["cmi.core.lesson_status"] == "passed"
    runtime = AttemptRuntime.objects.get(attempt=attempt12)
    assert (runtime.commit_launch, runtime.commit_sequence) == (1, 2)


def test_a_commit_without_a_result_still_orders_later_ones(attempt2004):
    """Most SCORM 2004 commits carry no result (a bookmark); the order must move on anyway, or
    a late commit with an older result would be taken."""
    passed = {"completion": "completed", "success": "passed", "scaled": 0.9}
    commit(attempt2004, 5, {"cmi.location": "p9"}, activity="a", result=passed)
    commit(attempt2004, 6, {"cmi.location": "p10"}, activity="a")
    with pytest.raises(StaleCommit):
        commit(
            attempt2004,
            6,
            activity="a",
            result={"completion": "incomplete", "success": "failed", "scaled": 0.1},
        )
    attempt2004.refresh_from_db()
    assert (attempt2004.success, attempt2004.score_scaled) == ("passed", 0.9)
    assert stored(attempt2004, "a")["cmi.location"] == "p10"


def test_a_bookmark_commit_touches_no_result_and_few_rows(
    attempt2004, django_assert_max_num_queries
):
    """The commit is a hot path: a commit that changes no result does not take the enrolment's
    lock nor rewrite the gradebook row, and its package costs no query once read."""
    result = {"completion": "incomplete", "success": "unknown", "scaled": None}
    commit(attempt2004, 1, {"cmi.location": "p1"}, activity="a", result=result)
    before = Attempt.objects.values().get(pk=attempt2004.pk)
    with django_assert_max_num_queries(8) as queries:  # 6, and the transaction's pair
        commit(attempt2004, 2, {"cmi.location": "p2"}, activity="a", result=result)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in sqls if 'FROM "enrollments_enrollment"' in sql]  # no writer lock
    assert not [sql for sql in sqls if sql.startswith('UPDATE "enrollments_')]
    assert Attempt.objects.values().get(pk=attempt2004.pk) == before
    assert stored(attempt2004, "a")["cmi.location"] == "p2"


def test_scorm_2004_changes_are_merged_into_what_is_stored(attempt2004):
    """On PostgreSQL the database merges the changes into the stored CMI (the document is
    neither read nor sent back); elsewhere the app does: the result is the same."""
    suspend = "x" * 64_000
    commit(
        attempt2004,
        1,
        {"cmi.location": "p1", "cmi.suspend_data": suspend, "cmi.session_time": "PT30S"},
        activity="a",
    )
    commit(attempt2004, 2, {"cmi.location": "p2", "cmi.exit": None}, activity="a")
    commit(attempt2004, 3, {}, activity="a")  # a commit with no changes changes nothing
    assert stored(attempt2004, "a") == {
        "cmi.location": "p2",
        "cmi.suspend_data": suspend,
        "cmi.session_time": "PT30S",
        "cmi.exit": None,
    }
    # The session time stored earlier still counts when a commit does not repeat it.
    assert ActivityState.objects.get(attempt=attempt2004, activity="a").seconds_session == 30


@pytest.mark.parametrize(("standard", "activity"), [("attempt12", "sco1"), ("attempt2004", "a")])
def test_suspend_data_is_kept_apart_from_the_cmi_document(request, standard, activity):
    """Out of the document, a bookmark does not write it again; "" is kept apart from never set
    (SCORM 2004 answers 403 for the latter)."""
    attempt = request.getfixturevalue(standard)
    location = "cmi.core.lesson_location" if standard == "attempt12" else "cmi.location"

    def row() -> ActivityState:
        return ActivityState.objects.get(attempt=attempt, activity=activity)

    commit(attempt, 1, {location: "p1"}, activity=activity)
    assert row().suspend_data is None
    assert "cmi.suspend_data" not in stored(attempt, activity)
    commit(attempt, 2, {"cmi.suspend_data": "s" * 4_000}, activity=activity)
    commit(attempt, 3, {location: "p3"}, activity=activity)
    assert (row().suspend_data, row().cmi) == ("s" * 4_000, {location: "p3"})
    assert stored(attempt, activity) == {location: "p3", "cmi.suspend_data": "s" * 4_000}
    commit(attempt, 4, {"cmi.suspend_data": ""}, activity=activity)
    assert stored(attempt, activity)["cmi.suspend_data"] == ""


@pytest.mark.parametrize(("standard", "activity"), [("attempt12", "sco1"), ("attempt2004", "a")])
def test_the_collections_are_kept_apart_and_not_written_again_by_other_changes(
    request, standard, activity
):
    """A collection's elements (interactions, objectives) have a document of their own: a
    commit that moves the bookmark does not write them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    attempt = request.getfixturevalue(standard)
    location = "cmi.core.lesson_location" if standard == "attempt12" else "cmi.location"
    collections = {
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.result": "correct",
        "cmi.objectives.0.id": "o1",
    }
    commit(attempt, 1, {location: "p1", **collections}, activity=activity)
    state = ActivityState.objects.get(attempt=attempt, activity=activity)
    assert (state.cmi, state.collections) == ({location: "p1"}, collections)

    with CaptureQueriesContext(connection) as queries:
        commit(attempt, 2, {location: "p2"}, activity=activity)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "UPDATE" in q["sql"] and '"playback_activitystate"' in q["sql"]
    ]
    assert writes
    assert not any('"collections"' in sql for sql in writes)
    assert stored(attempt, activity) == {location: "p2", **collections}

    commit(attempt, 3, {"cmi.interactions.0.result": "incorrect"}, activity=activity)
    assert stored(attempt, activity) == {
        location: "p2",
        **collections,
        "cmi.interactions.0.result": "incorrect",
    }


def test_a_commit_queries_little_and_sends_only_its_changes(
    attempt2004, django_assert_max_num_queries
):
    """The run-time lock, the attempt (its learner checked in the same query), the activity's
    row, its update, the other activities' time (a package of one has none to add), the
    run-time's update; the result's writer only when the result changed.
    The 64 KB already stored never travels (on PostgreSQL, where the database merges, and
    where a result-changing commit of the enrolment's only attempt is four statements: the
    locks, with the activity's row and the other activities' time, the writes together, and
    the transaction's pair)."""
    from django.db import connection

    result = {"completion": "incomplete", "success": "unknown", "scaled": None}
    commit(attempt2004, 1, {"cmi.suspend_data": "x" * 64_000}, activity="a", result=result)
    with django_assert_max_num_queries(8) as queries:  # 6, and the transaction's pair
        commit(attempt2004, 2, {"cmi.location": "p2"}, activity="a", result=result)
    if connection.vendor == "postgresql":
        assert max(len(q["sql"]) for q in queries.captured_queries) < 5_000
    scored = {"completion": "incomplete", "success": "unknown", "scaled": 0.5}
    with django_assert_max_num_queries(12) as queries:  # and the writer's read, two updates
        commit(attempt2004, 3, {"cmi.score.scaled": "0.5"}, activity="a", result=scored)
    if connection.vendor == "postgresql":
        assert len(queries) == 4
    assert Attempt.objects.get(pk=attempt2004.pk).score_scaled == 0.5


def test_a_newer_launch_wins_over_a_late_commit_of_an_older_one(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_location": "page-4"}, launch=2)
    with pytest.raises(StaleCommit):
        commit(attempt12, 50, {"cmi.core.lesson_location": "page-1"}, launch=1)
    assert stored(attempt12)["cmi.core.lesson_location"] == "page-4"


def test_session_times_add_up_across_deliveries_and_launches(attempt12):
    def times(sequence, session, **extra):
        commit(
            attempt12,
            sequence,
            {"cmi.core.session_time": session, "cmi.core.lesson_status": "incomplete"},
            **extra,
        )

    times(1, "0000:01:00.00", delivery=1)
    times(2, "0000:02:00.00", delivery=1)  # the same session, later: replaces its time
    times(3, "0000:00:30.00", delivery=2)  # a revisit in the same launch: a new session
    times(1, "0000:00:10.00", launch=2, delivery=1)
    attempt12.refresh_from_db()
    assert attempt12.seconds_tracked == 160


def test_a_new_session_counts_only_the_time_it_reports_itself_12(attempt12):
    """A new delivery is a new session: the time the previous one reported is kept once, and
    does not count again for a session that has not reported its own (yet, or ever)."""
    commit(attempt12, 1, {"cmi.core.session_time": "0000:01:00.00"}, delivery=1)
    commit(attempt12, 1, {"cmi.core.lesson_location": "p2"}, launch=2, delivery=1)
    attempt12.refresh_from_db()
    assert attempt12.seconds_tracked == 60
    assert "cmi.core.session_time" not in stored(attempt12)
    commit(attempt12, 2, {"cmi.core.session_time": "0000:00:20.00"}, launch=2, delivery=1)
    commit(attempt12, 3, {"cmi.core.lesson_location": "p3"}, launch=2, delivery=1)
    attempt12.refresh_from_db()
    assert attempt12.seconds_tracked == 80  # the session's own time still counts once


def test_a_new_session_counts_only_the_time_it_reports_itself_2004(attempt2004):
    result = {"completion": "incomplete", "success": "unknown", "scaled": None}
    commit(attempt2004, 1, {"cmi.session_time": "PT60S"}, activity="a", result=result)
    commit(attempt2004, 2, {"cmi.session_time": "PT15S"}, activity="b", delivery=2, result=result)
    commit(attempt2004, 3, {"cmi.location": "p2"}, activity="a", delivery=3, result=result)
    attempt2004.refresh_from_db()
    assert attempt2004.seconds_tracked == 75
    assert "cmi.session_time" not in stored(attempt2004, "a")
    commit(attempt2004, 4, {"cmi.session_time": "PT5S"}, activity="a", delivery=3, result=result)
    commit(attempt2004, 5, {"cmi.location": "p3"}, activity="a", delivery=3, result=result)
    attempt2004.refresh_from_db()
    assert attempt2004.seconds_tracked == 80
    state = ActivityState.objects.get(attempt=attempt2004, activity="a")
    assert (state.seconds_before, state.seconds_session) == (60, 5)


def test_a_commit_reads_under_its_lock_in_one_statement_and_never_reads_the_cmi(
    attempt2004, django_assert_num_queries
):
    """The locks, the attempt and (PostgreSQL, SCORM 2004) the activity's session
    bookkeeping and the other activity's time in one statement; then (PostgreSQL) the
    activity's row updated with the changes merged by the database, the stored CMI neither
    read nor sent, and the run-time's update, together in one statement."""
    from django.db import connection

    result = {"completion": "incomplete", "success": "unknown", "scaled": None}
    commit(attempt2004, 1, {"cmi.suspend_data": "x" * 64_000}, activity="a", result=result)
    merged = connection.vendor == "postgresql"
    # and the transaction's pair; elsewhere the app reads the activity's CMI to merge it, and
    # each write is its own statement
    with django_assert_num_queries(4 if merged else 7) as queries:
        commit(attempt2004, 2, {"cmi.location": "p2"}, activity="a", result=result)
    if merged:
        writes = queries.captured_queries[-2]["sql"]
        assert writes.startswith('WITH w0 AS (UPDATE "playback_activitystate"')
        assert 'UPDATE "playback_attemptruntime"' in writes
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert ("FOR UPDATE" in selects[0]) == connection.features.has_select_for_update
    assert '"completion"' in selects[0]
    assert '"commit_sequence"' in selects[0]
    cmi_read = [sql for sql in selects if '"playback_activitystate"."cmi"' in sql]
    assert len(cmi_read) == (0 if merged else 1)
    if merged:
        assert max(len(q["sql"]) for q in queries.captured_queries) < 5_000
    assert stored(attempt2004, "a")["cmi.location"] == "p2"


def test_a_commit_for_an_attempt_no_longer_the_learners_stores_nothing(attempt2004):
    """The learner is checked with the lock, also once the attempt has a run-time row."""
    commit(attempt2004, 1, {"cmi.location": "p1"}, activity="a")
    learner_claims = claims(attempt2004)
    Attempt.objects.filter(pk=attempt2004.pk).update(
        enrollment=EnrollmentFactory(course=attempt2004.enrollment.course)
    )
    with pytest.raises(NoSuchAttempt):
        local_commit(
            claims=learner_claims,
            payload={"activity": "a", "sequence": 2, "changes": {"cmi.location": "p2"}},
        )
    assert stored(attempt2004, "a")["cmi.location"] == "p1"
    assert AttemptRuntime.objects.get(attempt=attempt2004).commit_sequence == 1


def test_an_ended_launch_takes_no_more_commits(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_status": "incomplete"}, end=True)
    before = Attempt.objects.values().get(pk=attempt12.pk)
    with pytest.raises(LaunchClosed):
        commit(attempt12, 2, {"cmi.core.lesson_status": "passed"})
    assert Attempt.objects.values().get(pk=attempt12.pk) == before
    assert stored(attempt12)["cmi.core.lesson_status"] == "incomplete"
    commit(attempt12, 1, {"cmi.core.lesson_location": "p2"}, launch=2)  # a new launch may


def test_an_old_launch_cannot_reopen_an_attempt_closed_in_a_later_one(attempt12):
    """An old token of a finished attempt turned failed into passed: no more."""
    commit(attempt12, 1, {"cmi.core.lesson_status": "incomplete"}, launch=1)
    commit(attempt12, 1, {"cmi.core.lesson_status": "failed"}, launch=2)
    attempt12.refresh_from_db()
    assert (attempt12.is_open, attempt12.success) == (False, "failed")
    with pytest.raises(LaunchClosed):
        commit(attempt12, 99, {"cmi.core.lesson_status": "passed"}, launch=1)
    # The launch that closed it goes on writing (its last data, session time...).
    commit(attempt12, 2, {"cmi.core.session_time": "0000:00:05.00"}, launch=2)
    attempt12.refresh_from_db()
    assert attempt12.success == "failed"


def test_an_attempt_closed_for_a_new_one_takes_no_commits(attempt12):
    Attempt.objects.filter(pk=attempt12.pk).update(is_open=False)
    with pytest.raises(LaunchClosed):
        commit(attempt12, 1, {"cmi.core.lesson_status": "passed"})
    assert not ActivityState.objects.exists()


def test_review_launches_record_nothing(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_status": "failed"}, review=True)
    attempt12.refresh_from_db()
    assert not ActivityState.objects.exists()
    assert attempt12.completion == "unknown"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "not a JSON object"),
        ({"sequence": 1}, "names no activity"),
        ({"activity": "sco1"}, "sequence number"),
        ({"activity": "sco1", "sequence": 0}, "sequence number"),
        ({"activity": "sco1", "sequence": 10**20}, "sequence number"),
        ({"activity": "sco1", "sequence": 2**31}, "sequence number"),
        ({"activity": "sco1", "sequence": True}, "sequence number"),
        ({"activity": "sco1", "sequence": 1, "delivery": -1}, "delivery number"),
        ({"activity": "sco1", "sequence": 1, "changes": "x"}, "missing or too large"),
        ({"activity": "sco1", "sequence": 1, "changes": {"evil.key": "1"}}, "Unknown data model"),
        (
            {"activity": "sco1", "sequence": 1, "changes": {"cmi.core.lesson_status": [1]}},
            "single value",
        ),
        (
            {"activity": "sco1", "sequence": 1, "changes": {"cmi.suspend_data": "x" * 64_001}},
            "64000",
        ),
        (
            {"activity": "sco1", "sequence": 1, "changes": {"cmi.core.score.raw": float("inf")}},
            "finite",
        ),
        (
            {
                "activity": "sco1",
                "sequence": 1,
                "changes": {"cmi.core.session_time": "a long while"},
            },
            "not a time interval",
        ),
        ({"activity": "nope", "sequence": 1}, "not in this package"),
        ({"activity": "sco1", "sequence": 1, "state": 5}, "sequencing state"),
        ({"activity": "sco1", "sequence": 1, "result": {"completion": "done"}}, "unknown status"),
        (
            {"activity": "sco1", "sequence": 1, "result": {"scaled": float("nan")}},
            "finite",
        ),
        ({"activity": "sco1", "sequence": 1, "result": {"scaled": 7}}, "between -1 and 1"),
    ],
)
def test_malformed_commits_are_refused_and_change_nothing(attempt12, payload, message):
    with pytest.raises(InvalidCommit, match=message):
        local_commit(claims=claims(attempt12), payload=payload)
    attempt12.refresh_from_db()
    assert not ActivityState.objects.exists()
    assert attempt12.commit_sequence == 0


def test_an_interactions_responses_may_be_as_long_as_the_book_lets_them(attempt2004):
    """A performance interaction's 250 steps at their smallest permitted maximum (RTE 4.2.9)
    take 126,497 characters (ADL's DMI test writes them); every other value stops at 64,000."""
    steps = "[,]".join(f"{'n' * 248}{i:02d}[.]{'a' * 250}"[:503] for i in range(250))
    assert len(steps) == 126_497
    changes = {
        "cmi.interactions.0.id": "steps",
        "cmi.interactions.0.type": "performance",
        "cmi.interactions.0.learner_response": steps,
        "cmi.interactions.0.correct_responses.0.pattern": steps,
    }
    commit(attempt2004, 1, changes, activity="a")
    assert stored(attempt2004, "a")["cmi.interactions.0.learner_response"] == steps
    for key, length in (
        ("cmi.interactions.0.learner_response", 128_001),
        ("cmi.interactions.0.description", 64_001),
        ("cmi.suspend_data", 64_001),
    ):
        with pytest.raises(InvalidCommit, match="longer than"):
            commit(attempt2004, 2, {key: "x" * length}, activity="a")


def test_an_overflowing_session_time_is_refused():
    """Seconds that overflow a float (PT15…0S) would make every sum infinite."""
    package = _package(Package.Standard.SCORM_2004_4, ("a",))
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    with pytest.raises(InvalidCommit, match="not a time interval"):
        commit(attempt, 1, {"cmi.session_time": "PT15" + "0" * 400 + "S"}, activity="a")
    assert Attempt.objects.get(pk=attempt.pk).seconds_tracked == 0


def test_a_session_time_over_a_year_is_kept_and_counted_as_a_year():
    """A valid timeinterval (ADL's DMI test writes P1Y2M…): the SCO's data is kept as written,
    and the time counted is capped, so no session adds more than a year."""
    package = _package(Package.Standard.SCORM_2004_4, ("a",))
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    commit(attempt, 1, {"cmi.session_time": "P3Y", "cmi.location": "p2"}, activity="a")
    state = ActivityState.objects.get(attempt=attempt)
    assert state.cmi["cmi.session_time"] == "P3Y"
    assert state.cmi["cmi.location"] == "p2"
    assert state.seconds_session == MAX_SESSION_SECONDS


def test_scorm_2004_stores_the_roots_rolled_up_result(attempt2004):
    commit(
        attempt2004,
        1,
        {"cmi.completion_status": "completed", "cmi.session_time": "PT30S"},
        activity="a",
        result={"completion": "incomplete", "success": "unknown", "scaled": None},
        state='{"version": "1.0"}',
    )
    attempt2004.refresh_from_db()
    assert (attempt2004.completion, attempt2004.success) == ("incomplete", "unknown")
    assert AttemptRuntime.objects.get(attempt=attempt2004).sequencing == '{"version": "1.0"}'
    commit(
        attempt2004,
        2,
        {"cmi.completion_status": "completed", "cmi.session_time": "PT45S"},
        activity="b",
        result={"completion": "completed", "success": "passed", "scaled": 0.75},
    )
    attempt2004.refresh_from_db()
    assert (attempt2004.completion, attempt2004.success, attempt2004.score_scaled) == (
        "completed",
        "passed",
        0.75,
    )
    assert attempt2004.seconds_tracked == 75  # every activity's sessions
    assert attempt_current_activity(attempt=attempt2004) == "b"
    # The state not sent again is kept.
    assert AttemptRuntime.objects.get(attempt=attempt2004).sequencing == '{"version": "1.0"}'


def _mapping_package(**sequencing) -> Package:
    """A SCORM 2004 package whose activity "a" writes global objective "obj-1" and shared data
    "notes", and reads global objective "obj-2" (an activity tree as the intake converts it)."""
    tree = {
        "id": "org",
        "children": [
            {
                "id": "a",
                "primaryObjective": {
                    "objectiveID": "p",
                    "mapInfo": [{"targetObjectiveID": "obj-1", "writeSatisfiedStatus": True}],
                },
                "objectives": [
                    {
                        "objectiveID": "s",
                        "mapInfo": [{"targetObjectiveID": "obj-2", "readSatisfiedStatus": True}],
                    }
                ],
                "sharedDataMaps": [
                    {"targetID": "notes", "writeSharedData": True},
                    {"targetID": "glossary", "readSharedData": True, "writeSharedData": False},
                ],
            }
        ],
    }
    return _package(Package.Standard.SCORM_2004_4, ("a",), activityTree=tree, **sequencing)


def test_global_objectives_and_shared_data_are_kept_per_learner():
    package = _mapping_package()
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    globals_ = {
        "objectives": {"obj-1": {"id": "obj-1", "satisfiedStatus": True}},
        "data": {"notes": "hello"},
    }
    commit(attempt, 1, activity="a", globals=globals_)
    learner = attempt.enrollment.learner
    assert {
        (g.kind, g.key): g.value for g in LearnerGlobalState.objects.filter(learner=learner)
    } == {
        ("objective", "obj-1"): {"id": "obj-1", "satisfiedStatus": True},
        ("data", "notes"): {"value": "hello"},
    }


def test_a_package_writes_only_the_globals_its_manifest_lets_it_write():
    """The run-time's snapshot holds all the learner's globals, other packages' too: those this
    package only reads, or does not map, are not written back (a stale copy would overwrite
    what another package wrote meanwhile; ADL DDM played beside other cases)."""
    package = _mapping_package()
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    stale = {
        "objectives": {
            "obj-2": {"id": "obj-2", "satisfiedStatus": False},
            "elsewhere": {"id": "elsewhere"},
        },
        "data": {"glossary": "old", "tarID_1": "old"},
    }
    commit(attempt, 1, activity="a", globals=stale)
    assert not LearnerGlobalState.objects.exists()


def test_objectives_not_global_to_system_stay_with_the_attempt():
    package = _package(Package.Standard.SCORM_2004_4, ("a",), objectivesGlobalToSystem=False)
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    commit(attempt, 1, activity="a", globals={"objectives": {"o": {"id": "o"}}, "data": {}})
    assert not LearnerGlobalState.objects.exists()


def test_scorm_12_multi_sco_rollup():
    package = _package(Package.Standard.SCORM_12, ("a", "b"))
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    commit(
        attempt, 1, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}, activity="a"
    )
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "incomplete",
        "unknown",
        0.9,
    )
    assert (attempt.activities_completed, attempt.activities_total) == (1, 2)
    commit(
        attempt, 2, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "70"}, activity="b"
    )
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success) == ("completed", "passed")
    assert attempt.score_scaled == pytest.approx(0.8)
    assert (attempt.activities_completed, attempt.activities_total) == (2, 2)


def test_scorm_2004_activity_counts_come_from_sequencing(attempt2004):
    result = {"completion": "incomplete", "activities": {"completed": 1, "total": 2}}
    commit(attempt2004, 1, activity="a", result=result)
    attempt2004.refresh_from_db()
    assert (attempt2004.activities_completed, attempt2004.activities_total) == (1, 2)


@pytest.mark.parametrize(
    "counts",
    [
        {"completed": 3, "total": 2},
        {"completed": -1, "total": 2},
        {"completed": "1", "total": 2},
        {"completed": True, "total": 2},
        {"completed": 1, "total": 10**9},
        [1, 2],
    ],
)
def test_absurd_activity_counts_are_refused(attempt2004, counts):
    with pytest.raises(InvalidCommit, match="activity counts"):
        commit(attempt2004, 1, activity="a", result={"activities": counts})
    attempt2004.refresh_from_db()
    assert attempt2004.activities_total is None


def test_an_attempt_written_behind_the_applications_back_still_counts_in_the_result(
    attempt2004,
):
    """The writer takes the commit's attempt for the enrolment's only one only when no other
    is there: an attempt loaded behind the application's back (its enrolment's stored count
    not updated) still counts, here as the highest score."""
    course = attempt2004.enrollment.course
    course.grading_method = Course.GradingMethod.HIGHEST
    course.save(update_fields=["grading_method"])
    result = {"completion": "completed", "success": "passed", "scaled": 0.5}
    commit(attempt2004, 1, {"cmi.score.scaled": "0.5"}, activity="a", result=result)
    enrollment = Enrollment.objects.get(pk=attempt2004.enrollment_id)
    assert (enrollment.attempt_count, enrollment.graded_attempt_id) == (1, attempt2004.pk)

    loaded = AttemptFactory(
        enrollment=attempt2004.enrollment,
        package=attempt2004.package,
        number=0,
        is_open=False,
        completion="completed",
        success="passed",
        score_scaled=0.9,
    )
    result = {"completion": "completed", "success": "passed", "scaled": 0.6}
    commit(attempt2004, 2, {"cmi.score.scaled": "0.6"}, activity="a", result=result)
    enrollment = Enrollment.objects.get(pk=attempt2004.enrollment_id)
    assert (enrollment.attempt_count, enrollment.graded_attempt_id) == (2, loaded.pk)
    assert enrollment.score == 0.9
