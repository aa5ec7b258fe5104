"""Progress from GET /api/v1/sessions/{id}, and polling after the player."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests

from enrollments.refs import attempt_ref
from enrollments.services import attempt_refresh
from providers.exceptions import ProviderNotFound
from providers.types import Completion, Success

from .conftest import launch

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

    progress = provider.fetch_progress(attempt_ref(launched_attempt))

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

    progress = provider.fetch_progress(attempt_ref(launched_attempt))

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

    progress = provider.fetch_progress(attempt_ref(launched_attempt))

    assert progress.score.scaled is None
    assert progress.success is Success.PASSED


def test_scorm12_session_without_top_level_status(provider, allure, launched_attempt):
    session = allure.sessions[str(launched_attempt.id)]
    del session["completion_status"], session["success_status"]
    session["cmi_data"] = {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "40"}
    session["score"] = {"raw": 40, "min": 0, "max": 100}

    progress = provider.fetch_progress(attempt_ref(launched_attempt))

    assert (progress.completion, progress.success, progress.score.scaled) == (
        Completion.COMPLETED,
        Success.FAILED,
        0.4,
    )


def test_never_launched_attempt_asks_nothing(provider, allure, allure_attempt):
    progress = provider.fetch_progress(attempt_ref(allure_attempt))

    assert progress.completion is Completion.UNKNOWN
    assert allure.requests == []


def test_session_gone_is_not_found(provider, allure, launched_attempt):
    allure.sessions.clear()

    with pytest.raises(ProviderNotFound):
        provider.fetch_progress(attempt_ref(launched_attempt))


def test_polling_alone_sees_the_player_completion_after_its_delay(
    provider, allure, launched_attempt
):
    allure.completion_delay = 0.3
    minted = launch(launched_attempt)
    token = minted.url.split("token=", 1)[1]
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
