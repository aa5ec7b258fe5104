"""The local run-time's server side: what the API starts from, commits, ordering, rollup."""

from __future__ import annotations

import pytest

from courses.models import Package, Sco
from enrollments.refs import learner_ref
from playback.models import ActivityState
from playback.selectors import (
    attempt_activity_records,
    attempt_current_activity,
    package_activities,
)
from playback.services import StaleCommit, local_commit
from providers.local.runtime import InvalidCommit, initial_data
from providers.local.tokens import LaunchClaims
from tests.factories import AttemptFactory, PackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt12():
    package = PackageFactory(standard=Package.Standard.SCORM_12)
    Sco.objects.create(
        package=package, position=0, identifier="sco1", href="index.html", mastery_score=0.8
    )
    return AttemptFactory(enrollment__course=package.course, package=package)


def claims(attempt, launch=1, review=False):
    return LaunchClaims(
        attempt_id=str(attempt.pk),
        learner_id=attempt.enrollment.learner.external_id,
        launch=launch,
        exit_url="/exit/",
        review=review,
    )


def commit(attempt, sequence, cmi, launch=1, sco="sco1", review=False):
    return local_commit(
        claims=claims(attempt, launch, review),
        payload={"sco": sco, "sequence": sequence, "cmi": cmi},
    )


def stored(attempt, sco="sco1") -> dict:
    """The CMI the run-time stored for one SCO of the attempt ({} when none)."""
    state = ActivityState.objects.filter(attempt=attempt, activity=sco).first()
    return state.cmi if state else {}


def initial(attempt, sco="sco1", review=False) -> dict:
    return initial_data(
        scorm12=attempt.package.is_scorm12,
        activity=package_activities(package=attempt.package)[sco],
        record=attempt_activity_records(attempt=attempt).get(sco),
        learner=learner_ref(attempt.enrollment.learner),
        review=review,
    )


