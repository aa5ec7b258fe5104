"""The postback receiver: both wire formats, credentials, staleness, replays, bad input, and
real postbacks sent by the fake to the live server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.urls import reverse

from enrollments.models import Attempt
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import (
    POSTBACK_PASSWORD,
    POSTBACK_USER,
    FakeScormCloud,
    basic_auth_header,
)

from .conftest import REMOTE_COURSE_ID
from .contract import schema_errors

URL = "/scorm/scorm_cloud/hooks/postback/"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"
T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)


@pytest.fixture
def postback_settings(settings: Any) -> Any:
    settings.SCORM_CLOUD_POSTBACK_USER = POSTBACK_USER
    settings.SCORM_CLOUD_POSTBACK_PASSWORD = POSTBACK_PASSWORD
    return settings


@pytest.fixture
def attempt(db: Any, postback_settings: Any) -> Attempt:
    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
    return AttemptFactory(enrollment__course=course, package=package)


def registration(
    attempt: Attempt,
    *,
    completion: str = "COMPLETED",
    success: str = "PASSED",
    score: float | None = 85.0,
    updated: datetime = T1,
    registration_id: str | None = None,
    course_id: str = REMOTE_COURSE_ID,
) -> dict[str, Any]:
    """A ``RegistrationSchema`` document as SCORM Cloud posts it (resultsFormat COURSE)."""
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body: dict[str, Any] = {
        "id": registration_id or str(attempt.id),
        "instance": 0,
        "updated": stamp,
        "registrationCompletion": completion,
        "registrationCompletionAmount": 100.0 if completion == "COMPLETED" else 0.0,
        "registrationSuccess": success,
        "totalSecondsTracked": 321.5,
        "firstAccessDate": "2026-03-01T09:50:00.000Z",
        "lastAccessDate": stamp,
        "createdDate": "2026-03-01T09:49:00.000Z",
        "course": {"id": course_id, "title": "Intro", "version": 0},
        "learner": {
            "id": attempt.enrollment.learner.external_id,
            "firstName": "Ada",
            "lastName": "L",
        },
    }
    if completion == "COMPLETED":
        body["completedDate"] = stamp
    if score is not None:
        body["score"] = {"scaled": score}
    return body


def post_basic(
    client, body: Any, *, user: str = POSTBACK_USER, password: str = POSTBACK_PASSWORD, **extra: Any
):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        URL,
        data=data,
        content_type="application/json; charset=utf-8",
        headers={"Authorization": basic_auth_header(user, password)},
        **extra,
    )


def post_form(
    client,
    body: Any,
    *,
    user: str = POSTBACK_USER,
    password: str = POSTBACK_PASSWORD,
    user_field="userName",
):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        URL,
        data=urlencode({"data": data, user_field: user, "password": password}),
        content_type=FORM,
    )


def row(attempt: Attempt) -> dict[str, Any]:
    return Attempt.objects.filter(pk=attempt.pk).values().get()


def test_the_test_documents_follow_the_contract(attempt):
    assert schema_errors(registration(attempt), "RegistrationSchema") == []


def test_httpbasic_postback_updates_the_attempt(client, attempt):
    response = post_basic(client, registration(attempt))

    assert (response.status_code, response.content) == (200, b"ok")
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.completion, stored.success, stored.score_scaled) == ("completed", "passed", 0.85)
    assert (stored.seconds_tracked, stored.remote_updated_at, stored.completed_at) == (
        321.5,
        T1,
        T1,
    )
    assert stored.is_open is False
    assert stored.provider_result["id"] == str(attempt.id)


@pytest.mark.parametrize("user_field", ["userName", "username"])
def test_form_postback_updates_the_attempt(client, attempt, user_field):
    response = post_form(
        client, registration(attempt, success="FAILED", score=40.0), user_field=user_field
    )

    assert response.status_code == 200
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.completion, stored.success, stored.score_scaled) == ("completed", "failed", 0.4)


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c, b: post_basic(c, b, password="wrong"), id="basic-wrong-password"),
        pytest.param(lambda c, b: post_basic(c, b, user="someone"), id="basic-wrong-user"),
        pytest.param(
            lambda c, b: c.post(URL, data=json.dumps(b), content_type="application/json"),
            id="no-credentials",
        ),
        pytest.param(
            lambda c, b: c.post(
                URL,
                data=json.dumps(b),
                content_type="application/json",
                headers={"Authorization": "Basic %%%"},
            ),
            id="garbled-header",
        ),
        pytest.param(
            lambda c, b: c.post(
                URL,
                data=json.dumps(b),
                content_type="application/json",
                headers={"Authorization": "Bearer x"},
            ),
            id="other-scheme",
        ),
        pytest.param(lambda c, b: post_form(c, b, password="wrong"), id="form-wrong-password"),
        pytest.param(lambda c, b: post_form(c, b, user=""), id="form-no-user"),
    ],
)
def test_wrong_credentials_are_refused_and_change_nothing(client, attempt, send):
    before = row(attempt)
    response = send(client, registration(attempt))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert row(attempt) == before


def test_postbacks_are_refused_while_the_credentials_are_not_set(client, attempt, settings):
    settings.SCORM_CLOUD_POSTBACK_USER = settings.SCORM_CLOUD_POSTBACK_PASSWORD = ""
    before = row(attempt)
    assert post_basic(client, registration(attempt), user="", password="").status_code == 401
    assert row(attempt) == before


def test_an_older_postback_is_ignored(client, attempt):
    assert post_basic(client, registration(attempt, updated=T2)).status_code == 200
    after_newer = row(attempt)

    response = post_basic(
        client, registration(attempt, completion="INCOMPLETE", success="UNKNOWN", updated=T1)
    )

    assert response.status_code == 200  # delivered: SCORM Cloud must not retry it
    assert row(attempt) == after_newer


def test_a_replayed_postback_changes_nothing(client, attempt):
    body = registration(attempt)
    assert post_basic(client, body).status_code == 200
    first = row(attempt)
    assert post_basic(client, body).status_code == 200
    second = row(attempt)
    volatile = {"last_synced_at", "updated_at"}
    assert {k: v for k, v in second.items() if k not in volatile} == {
        k: v for k, v in first.items() if k not in volatile
    }


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param(json.dumps({"registrationCompletion": "COMPLETED"}), id="no-id"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_bodies_are_refused_and_change_nothing(client, attempt, body):
    before = row(attempt)
    assert post_basic(client, body).status_code == 400
    assert row(attempt) == before


def test_unreadable_timestamp_is_malformed(client, attempt):
    before = row(attempt)
    body = registration(attempt) | {"updated": "yesterday"}
    assert post_form(client, body).status_code == 400
    assert row(attempt) == before


@pytest.mark.parametrize(
    "registration_id", ["00000000-0000-4000-8000-000000000000", "not-one-of-ours"]
)
def test_unknown_registrations_are_acknowledged_and_ignored(client, attempt, registration_id):
    before = row(attempt)
    response = post_basic(client, registration(attempt, registration_id=registration_id))
    assert (response.status_code, response.content) == (200, b"ignored")
    assert row(attempt) == before


def test_an_attempt_of_another_provider_is_ignored(client, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(provider="allure_connect")
    before = row(attempt)
    assert post_basic(client, registration(attempt)).content == b"ignored"
    assert row(attempt) == before


def test_a_postback_naming_another_course_is_ignored(client, attempt):
    before = row(attempt)
    assert post_basic(client, registration(attempt, course_id="lms-other")).content == b"ignored"
    assert row(attempt) == before


def test_only_post_is_allowed(client, attempt):
    assert client.get(URL).status_code == 405


def test_never_redirects_even_where_https_is_enforced(client, attempt, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^scorm/[^/]+/hooks/"]  # as production settings
    assert client.get("/accounts/login/").status_code == 301  # the rule is on...
    assert (
        post_basic(client, registration(attempt)).status_code == 200
    )  # ...and spares the receiver


def test_credentials_and_bodies_stay_out_of_the_log(client, attempt, caplog):
    caplog.set_level(logging.DEBUG)
    post_basic(client, registration(attempt), password="a-guessed-password")
    post_form(client, registration(attempt))
    post_basic(client, "{not json")
    assert "postback with wrong credentials refused" in caplog.text
    assert "a-guessed-password" not in caplog.text
    assert POSTBACK_PASSWORD not in caplog.text
    assert attempt.enrollment.learner.external_id not in caplog.text  # part of the body only


def test_route_name():
    assert reverse("scorm_cloud:postback") == URL


# Real postbacks from the fake to the live server ------------------------------------------------


def _play_and_complete(fake: FakeScormCloud, launch_url: str) -> requests.Response:
    """What a learner does in the player: open the link, click "Complete course"."""
    page = requests.get(launch_url, timeout=5)
    assert page.status_code == 200
    assert "Complete course" in page.text
    path, token = urlsplit(launch_url).path, parse_qs(urlsplit(launch_url).query)["launchToken"][0]
    return requests.post(
        f"{fake.url}{path}/complete", data={"launchToken": token}, allow_redirects=False, timeout=5
    )


@pytest.mark.parametrize("mode", ["registration", "form"])
def test_the_fake_posts_back_to_the_live_server(live_server, scorm_cloud, settings, mode):
    from lms.scorm import get_provider

    settings.SITE_URL = live_server.url
    scorm_cloud.postback_mode = mode
    scorm_cloud.add_course(REMOTE_COURSE_ID)
    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
    attempt = AttemptFactory(enrollment__course=course, package=package)
    exit_url = f"{live_server.url}/learn/exit-here/"

    launch = get_provider("scorm_cloud").launch(attempt, exit_url=exit_url)
    exited = _play_and_complete(scorm_cloud, launch.url)

    assert (exited.status_code, exited.headers["Location"]) == (303, exit_url)
    (delivery,) = scorm_cloud.wait_for_postbacks(1)
    assert (delivery.mode, delivery.status, delivery.url) == (
        "httpbasic" if mode == "registration" else "form",
        200,
        f"{live_server.url}{URL}",
    )
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.completion, stored.success, stored.score_scaled) == ("completed", "passed", 0.85)
