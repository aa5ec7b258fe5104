"""The local player's LMS-side routes (session, activity, commit) and the content origin's
(launcher, grant, files), through Django's test client. The LMS is at 127.0.0.1:8000, so the
derived content origin is localhost:8000."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from enrollments import versioned_cache
from enrollments.models import Attempt
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

ACTIVITY = "safe-passwords-item"  # the SCORM 1.2 demo's one SCO
LMS = "http://127.0.0.1:8000"
CONTENT = "http://localhost:8000"


def lms_client(**extra) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8000", **extra)


def content_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_HOST="localhost:8000")


@pytest.fixture
def launched(make_demo_course):
    """A learner's attempt at the SCORM 1.2 demo, launched once: (attempt, token)."""
    course = make_demo_course("safe-passwords")
    user = UserFactory(username="lea")
    enrollment = enrollment_create(learner=learner_get_or_create(user=user), course=course)
    attempt = attempt_start(enrollment=enrollment)
    launch = attempt_launch(
        attempt=attempt,
        context=LaunchContext(exit_url=f"{LMS}/exit/", player_url=f"{CONTENT}/content/launch/"),
    )
    url = urlsplit(launch.url)
    assert (url.scheme + "://" + url.netloc, url.path, url.query) == (
        CONTENT,
        "/content/launch/",
        "",
    )
    return attempt, url.fragment  # the token travels in the fragment only


def post(client, name, body, origin=CONTENT):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        reverse(f"playback:{name}"),
        data=data,
        content_type="text/plain;charset=UTF-8",
        HTTP_ORIGIN=origin,
    )


def test_the_session_is_readable_by_the_content_origin_only(launched):
    attempt, token = launched
    response = post(lms_client(), "local_session", {"token": token})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == CONTENT
    assert "Origin" in response["Vary"]
    assert "no-store" in response["Cache-Control"]
    config = response.json()
    assert (config["version"], config["launch"], config["review"]) == ("1.2", 1, False)
    assert list(config["activities"]) == [ACTIVITY]
    assert config["urls"]["content"] == f"{CONTENT}/content/p/{attempt.package_id}/"
    assert config["urls"]["commit"] == f"{LMS}/play/local/commit/"
    assert "set-cookie" not in {k.lower() for k in response.headers}


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:9000"])
def test_another_origin_is_refused(launched, origin):
    _, token = launched
    response = post(lms_client(), "local_session", {"token": token}, origin=origin)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("token", ["", "forged", "x" * 10_000, 7])
def test_a_bad_token_gets_401(launched, token):
    for name in ("local_session", "local_activity", "local_commit"):
        response = post(lms_client(), name, {"token": token, "activity": ACTIVITY, "sequence": 1})
        assert response.status_code == 401, name


def test_the_activity_data_is_what_the_lms_holds_now(launched):
    attempt, token = launched
    commit = {"token": token, "activity": ACTIVITY, "sequence": 1}
    changes = {"cmi.core.lesson_location": "page-3", "cmi.core.exit": "suspend"}
    assert post(lms_client(), "local_commit", {**commit, "changes": changes}).status_code == 200
    response = post(lms_client(), "local_activity", {"token": token, "activity": ACTIVITY})
    data = response.json()["data"]
    assert (data["cmi.core.entry"], data["cmi.core.lesson_location"]) == ("resume", "page-3")
    assert (
        post(lms_client(), "local_activity", {"token": token, "activity": "nope"}).status_code
        == 404
    )


def test_a_beacon_commit_is_stored_and_answered_as_scorm_again_expects(launched):
    attempt, token = launched
    response = post(
        lms_client(),
        "local_commit",
        {
            "token": token,
            "activity": ACTIVITY,
            "sequence": 1,
            "changes": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"},
        },
    )
    assert (response.status_code, response.json()["result"], response.json()["errorCode"]) == (
        200,
        True,
        0,
    )
    assert response["Access-Control-Allow-Origin"] == CONTENT
    # data, not a page: it may load nothing and be framed by nothing
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.9,
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param("not json", 400, id="not-json"),
        pytest.param("[" * 100_000 + "]" * 100_000, 400, id="nested-100000-deep"),
        pytest.param('{"token": "x", "n": NaN}', 400, id="nan"),
        pytest.param('{"token": "x", "n": Infinity}', 400, id="infinity"),
        pytest.param("[]", 400, id="not-an-object"),
    ],
)
def test_bad_bodies_are_refused_before_the_token_is_read(launched, body, status):
    attempt, _ = launched
    response = post(lms_client(), "local_commit", body)
    assert response.status_code == status
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert not ActivityState.objects.exists()


