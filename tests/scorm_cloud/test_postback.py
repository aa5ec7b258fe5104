"""The postback receiver: both wire formats, credentials, staleness, replays, bad input, and
real postbacks sent by the fake to the live server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Attempt
from enrollments.services import attempt_launch
from providers.types import LaunchContext
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import (
    POSTBACK_PASSWORD,
    POSTBACK_USER,
    FakeScormCloud,
    basic_auth_header,
)

from .conftest import REMOTE_COURSE_ID
from .contract import schema_errors

URL = "/hooks/scorm_cloud/"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"
T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
REGISTRATION = "/registrations/[^/]+"


@pytest.fixture
def attempt(db: Any, scorm_cloud: FakeScormCloud) -> Attempt:
    """A launched attempt: SCORM Cloud holds its registration, with no result yet."""
    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
    attempt = AttemptFactory(
        enrollment__course=course, package=package, registered_at=timezone.now()
    )
    scorm_cloud.add_registration(
        str(attempt.id),
        course_id=REMOTE_COURSE_ID,
        learner_id=attempt.enrollment.learner.external_id,
    )
    return attempt


def played(scorm_cloud: FakeScormCloud, attempt: Attempt, **result: Any) -> None:
    """The learner's result as SCORM Cloud holds it (the truth a postback only hints at)."""
    scorm_cloud.set_result(str(attempt.id), **result)
    scorm_cloud.wait_until_settled(str(attempt.id))


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


def test_httpbasic_postback_stores_what_scorm_cloud_says(client, attempt, scorm_cloud):
    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=85.0)

    response = post_basic(client, registration(attempt, score=99.0))

    assert (response.status_code, response.content) == (200, b"applied")
    assert scorm_cloud.hits("GET", REGISTRATION) == 1
    params = scorm_cloud.last("GET", REGISTRATION).query
    assert params["includeRuntime"] == ["false"]  # the runtime is not used: not asked for
    stored = Attempt.objects.get(pk=attempt.pk)
    # SCORM Cloud's answer (85 %, 42 s), not the body's claims (99 %, 321.5 s).
    assert (stored.completion, stored.success, stored.score_scaled) == ("completed", "passed", 0.85)
    assert stored.seconds_tracked == 42.0
    assert stored.is_open is False
    assert stored.provider_result["id"] == str(attempt.id)


@pytest.mark.parametrize("user_field", ["userName", "username"])
def test_form_postback_stores_what_scorm_cloud_says(client, attempt, scorm_cloud, user_field):
    played(scorm_cloud, attempt, completion="COMPLETED", success="FAILED", score=40.0)

    response = post_form(client, registration(attempt), user_field=user_field)

    assert response.status_code == 200
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.completion, stored.success, stored.score_scaled) == ("completed", "failed", 0.4)


def test_a_lying_postback_cannot_change_a_result(client, attempt, scorm_cloud):
    """Whoever knows the postback credentials can write any body: another learner's id, a
    result, a clock from the future. Only the registration id is read from it."""
    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=85.0)
    assert post_basic(client, registration(attempt)).content == b"applied"
    passed = row(attempt)

    forged = registration(
        attempt, success="FAILED", score=10.0, updated=datetime(2099, 1, 1, tzinfo=UTC)
    )
    forged["learner"]["id"] = "lrn_someone_else"
    response = post_basic(client, forged)

    assert response.status_code == 200
    after = row(attempt)
    assert (after["success"], after["score_scaled"]) == ("passed", 0.85)
    assert after["remote_updated_at"] == passed["remote_updated_at"]  # no clock from the body

    # The genuine final postback is still applied after the forged one.
    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=92.0)
    assert post_basic(client, registration(attempt)).content == b"applied"
    assert row(attempt)["score_scaled"] == 0.92


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
def test_wrong_credentials_are_refused_and_change_nothing(client, attempt, scorm_cloud, send):
    played(scorm_cloud, attempt)
    before = row(attempt)
    response = send(client, registration(attempt))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert row(attempt) == before
    assert scorm_cloud.hits("GET", REGISTRATION) == 0


def test_postbacks_are_refused_while_the_credentials_are_not_set(client, attempt, settings):
    settings.SCORM_CLOUD_POSTBACK_USER = settings.SCORM_CLOUD_POSTBACK_PASSWORD = ""
    before = row(attempt)
    assert post_basic(client, registration(attempt), user="", password="").status_code == 401
    assert row(attempt) == before


def test_an_older_result_than_stored_is_not_applied(client, attempt, scorm_cloud):
    played(scorm_cloud, attempt)
    assert post_basic(client, registration(attempt)).status_code == 200
    stored = row(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(
        remote_updated_at=stored["remote_updated_at"] + timedelta(minutes=5)
    )
    before = row(attempt)

    response = post_basic(client, registration(attempt))

    assert (response.status_code, response.content) == (200, b"stale")  # delivered: no retry
    assert row(attempt) == before


def test_a_replayed_postback_changes_nothing(client, attempt, scorm_cloud):
    played(scorm_cloud, attempt)
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
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-100000-deep"),
        pytest.param('{"id": "x", "score": {"scaled": NaN}}', id="nan"),
    ],
)
def test_malformed_bodies_are_refused_and_change_nothing(client, attempt, scorm_cloud, body):
    before = row(attempt)
    assert post_basic(client, body).status_code == 400
    assert row(attempt) == before
    assert scorm_cloud.hits("GET", REGISTRATION) == 0


def test_deeply_nested_form_data_is_refused(client, attempt):
    before = row(attempt)
    assert post_form(client, '{"id": ' + "[" * 50_000 + "]" * 50_000 + "}").status_code == 400
    assert row(attempt) == before


