"""The fake's player and postback behaviour, which the browser test of this provider relies on."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from providers.scorm_cloud.client import Learner, PostBack, ScormCloudClient
from tests.fakes.scorm_cloud import FakeScormCloud, basic_auth_header

EXIT_URL = "https://lms.example/exit/"


@pytest.fixture
def client(scorm_cloud: FakeScormCloud) -> ScormCloudClient:
    return ScormCloudClient.from_settings()


@pytest.fixture
def launch_url(client, scorm_cloud, httpserver) -> str:
    """A registration whose postbacks go to pytest-httpserver, and a fresh launch link."""
    scorm_cloud.add_course("lms-c")
    post_back = PostBack(
        url=httpserver.url_for("/hook/"), user_name="hook-user", password="hook-pass"
    )
    client.create_registration(
        "reg-1", course_id="lms-c", learner=Learner(id="lrn_1"), post_back=post_back
    )
    return client.launch_link("reg-1", redirect_on_exit_url=EXIT_URL, expiry=30)


def _click(launch_url: str, button: str) -> requests.Response:
    parts = urlsplit(launch_url)
    token = parse_qs(parts.query)["launchToken"][0]
    action = f"{parts.scheme}://{parts.netloc}{parts.path}/{button}"
    return requests.post(action, data={"launchToken": token}, allow_redirects=False, timeout=5)


def test_player_page_marks_the_registration_incomplete(client, launch_url):
    page = requests.get(launch_url, timeout=5)
    assert page.status_code == 200
    assert "Complete course" in page.text
    assert client.get_registration("reg-1").completion == "INCOMPLETE"


def test_complete_redirects_to_the_exit_url_and_posts_back_httpbasic(
    client, scorm_cloud, launch_url, httpserver
):
    httpserver.expect_request("/hook/", method="POST").respond_with_data("ok")
    requests.get(launch_url, timeout=5)

    exited = _click(launch_url, "complete")

    assert (exited.status_code, exited.headers["Location"]) == (303, EXIT_URL)
    (delivery,) = scorm_cloud.wait_for_postbacks(1)
    assert (delivery.mode, delivery.status) == ("httpbasic", 200)
    (request, _response) = httpserver.log[0]
    assert request.headers["Authorization"] == basic_auth_header("hook-user", "hook-pass")
    assert request.headers["Content-Type"].startswith("application/json")
    body = json.loads(request.get_data())
    assert (body["id"], body["registrationCompletion"], body["score"]) == (
        "reg-1",
        "COMPLETED",
        {"scaled": 85.0},
    )
    registration = client.get_registration("reg-1")
    assert (registration.completion, registration.success) == ("COMPLETED", "PASSED")


def test_form_postbacks_carry_data_and_credentials_fields(scorm_cloud, launch_url, httpserver):
    httpserver.expect_request("/hook/", method="POST").respond_with_data("ok")
    scorm_cloud.postback_mode = "form"
    _click(launch_url, "complete")
    scorm_cloud.wait_for_postbacks(1)
    form = httpserver.log[0][0].form
    assert (form["userName"], form["password"]) == ("hook-user", "hook-pass")
    assert json.loads(form["data"])["registrationSuccess"] == "PASSED"


def test_completion_delay_keeps_the_result_back_and_the_postback_with_it(
    client, scorm_cloud, launch_url, httpserver
):
    httpserver.expect_request("/hook/", method="POST").respond_with_data("ok")
    scorm_cloud.completion_delay = 0.5
    scorm_cloud.player_result.score = 60.0
    requests.get(launch_url, timeout=5)
    clicked = time.monotonic()

    _click(launch_url, "complete")

    assert client.get_registration("reg-1").completion == "INCOMPLETE"  # rollup not done yet
    assert scorm_cloud.postbacks == []
    scorm_cloud.wait_for_postbacks(1)
    assert time.monotonic() - clicked >= 0.45
    registration = client.get_registration("reg-1")
    assert (registration.completion, registration.score_scaled) == ("COMPLETED", 60.0)


def test_postbacks_can_be_switched_off(client, scorm_cloud, launch_url, httpserver):
    scorm_cloud.postback_mode = "off"
    _click(launch_url, "complete")
    scorm_cloud.wait_until_settled("reg-1")
    time.sleep(0.1)
    assert (scorm_cloud.postbacks, httpserver.log) == ([], [])
    assert client.get_registration("reg-1").completion == "COMPLETED"


def test_exit_leaves_the_registration_incomplete(client, launch_url):
    requests.get(launch_url, timeout=5)
    exited = _click(launch_url, "exit")
    assert (exited.status_code, exited.headers["Location"]) == (303, EXIT_URL)
    assert client.get_registration("reg-1").completion == "INCOMPLETE"


def test_expired_or_forged_launch_links_are_refused(scorm_cloud, launch_url):
    token = parse_qs(urlsplit(launch_url).query)["launchToken"][0]
    assert requests.get(launch_url.replace(token, token + "x"), timeout=5).status_code == 403
    scorm_cloud.launch_tokens[token].expires_at -= timedelta(seconds=31)  # minted with expiry=30
    assert requests.get(launch_url, timeout=5).status_code == 403