def test_bad_commits_are_refused_and_change_nothing(launched):
    attempt, token = launched
    bad = [
        {"token": token, "activity": ACTIVITY, "sequence": 10**20},
        {"token": token, "activity": ACTIVITY, "sequence": 2**31},
        {
            "token": token,
            "activity": ACTIVITY,
            "sequence": 1,
            "changes": {"cmi.core.session_time": "a long while"},
        },
    ]
    for body in bad:
        assert post(lms_client(), "local_commit", body).status_code == 400
    assert not ActivityState.objects.exists()
    assert Attempt.objects.get(pk=attempt.pk).commit_sequence == 0


def test_a_stale_commit_gets_409(launched):
    _, token = launched
    body = {"token": token, "activity": ACTIVITY, "changes": {}}
    assert post(lms_client(), "local_commit", {**body, "sequence": 2}).status_code == 200
    assert post(lms_client(), "local_commit", {**body, "sequence": 1}).status_code == 409


def test_a_commit_after_the_launch_ended_gets_409(launched):
    _, token = launched
    body = {"token": token, "activity": ACTIVITY, "changes": {}}
    assert (
        post(lms_client(), "local_commit", {**body, "sequence": 1, "end": True}).status_code == 200
    )
    assert post(lms_client(), "local_commit", {**body, "sequence": 2}).status_code == 409


def test_another_learners_token_opens_nothing(launched):
    """A token names its learner: it opens only that learner's attempt."""
    attempt, token = launched
    Attempt.objects.filter(pk=attempt.pk).update(
        enrollment=enrollment_create(
            learner=learner_get_or_create(user=UserFactory(username="mallory")),
            course=attempt.enrollment.course,
        )
    )
    assert post(lms_client(), "local_session", {"token": token}).status_code == 404
    body = {"token": token, "activity": ACTIVITY, "sequence": 1, "changes": {}}
    assert post(lms_client(), "local_commit", body).status_code == 404


# The content origin ------------------------------------------------------------------------


def grant(client, launched_attempt):
    """The launcher's grant; the test client keeps the cookie as a browser would."""
    attempt, token = launched_attempt
    capability = post(lms_client(), "local_session", {"token": token}).json()["capability"]
    response = client.post("/content/authorize/", data=capability, content_type="text/plain")
    if response.status_code == 204:
        name, _, rest = response["Set-Cookie"].partition("=")
        client.cookies[name] = rest.split(";", 1)[0]
        client.cookies[name]["path"] = f"/content/p/{attempt.package_id}/"
    return response