def test_a_commit_stores_cmi_and_updates_the_normalised_result(attempt12):
    commit(
        attempt12,
        1,
        {
            "cmi.core.lesson_status": "passed",
            "cmi.core.score.raw": "85",
            "cmi.core.score.max": "100",
            "cmi.core.session_time": "0000:01:30.00",
            "cmi.interactions": [],
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
    assert not attempt12.is_open
    assert attempt12.completed_at is not None


def test_a_stale_commit_is_refused_and_changes_nothing(attempt12):
    commit(attempt12, 2, {"cmi.core.lesson_status": "passed"})
    with pytest.raises(StaleCommit):
        commit(attempt12, 1, {"cmi.core.lesson_status": "incomplete"})
    with pytest.raises(StaleCommit):
        commit(attempt12, 2, {"cmi.core.lesson_status": "incomplete"})
    attempt12.refresh_from_db()
    assert stored(attempt12)["cmi.core.lesson_status"] == "passed"
    assert (attempt12.commit_launch, attempt12.commit_sequence) == (1, 2)


def test_a_newer_launch_wins_over_a_late_commit_of_an_older_one(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_location": "page-4"}, launch=2)
    with pytest.raises(StaleCommit):
        commit(attempt12, 50, {"cmi.core.lesson_location": "page-1"}, launch=1)


def test_session_times_add_up_across_launches(attempt12):
    commit(
        attempt12,
        1,
        {"cmi.core.session_time": "0000:01:00.00", "cmi.core.lesson_status": "incomplete"},
    )
    commit(
        attempt12,
        2,
        {"cmi.core.session_time": "0000:02:00.00", "cmi.core.lesson_status": "incomplete"},
    )
    commit(
        attempt12,
        1,
        {"cmi.core.session_time": "0000:00:30.00", "cmi.core.lesson_status": "incomplete"},
        launch=2,
    )
    attempt12.refresh_from_db()
    assert attempt12.seconds_tracked == 150  # 2 minutes in launch 1 + 30 s in launch 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "not a JSON object"),
        ({"sequence": 1, "cmi": {}}, "names no SCO"),
        ({"sco": "sco1", "cmi": {}}, "no sequence"),
        ({"sco": "sco1", "sequence": 1, "cmi": "x"}, "missing or too large"),
        ({"sco": "sco1", "sequence": 1, "cmi": {"evil.key": "1"}}, "Unknown data model element"),
        (
            {"sco": "sco1", "sequence": 1, "cmi": {"cmi.core.lesson_status": {"a": 1}}},
            "single value",
        ),
        ({"sco": "sco1", "sequence": 1, "cmi": {"cmi.suspend_data": "x" * 64_001}}, "64000"),
        ({"sco": "nope", "sequence": 1, "cmi": {}}, "not in this package"),
    ],
)
def test_malformed_commits_are_refused_and_change_nothing(attempt12, payload, message):
    with pytest.raises(InvalidCommit, match=message):
        local_commit(claims=claims(attempt12), payload=payload)
    attempt12.refresh_from_db()
    assert not ActivityState.objects.exists()
    assert attempt12.commit_sequence == 0


def test_suspend_data_of_64000_characters_is_kept(attempt12):
    commit(attempt12, 1, {"cmi.suspend_data": "x" * 64_000})
    attempt12.refresh_from_db()
    assert len(stored(attempt12)["cmi.suspend_data"]) == 64_000


def test_review_launches_record_nothing(attempt12):
    commit(attempt12, 1, {"cmi.core.lesson_status": "failed"}, review=True)
    attempt12.refresh_from_db()
    assert not ActivityState.objects.exists()
    assert attempt12.completion == "unknown"


def test_initial_data_resumes_after_a_suspend(attempt12):
    commit(
        attempt12,
        1,
        {
            "cmi.core.lesson_location": "page-3",
            "cmi.suspend_data": '{"visited": [1, 2, 3]}',
            "cmi.core.exit": "suspend",
            "cmi.core.session_time": "0000:00:42.00",
            "cmi.core.student_id": "forged",
        },
    )
    attempt12.refresh_from_db()
    data = initial(attempt12)
    assert data["cmi.core.entry"] == "resume"
    assert data["cmi.core.lesson_location"] == "page-3"
    assert data["cmi.suspend_data"] == '{"visited": [1, 2, 3]}'
    assert data["cmi.core.total_time"] == "0000:00:42.00"
    assert (
        data["cmi.core.student_id"] == attempt12.enrollment.learner.external_id
    )  # the LMS's, not the stored one
    assert data["cmi.student_data.mastery_score"] == "80"
    assert "cmi.core.exit" not in data
    assert "cmi.core.session_time" not in data


def test_initial_data_of_a_first_launch(attempt12):
    data = initial(attempt12, review=True)
    assert (data["cmi.core.entry"], data["cmi.core.lesson_mode"], data["cmi.core.credit"]) == (
        "ab-initio",
        "review",
        "no-credit",
    )


def test_initial_data_2004_uses_2004_names():
    package = PackageFactory(standard=Package.Standard.SCORM_2004_4)
    Sco.objects.create(
        package=package, position=0, identifier="s", href="i.html", mastery_score=0.7
    )
    attempt = AttemptFactory(enrollment__course=package.course, package=package)
    data = initial(attempt, "s")
    assert (data["cmi.entry"], data["cmi.mode"], data["cmi.scaled_passing_score"]) == (
        "ab-initio",
        "normal",
        "0.7",
    )
    assert data["cmi.total_time"] == "PT0H0M0S"


def test_multi_sco_rollup():
    package = PackageFactory(standard=Package.Standard.SCORM_2004_4)
    for position, identifier in enumerate(["a", "b"]):
        Sco.objects.create(
            package=package, position=position, identifier=identifier, href=f"{identifier}.html"
        )
    Sco.objects.create(package=package, position=2, identifier="asset", href="x.pdf", is_sco=False)
    attempt = AttemptFactory(enrollment__course=package.course, package=package)

    commit(
        attempt,
        1,
        {
            "cmi.completion_status": "completed",
            "cmi.success_status": "passed",
            "cmi.score.scaled": "0.9",
        },
        sco="a",
    )
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "incomplete",
        "unknown",
        0.9,
    )
    assert attempt_current_activity(attempt=attempt) == "a"

    commit(
        attempt,
        2,
        {
            "cmi.completion_status": "completed",
            "cmi.success_status": "passed",
            "cmi.score.scaled": "0.7",
        },
        sco="b",
    )
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success) == ("completed", "passed")
    assert attempt.score_scaled == pytest.approx(0.8)
