"""The local player's routes through Django's test client."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from enrollments.services import (
    attempt_launch,
    attempt_start,
    enrollment_create,
    learner_get_or_create,
)
from playback.models import ActivityState
from providers.types import LaunchContext
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(make_demo_course):
    """A learner's attempt at the SCORM 1.2 demo, launched once: (client, attempt, token)."""
    course = make_demo_course("safe-passwords")
    user = UserFactory(username="lea")
    enrollment = enrollment_create(learner=learner_get_or_create(user=user), course=course)
    attempt = attempt_start(enrollment=enrollment)
    launch = attempt_launch(
        attempt=attempt,
        context=LaunchContext(exit_url="http://testserver/exit/", player_url="/play/local/launch/"),
    )
    client = Client(enforce_csrf_checks=True)  # commits must not need the CSRF cookie
    client.force_login(user)
    token = launch.url.rstrip("/").rsplit("/", 1)[-1]
    return client, attempt, token


def post_commit(client, body, content_type="text/plain;charset=UTF-8"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(reverse("playback:local_commit"), data=data, content_type=content_type)


def commit_body(token, sequence=1, **cmi):
    return {
        "token": token,
        "sco": "index",
        "sequence": sequence,
        "cmi": cmi or {"cmi.core.lesson_status": "incomplete"},
    }


def test_player_page_defines_the_runtime_and_frames_only_same_origin(launched):
    client, attempt, token = launched
    response = client.get(reverse("playback:local_player", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "scorm12.min.js" in response.content.decode()
    config = response.context["config"]
    assert config["version"] == "1.2"
    assert config["scos"][0]["data"]["cmi.core.entry"] == "ab-initio"
    assert response.cookies["lms_launch"]["path"] == f"/play/local/content/{attempt.pk}/"


def test_other_pages_may_not_be_framed(client, launched):
    _, attempt, _ = launched
    client.force_login(attempt.enrollment.learner.user)
    assert client.get(reverse("enrollments:my_courses"))["X-Frame-Options"] == "DENY"


def test_content_needs_the_launch_cookie(launched):
    client, attempt, token = launched
    url = reverse("playback:local_content", kwargs={"attempt_id": attempt.pk, "path": "index.html"})
    assert client.get(url).status_code == 401
    client.get(reverse("playback:local_player", kwargs={"token": token}))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    outside = reverse(
        "playback:local_content", kwargs={"attempt_id": attempt.pk, "path": "../other/index.html"}
    )
    assert client.get(outside).status_code == 404


def test_a_beacon_commit_is_stored_and_answered_as_scorm_again_expects(launched):
    client, attempt, token = launched
    sco = attempt.package.scos.get().identifier
    body = {
        **commit_body(token, **{"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}),
        "sco": sco,
    }
    response = post_commit(client, body)
    assert response.status_code == 200
    assert response.json() == {"result": True, "errorCode": 0}
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.9,
    )


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda body: {**body, "token": body["token"][:-3] + "abc"}, 401),
        (lambda body: {k: v for k, v in body.items() if k != "token"}, 401),
        (lambda body: {**body, "sequence": "one"}, 400),
        (lambda body: "{not json", 400),
    ],
)
def test_bad_commits_are_refused_and_change_nothing(launched, mutate, status):
    client, attempt, token = launched
    sco = attempt.package.scos.get().identifier
    response = post_commit(client, mutate({**commit_body(token), "sco": sco}))
    assert response.status_code == status
    assert response.json()["result"] is False
    assert not ActivityState.objects.filter(attempt=attempt).exists()


def test_a_stale_commit_gets_409(launched):
    client, attempt, token = launched
    sco = attempt.package.scos.get().identifier
    assert post_commit(client, {**commit_body(token, sequence=5), "sco": sco}).status_code == 200
    response = post_commit(client, {**commit_body(token, sequence=4), "sco": sco})
    assert response.status_code == 409


def test_another_learner_cannot_commit_with_a_stolen_token(launched):
    _, attempt, token = launched
    other = Client()
    other.force_login(UserFactory(username="mallory"))
    sco = attempt.package.scos.get().identifier
    response = post_commit(other, {**commit_body(token), "sco": sco})
    assert response.status_code == 403
    assert not ActivityState.objects.filter(attempt=attempt).exists()