@pytest.mark.parametrize(
    "registration_id", ["00000000-0000-4000-8000-000000000000", "not-one-of-ours"]
)
def test_unknown_registrations_are_acknowledged_and_ignored(
    client, attempt, scorm_cloud, registration_id
):
    before = row(attempt)
    response = post_basic(client, registration(attempt, registration_id=registration_id))
    assert (response.status_code, response.content) == (200, b"ignored")
    assert row(attempt) == before
    assert scorm_cloud.hits("GET", REGISTRATION) == 0


def test_an_attempt_of_another_provider_is_ignored(client, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(provider="allure_connect")
    before = row(attempt)
    assert post_basic(client, registration(attempt)).content == b"ignored"
    assert row(attempt) == before


def test_a_registration_of_another_course_or_learner_is_never_stored(client, attempt, scorm_cloud):
    """Should SCORM Cloud's registration under our id belong to another course or learner,
    its result is not ours."""
    played(scorm_cloud, attempt)
    scorm_cloud.registrations[str(attempt.id)].learner = {"id": "lrn_someone_else"}
    before = row(attempt)
    assert post_basic(client, registration(attempt)).content == b"ignored"
    assert row(attempt) == before


def test_a_re_read_failure_asks_scorm_cloud_to_deliver_again(client, attempt, scorm_cloud):
    played(scorm_cloud, attempt)
    scorm_cloud.inject(503, times=10, method="GET")
    before = row(attempt)

    response = post_basic(client, registration(attempt))

    assert response.status_code == 503
    assert row(attempt) == before
    assert scorm_cloud.hits("GET", REGISTRATION) == 1  # one quick try: SCORM Cloud retries


def test_only_post_is_allowed(client, attempt):
    assert client.get(URL).status_code == 405


def test_never_redirects_even_where_https_is_enforced(client, attempt, scorm_cloud, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^hooks/"]  # as production settings
    played(scorm_cloud, attempt)
    assert client.get("/accounts/login/").status_code == 301  # the rule is on...
    assert post_basic(client, registration(attempt)).status_code == 200  # ...and spares this


def test_credentials_and_bodies_stay_out_of_the_log(client, attempt, scorm_cloud, caplog):
    played(scorm_cloud, attempt)
    caplog.set_level(logging.DEBUG)
    post_basic(client, registration(attempt), password="a-guessed-password")
    post_form(client, registration(attempt))
    post_basic(client, "{not json")
    assert "wrong postback credentials" in caplog.text
    assert "a-guessed-password" not in caplog.text
    assert POSTBACK_PASSWORD not in caplog.text
    assert attempt.enrollment.learner.external_id not in caplog.text  # part of the body only


def test_route_name():
    assert reverse("playback:notification", kwargs={"provider": "scorm_cloud"}) == URL


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
    settings.SITE_URL = live_server.url
    scorm_cloud.postback_mode = mode
    scorm_cloud.add_course(REMOTE_COURSE_ID)
    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
    attempt = AttemptFactory(enrollment__course=course, package=package)
    exit_url = f"{live_server.url}/learn/exit-here/"

    launch = attempt_launch(
        attempt=attempt,
        context=LaunchContext(exit_url=exit_url, results_url=f"{live_server.url}{URL}"),
    )
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


# --- Replays and out-of-order deliveries (issue 12) ---------------------------------------------


def test_postbacks_delivered_out_of_order_leave_the_final_state(client, attempt, scorm_cloud):
    """SCORM Cloud's postback of an earlier result arrives after the final one: the re-read
    finds the final state, so nothing moves back."""
    played(scorm_cloud, attempt, completion="INCOMPLETE", success="UNKNOWN", score=None)
    early = registration(attempt, completion="INCOMPLETE", success="UNKNOWN", score=None)
    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=92.0)
    final = registration(attempt, updated=T2, score=92.0)

    assert post_basic(client, final).content == b"applied"
    after_final = row(attempt)
    assert post_basic(client, early).status_code == 200

    after_early = row(attempt)
    assert (after_early["completion"], after_early["success"], after_early["score_scaled"]) == (
        "completed",
        "passed",
        0.92,
    )
    volatile = {"last_synced_at", "updated_at"}
    assert {k: v for k, v in after_early.items() if k not in volatile} == {
        k: v for k, v in after_final.items() if k not in volatile
    }


def test_a_late_re_read_older_than_the_stored_result_is_not_applied(client, attempt, scorm_cloud):
    """Two postbacks race: the re-read of the first answers after the second's, with an older
    ``updated``. The older answer is stale and changes nothing."""
    from enrollments.refs import attempt_ref
    from enrollments.services import attempt_apply_progress
    from providers import get_provider

    played(scorm_cloud, attempt, completion="INCOMPLETE", success="UNKNOWN", score=None)
    older = get_provider("scorm_cloud").fetch_progress(attempt_ref(attempt))  # answered late
    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=85.0)
    assert post_basic(client, registration(attempt)).content == b"applied"
    final = row(attempt)

    assert attempt_apply_progress(attempt=attempt, progress=older, source="test") == "stale"
    assert row(attempt) == final


def test_the_gradebook_row_follows_the_final_state_whatever_the_order(client, attempt, scorm_cloud):
    from enrollments.models import Enrollment

    played(scorm_cloud, attempt, completion="COMPLETED", success="PASSED", score=85.0)
    body = registration(attempt)
    for _ in range(3):
        assert post_basic(client, body).status_code == 200
    stored = Enrollment.objects.get(pk=attempt.enrollment_id)
    assert (stored.status, stored.score, stored.attempt_count) == ("passed", 0.85, 1)
