"""What the run-time loads when it delivers an activity (providers/local/runtime.py)."""

from __future__ import annotations

from providers.local.runtime import Activity, ActivityRecord, delivery_data, learner_name
from providers.types import LearnerRef

LEARNER = LearnerRef(id="lrn_1", first_name="Ada", last_name="Lovelace", username="ada")


def deliver(scorm12, record=None, review=False, **activity):
    return delivery_data(
        scorm12=scorm12,
        activity=Activity(identifier="a", **activity),
        record=record,
        learner=LEARNER,
        review=review,
    )


def test_scorm_12_first_delivery():
    data = deliver(
        True, mastery_score=0.8, max_time_allowed="0000:30:00", time_limit_action="exit,message"
    )
    assert data["cmi.core.entry"] == "ab-initio"
    assert data["cmi.core.student_id"] == "lrn_1"
    assert data["cmi.core.student_name"] == "Lovelace, Ada"
    assert (data["cmi.core.credit"], data["cmi.core.lesson_mode"]) == ("credit", "normal")
    assert data["cmi.student_data.mastery_score"] == "80"
    assert data["cmi.student_data.max_time_allowed"] == "0000:30:00"
    assert data["cmi.student_data.time_limit_action"] == "exit,message"
    assert data["cmi.core.total_time"] == "0000:00:00.00"


def test_scorm_12_keeps_its_data_and_resumes_after_a_suspend():
    stored = {
        "cmi.core.lesson_location": "page-3",
        "cmi.suspend_data": '{"visited": [1, 2, 3]}',
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "0000:00:42.00",
        "cmi.core.student_id": "forged",
        "cmi.core._children": "x",
    }
    data = deliver(True, ActivityRecord(cmi=stored, seconds=42))
    assert data["cmi.core.entry"] == "resume"
    assert data["cmi.core.lesson_location"] == "page-3"
    assert data["cmi.core.total_time"] == "0000:00:42.00"
    assert data["cmi.core.student_id"] == "lrn_1"  # the LMS's, never the stored one
    assert "cmi.core.exit" not in data
    assert "cmi.core.session_time" not in data
    assert "cmi.core._children" not in data
    # Without a suspend the data stays, entry is empty (RTE 1.2 3.4.4).
    resumed_normally = deliver(True, ActivityRecord(cmi={"cmi.core.lesson_location": "p"}))
    assert (resumed_normally["cmi.core.entry"], resumed_normally["cmi.core.lesson_location"]) == (
        "",
        "p",
    )


def test_scorm_2004_resumes_a_suspended_activity_with_its_data():
    stored = {
        "cmi.location": "3",
        "cmi.suspend_data": "s",
        "cmi.exit": "suspend",
        "cmi.score.scaled": "0.33",
        "cmi.completion_status": "completed",
    }
    data = deliver(False, ActivityRecord(cmi=stored, seconds=65.5))
    assert data["cmi.entry"] == "resume"
    assert (data["cmi.location"], data["cmi.score.scaled"]) == ("3", "0.33")
    assert data["cmi.total_time"] == "PT0H1M5.5S"


def test_scorm_2004_total_time_counts_the_current_attempt_on_the_sco_only():
    """RTE 4.2.27: the SCO was given PT0H0M0S when its current attempt began (an earlier attempt
    ended without a suspend), then suspended after a session of 29 days: that is its total,
    whatever the activity's earlier attempts lasted."""
    stored = {
        "cmi.exit": "suspend",
        "cmi.total_time": "PT0H0M0S",
        "cmi.session_time": "P0Y029DT0H",
        "cmi.suspend_data": "visit=7",
    }
    data = deliver(False, ActivityRecord(cmi=stored, seconds=29 * 86400 + 7629))
    assert data["cmi.entry"] == "resume"
    assert data["cmi.total_time"] == "PT696H0M0S"
    stored["cmi.total_time"] = "PT1H"  # given at its last delivery, itself a resume
    data = deliver(False, ActivityRecord(cmi=stored, seconds=29 * 86400 + 7629))
    assert data["cmi.total_time"] == "PT697H0M0S"


def test_scorm_2004_a_delivery_after_a_normal_exit_is_a_new_attempt():
    """RTE 4.2.8: no suspend, so the activity starts afresh; preferences carry over."""
    stored = {
        "cmi.location": "3",
        "cmi.exit": "normal",
        "cmi.learner_preference.audio_level": "2",
    }
    data = deliver(False, ActivityRecord(cmi=stored, seconds=10))
    assert data["cmi.entry"] == "ab-initio"
    assert "cmi.location" not in data
    assert data["cmi.learner_preference.audio_level"] == "2"
    assert data["cmi.total_time"] == "PT0H0M0S"


def test_scorm_2004_launch_data_from_the_manifest():
    data = deliver(
        False,
        data_from_lms="level=2",
        scaled_passing_score=-0.5,
        max_time_allowed="PT1H",
        time_limit_action="exit,no message",
        completion_threshold=0.75,
    )
    assert data["cmi.launch_data"] == "level=2"
    assert data["cmi.scaled_passing_score"] == "-0.5"
    assert data["cmi.max_time_allowed"] == "PT1H"
    assert data["cmi.time_limit_action"] == "exit,no message"
    assert data["cmi.completion_threshold"] == "0.75"


def test_scorm_2004_leaves_what_the_manifest_does_not_say_uninitialised():
    data = deliver(False, data_from_lms=None)
    for element in (
        "cmi.launch_data",
        "cmi.scaled_passing_score",
        "cmi.max_time_allowed",
        "cmi.completion_threshold",
    ):
        assert element not in data  # GetValue answers 403, as ADL's tests expect


def test_review_mode():
    data = deliver(False, review=True)
    assert (data["cmi.mode"], data["cmi.credit"]) == ("review", "no-credit")


def test_learner_name_falls_back_to_the_username():
    assert learner_name(LearnerRef(id="x", username="ada")) == "ada"
    assert learner_name(LearnerRef(id="x", first_name="Ada")) == "Ada"
