"""Progress from GET /api/v1/sessions/{id}, polling after the player, and session updates with
optimistic locking."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests

from enrollments.services import attempt_refresh
from lms.scorm.allure_connect.provider import SESSION_UPDATE_MAX_TRIES
from lms.scorm.exceptions import ProviderConflict, ProviderNotFound
from lms.scorm.types import Completion, Success

from .conftest import EXIT_URL

pytestmark = pytest.mark.django_db

SESSION = "/api/v1/sessions/*"


def _set_session(allure, attempt, **fields) -> None:
    allure.sessions[str(attempt.id)].update(fields)


def test_the_guide_example_session(provider, allure, launched_attempt):
    _set_session(
        allure,
        launched_attempt,
        cmi_data={"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "75"},
        completion_status="incomplete",
        success_status="unknown",
        score={"scaled": 0.75, "raw": 75, "max": 100, "min": 0},
        time_spent_seconds=930,
        updated_at="2025-01-15T10:15:30.000Z",
    )

    progress = provider.fetch_progress(launched_attempt)

    assert (progress.completion, progress.success) == (Completion.INCOMPLETE, Success.UNKNOWN)
    assert (progress.score.scaled, progress.score.raw, progress.score.min, progress.score.max) == (
        0.75,
        75,
        0,
        100,
    )
    assert progress.seconds == 930
    assert progress.updated_at == datetime(2025, 1, 15, 10, 15, 30, tzinfo=UTC)
    assert progress.raw["id"] == str(launched_attempt.id)


def test_completed_with_unknown_success(provider, allure, launched_attempt):
    _set_session(allure, launched_attempt, completion_status="completed", success_status="unknown")

    progress = provider.fetch_progress(launched_attempt)

    assert (progress.completion, progress.success) == (Completion.COMPLETED, Success.UNKNOWN)


@pytest.mark.parametrize("score", [None, {}, {"scaled": None, "raw": None}])
def test_no_score(provider, allure, launched_attempt, score):
    _set_session(
        allure,
        launched_attempt,
        completion_status="completed",
        success_status="passed",
        score=score,
    )

    progress = provider.fetch_progress(launched_attempt)

    assert progress.score.scaled is None
    assert progress.success is Success.PASSED


def test_scorm12_session_without_top_level_status(provider, allure, launched_attempt):
    session = allure.sessions[str(launched_attempt.id)]
    del session["completion_status"], session["success_status"]
    session["cmi_data"] = {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "40"}
    session["score"] = {"raw": 40, "min": 0, "max": 100}

    progress = provider.fetch_progress(launched_attempt)

    assert (progress.completion, progress.success, progress.score.scaled) == (
        Completion.COMPLETED,
        Success.FAILED,
        0.4,
    )


def test_never_launched_attempt_asks_nothing(provider, allure, allure_attempt):
    progress = provider.fetch_progress(allure_attempt)

    assert progress.completion is Completion.UNKNOWN
    assert allure.requests == []


def test_session_gone_is_not_found(provider, allure, launched_attempt):
    allure.sessions.clear()

    with pytest.raises(ProviderNotFound):
        provider.fetch_progress(launched_attempt)


def test_polling_alone_sees_the_player_completion_after_its_delay(
    provider, allure, launched_attempt
):
    allure.completion_delay = 0.3
    launch = provider.launch(launched_attempt, exit_url=EXIT_URL)
    token = launch.url.split("token=", 1)[1]
    completed = requests.post(
        f"{allure.url}/player/{launched_attempt.id}/complete", data={"token": token}, timeout=5
    )
    assert completed.status_code == 200

    attempt_refresh(attempt=launched_attempt, force=True)
    assert launched_attempt.completion == Completion.UNKNOWN  # not visible yet
    time.sleep(0.35)
    attempt_refresh(attempt=launched_attempt, force=True)

    launched_attempt.refresh_from_db()
    assert (launched_attempt.completion, launched_attempt.success) == (
        Completion.COMPLETED,
        Success.PASSED,
    )
    assert launched_attempt.score_scaled == 0.8
    assert launched_attempt.seconds_tracked == 600
    assert launched_attempt.provider_result["version"] == 2


# Updates ----------------------------------------------------------------------------------------

CORRECTION = {
    "completion_status": "completed",
    "success_status": "passed",
    "score": {"scaled": 0.9, "raw": 90, "min": 0, "max": 100},
    "cmi_data": {"cmi.core.score.raw": "90", "cmi.core.lesson_status": "passed"},
}


def test_update_session(provider, allure, launched_attempt):
    _set_session(
        allure,
        launched_attempt,
        cmi_data={"cmi.suspend_data": "page=4", "cmi.core.score.raw": "50"},
    )

    progress = provider.update_session(launched_attempt, CORRECTION)

    put = allure.last_puts[str(launched_attempt.id)]
    assert put["version"] == 1
    assert put["cmi_data"] == {
        "cmi.suspend_data": "page=4",
        "cmi.core.score.raw": "90",
        "cmi.core.lesson_status": "passed",
    }
    assert (progress.completion, progress.success, progress.score.scaled) == (
        Completion.COMPLETED,
        Success.PASSED,
        0.9,
    )
    assert allure.sessions[str(launched_attempt.id)]["version"] == 2


def test_update_answered_without_the_session_is_read_back(provider, allure, launched_attempt):
    allure.fail("PUT", SESSION, 204, body=b"")
    allure.sessions[str(launched_attempt.id)]["completion_status"] = "incomplete"

    progress = provider.update_session(launched_attempt, CORRECTION)

    assert len(allure.requests_to("GET", SESSION)) == 2
    assert progress.completion is Completion.INCOMPLETE  # what AllureConnect holds, not our wish


def test_update_conflict_is_re_read_merged_and_retried(provider, allure, launched_attempt):
    allure.concurrent_edit(str(launched_attempt.id), {"cmi_data": {"cmi.suspend_data": "page=7"}})

    provider.update_session(launched_attempt, CORRECTION)

    assert len(allure.requests_to("PUT", SESSION)) == 2
    assert len(allure.requests_to("GET", SESSION)) == 2
    session = allure.sessions[str(launched_attempt.id)]
    # The other writer's change survived, ours is on top, on the version it made.
    assert session["cmi_data"]["cmi.suspend_data"] == "page=7"
    assert session["cmi_data"]["cmi.core.score.raw"] == "90"
    assert allure.last_puts[str(launched_attempt.id)]["version"] == 2
    assert session["version"] == 3


def test_persistent_conflict_raises_after_bounded_tries(provider, allure, launched_attempt):
    allure.concurrent_edit(str(launched_attempt.id), {"cmi_data": {"x": "y"}}, times=10)

    with pytest.raises(ProviderConflict, match="kept changing") as caught:
        provider.update_session(launched_attempt, CORRECTION)

    assert (caught.value.status, caught.value.code) == (409, "VERSION_CONFLICT")
    assert len(allure.requests_to("PUT", SESSION)) == SESSION_UPDATE_MAX_TRIES
    assert allure.sessions[str(launched_attempt.id)]["score"] is None  # nothing of ours was saved
