"""Launch: minting through /launch, resuming, the signed player URL, token expiry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from courses.models import Package
from enrollments.models import Attempt
from providers.exceptions import LaunchUnavailable, ProviderAPIError
from providers.types import ImportState

from .conftest import launch

pytestmark = pytest.mark.django_db

LAUNCH = "/api/v1/packages/*/launch"


def test_first_launch(provider, allure, allure_attempt):
    before = Attempt.objects.values().get(pk=allure_attempt.pk)

    launched = launch(allure_attempt)

    (minted,) = allure.launches
    assert launched.url == minted["launch_url"]  # exactly as returned, token and all
    assert (minted["session_id"], minted["user_id"]) == (
        str(allure_attempt.id),
        allure_attempt.enrollment.learner.external_id,
    )
    assert launched.expires_at is not None
    assert abs(
        launched.expires_at - (timezone.now() + timedelta(seconds=allure.token_ttl))
    ) < timedelta(seconds=5)
    after = Attempt.objects.values().get(pk=allure_attempt.pk)
    assert after["registered_at"] is not None
    # Only the launch's facts were written; the URL is stored nowhere.
    assert {k for k in after if after[k] != before[k]} == {
        "registered_at",
        "launch_count",
        "first_accessed_at",
        "last_accessed_at",
    }
    assert not any(launched.url in str(value) for value in after.values())
    assert allure.requests_to("GET", "/api/v1/sessions") == []  # nothing to resume yet


def test_the_launch_url_plays_and_the_bare_player_url_is_refused(provider, allure, allure_attempt):
    minted = launch(allure_attempt)
    bare = minted.url.split("?", 1)[0]

    played = requests.get(minted.url, timeout=5)
    refused = requests.get(bare, timeout=5)
    tampered = requests.get(minted.url[:-4] + "0000", timeout=5)

    assert played.status_code == 200
    assert "Complete course" in played.text
    assert (refused.status_code, tampered.status_code) == (401, 401)
    assert "Launch link unavailable" in refused.text
    assert "Complete course" not in refused.text


def test_resume_confirms_the_session_then_mints_again(provider, allure, launched_attempt):
    registered_at = Attempt.objects.get(pk=launched_attempt.pk).registered_at

    second = launch(launched_attempt)

    (listing,) = allure.requests_to("GET", "/api/v1/sessions")
    assert listing.query == {
        "package_id": launched_attempt.package.remote_id,
        "user_id": launched_attempt.enrollment.learner.external_id,
    }
    assert len(allure.requests_to("POST", LAUNCH)) == 2
    assert second.url == allure.launches[-1]["launch_url"]
    assert len(allure.sessions) == 1  # the same session, resumed
    assert Attempt.objects.get(pk=launched_attempt.pk).registered_at == registered_at


def test_resume_refuses_a_session_held_for_another_learner(provider, allure, launched_attempt):
    allure.filter_session_list = False  # a server ignoring the filters
    allure.sessions[str(launched_attempt.id)]["user_id"] = "lrn_someone_else"

    with pytest.raises(LaunchUnavailable):
        launch(launched_attempt)

    assert len(allure.requests_to("POST", LAUNCH)) == 1


def test_resume_of_a_lost_session_opens_a_fresh_one(provider, allure, launched_attempt):
    allure.sessions.clear()

    launch(launched_attempt)

    assert str(launched_attempt.id) in allure.sessions


def test_session_id_taken_by_another_learner_is_unavailable(provider, allure, allure_attempt):
    allure.add_session(
        str(allure_attempt.id), user_id="lrn_other", package_id=allure_attempt.package.remote_id
    )

    with pytest.raises(LaunchUnavailable):
        launch(allure_attempt)

    assert Attempt.objects.get(pk=allure_attempt.pk).registered_at is None


@pytest.mark.parametrize(
    ("remote_id", "status"), [("", ImportState.READY), ("pkg_x", ImportState.PROCESSING)]
)
def test_package_not_ready_is_unavailable(provider, allure, allure_attempt, remote_id, status):
    Package.objects.filter(pk=allure_attempt.package_id).update(remote_id=remote_id, status=status)
    allure_attempt.package.refresh_from_db()

    with pytest.raises(LaunchUnavailable):
        launch(allure_attempt)

    assert allure.requests == []


def test_package_gone_from_allure_connect_is_unavailable(provider, allure, allure_attempt):
    allure.packages.clear()

    with pytest.raises(LaunchUnavailable, match="re-import"):
        launch(allure_attempt)


def test_an_answer_for_another_session_is_refused(provider, allure, allure_attempt):
    answer = {"session_id": "someone-elses", "launch_url": f"{allure.url}/player/x?token=t"}
    allure.fail(
        "POST", LAUNCH, 200, body=json.dumps(answer).encode(), content_type="application/json"
    )

    with pytest.raises(ProviderAPIError, match="different session"):
        launch(allure_attempt)

    assert Attempt.objects.get(pk=allure_attempt.pk).registered_at is None


def test_no_usable_expiry_falls_back_to_the_short_ttl(provider, allure, allure_attempt):
    allure.token_ttl = 0  # the fake then reports "expires_in_seconds": 0, i.e. no usable TTL

    minted = launch(allure_attempt)

    assert minted.expires_at - timezone.now() < timedelta(seconds=601)


# Token expiry -----------------------------------------------------------------------------------


def test_expired_token_is_refused(provider, allure, allure_attempt):
    minted = launch(allure_attempt)

    allure.advance_clock(allure.token_ttl + 1)

    assert requests.get(minted.url, timeout=5).status_code == 401