def test_the_launcher_page_is_served_on_the_content_origin(launched):
    response = content_client().get("/content/launch/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {LMS}" in policy
    assert f"script-src {LMS}" in policy
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response
    assert f'data-session-url="{LMS}/play/local/session/"' in response.content.decode()


def test_package_files_need_the_grant_of_that_package_on_that_origin(launched):
    attempt, _ = launched
    client = content_client()
    path = f"/content/p/{attempt.package_id}/index.html"
    assert client.get(path).status_code == 401
    granted = grant(client, launched)
    assert granted.status_code == 204
    cookie = granted["Set-Cookie"]
    for attribute in (
        f"Path=/content/p/{attempt.package_id}/",
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Partitioned",
    ):
        assert attribute in cookie
    response = client.get(path)
    assert response.status_code == 200
    # framed by the launcher (its own origin), itself framed by the LMS page: nobody else
    assert f"frame-ancestors 'self' {LMS}" in response["Content-Security-Policy"]
    assert client.get(f"/content/p/{attempt.package_id + 1}/index.html").status_code == 403
    assert client.get(f"/content/p/{attempt.package_id}/../x").status_code in (403, 404)


def test_a_grant_is_bound_to_its_origin(launched):
    attempt, token = launched
    capability = post(lms_client(), "local_session", {"token": token}).json()["capability"]
    other_host = Client(HTTP_HOST="127.0.0.1:8000")  # the LMS host, not the content host
    assert (
        other_host.post(
            "/content/authorize/", data=capability, content_type="text/plain"
        ).status_code
        == 403
    )
    assert (
        content_client()
        .post("/content/authorize/", data="forged", content_type="text/plain")
        .status_code
        == 403
    )


def test_the_content_origin_never_reads_or_sets_an_lms_cookie(launched, settings):
    attempt, _ = launched
    client = content_client()
    grant(client, launched)
    client.cookies["sessionid"] = "stolen"
    client.cookies["csrftoken"] = "stolen"
    response = client.get(f"/content/p/{attempt.package_id}/index.html")
    assert response.status_code == 200
    assert not response.cookies  # nothing set: no session, no CSRF cookie
    assert "csrftoken" not in response.get("Set-Cookie", "")


def test_with_a_configured_content_origin_each_host_serves_only_its_own(settings, launched):
    settings.SCORM_CONTENT_ORIGIN = "https://content.example.net"
    settings.ALLOWED_HOSTS = ["lms.example.org", "content.example.net"]
    content = Client(HTTP_HOST="content.example.net", **{"wsgi.url_scheme": "https"})
    lms = Client(HTTP_HOST="lms.example.org", **{"wsgi.url_scheme": "https"})
    assert content.get("/content/launch/", secure=True).status_code == 200
    assert content.get("/accounts/login/", secure=True).status_code == 404  # no LMS page
    assert content.get("/admin/", secure=True).status_code == 404
    assert lms.get("/content/launch/", secure=True).status_code == 404  # no package file either
    assert lms.get("/accounts/login/", secure=True).status_code == 200


def test_a_package_file_costs_no_query(launched, django_assert_num_queries):
    """The hot path: the grant names the files' place, so serving one asks the database nothing."""
    attempt, _ = launched
    client = content_client()
    grant(client, launched)
    with django_assert_num_queries(0):
        response = client.get(f"/content/p/{attempt.package_id}/index.html")
    assert response.status_code == 200
    with django_assert_num_queries(0):
        assert client.get(f"/content/p/{attempt.package_id}/missing.js").status_code == 404


def test_a_commit_is_answered_as_stored_while_the_shared_cache_is_down(
    launched, settings, cache_down, django_capture_on_commit_callbacks, caplog
):
    """The cache only spares reads: a commit stored is a commit answered. Its cached fragments'
    new versions wait for the thread's next commit."""
    settings.SCORM_PANEL_CACHE_SECONDS = 60
    attempt, token = launched
    body = {
        "token": token,
        "activity": ACTIVITY,
        "sequence": 1,
        "changes": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(lms_client(), "local_commit", body)
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.score_scaled == 0.9
    assert f"panel:{attempt.pk}" in versioned_cache._pending()
    assert "cache versions not written" in caplog.text
    versioned_cache._pending().clear()


class ChainEnd:
    """Put last in the middleware: marks every answer that went through the whole chain."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Chain-End"] = "seen"
        return response


def test_the_run_time_routes_are_answered_before_the_cookie_middleware(launched, settings):
    """Authorised by the launch token alone: the session, CSRF, authentication and message
    middleware never see them, nor does a cookie sent with them (the LMS's session here)."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.ChainEnd"]
    _, token = launched
    client = lms_client()
    client.force_login(UserFactory(username="staff", is_staff=True))
    body = {"token": token, "activity": ACTIVITY, "sequence": 1, "changes": {}}
    for name in ("local_session", "local_activity", "local_commit"):
        response = post(client, name, body)
        assert response.status_code == 200, name
        assert "X-Chain-End" not in response, name
        assert not response.cookies, name
    assert client.get("/play/local/nothing/")["X-Chain-End"] == "seen"  # the LMS's own 404
    assert client.get("/learn/")["X-Chain-End"] == "seen"
