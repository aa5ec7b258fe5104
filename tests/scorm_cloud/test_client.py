"""ScormCloudClient against the fake over real HTTP: requests, answers and failure mapping."""

from __future__ import annotations

import io
import logging
import socket

import pytest

from providers.exceptions import (
    ProviderAPIError,
    ProviderAuthError,
    ProviderConflict,
    ProviderConnectionError,
    ProviderNotConfigured,
    ProviderNotFound,
    ProviderServerError,
)
from providers.scorm_cloud.client import ImportJob, Learner, PostBack, ScormCloudClient
from tests.fakes.scorm_cloud import FakeScormCloud

ZIP = b"PK\x05\x06" + b"\0" * 18


@pytest.fixture
def client(scorm_cloud: FakeScormCloud) -> ScormCloudClient:
    return ScormCloudClient.from_settings()


def _upload(
    client: ScormCloudClient,
    course_id: str,
    *,
    filename: str = "course.zip",
    new_version: bool = False,
) -> str:
    return client.upload_course(
        course_id, io.BytesIO(ZIP), filename=filename, may_create_new_version=new_version
    )


def test_missing_credentials_are_not_configured(settings):
    settings.SCORM_CLOUD_APP_ID = ""
    with pytest.raises(
        ProviderNotConfigured, match="SCORM_CLOUD_APP_ID and SCORM_CLOUD_SECRET_KEY"
    ):
        ScormCloudClient.from_settings()


def test_ping_authenticates_with_basic_auth(client, scorm_cloud):
    assert client.ping().api_message == "pong"
    assert scorm_cloud.exchanges[-1].headers["authorization"].startswith("Basic ")


def test_get_course_is_none_when_missing_and_a_dataclass_when_present(client, scorm_cloud):
    assert client.get_course("lms-missing") is None
    scorm_cloud.add_course("lms-present", versions=2, title="Present")
    course = client.get_course("lms-present")
    assert (course.id, course.title, course.version) == ("lms-present", "Present", 1)
    assert course.raw["courseLearningStandard"] == "SCORM20044THEDITION"


def test_upload_sends_the_zip_as_the_file_part_with_lowercase_booleans(client, scorm_cloud):
    job_id = _upload(client, "lms-new")
    exchange = scorm_cloud.exchanges[-1]
    assert (exchange.method, exchange.path) == ("POST", "/courses/importJobs/upload")
    assert exchange.query == {"courseId": ["lms-new"], "mayCreateNewVersion": ["false"]}
    assert exchange.files == {"file": "course.zip"}
    assert exchange.file_bytes["file"] == ZIP
    assert job_id == exchange.response_json["result"]


def test_import_job_runs_then_completes_with_the_course_version(client, scorm_cloud):
    scorm_cloud.import_polls = 2
    job_id = _upload(client, "lms-new")
    assert [client.get_import_job(job_id).status for _ in range(2)] == [ImportJob.RUNNING] * 2
    job = client.get_import_job(job_id)
    assert (job.status, job.course_id, job.course_version) == (ImportJob.COMPLETE, "lms-new", 0)


def test_new_version_needs_may_create_new_version(client, scorm_cloud):
    scorm_cloud.add_course("lms-existing")
    with pytest.raises(ProviderConflict) as caught:
        _upload(client, "lms-existing")
    assert caught.value.status == 409
    assert "already exists" in caught.value.message

    job_id = _upload(client, "lms-existing", new_version=True)
    assert scorm_cloud.exchanges[-1].query["mayCreateNewVersion"] == ["true"]
    client.get_import_job(job_id)
    assert client.get_import_job(job_id).course_version == 1


def test_import_job_error_carries_the_message(client, scorm_cloud):
    scorm_cloud.import_polls = 0
    job = client.get_import_job(_upload(client, "lms-broken", filename="broken-course.zip"))
    assert job.status == ImportJob.ERROR
    assert "imsmanifest.xml not found" in job.message
    assert job.course_version is None


def test_unknown_import_job_is_not_found(client):
    with pytest.raises(ProviderNotFound, match=r"Could not find import job \[nope\]"):
        client.get_import_job("nope")


def test_create_registration_then_duplicate_is_refused_with_400(client, scorm_cloud):
    scorm_cloud.add_course("lms-c")
    learner = Learner(id="lrn_1", first_name="Ada", last_name="Lovelace", email="ada@example.com")
    post_back = PostBack(url="https://lms.example/hook/", user_name="u", password="p")
    client.create_registration(
        "reg-1", course_id="lms-c", learner=learner, post_back=post_back, course_version=0
    )
    exchange = scorm_cloud.exchanges[-1]
    assert exchange.status == 204
    assert exchange.query == {"courseVersion": ["0"]}
    assert exchange.json_body["learner"] == {
        "id": "lrn_1",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
    }
    assert exchange.json_body["postBack"]["authType"] == "HTTPBASIC"

    with pytest.raises(ProviderAPIError) as caught:
        client.create_registration("reg-1", course_id="lms-c", learner=learner)
    assert caught.value.status == 400
    assert caught.value.message == "Registration with id [reg-1] already exists"


def test_create_registration_for_an_unknown_course_is_not_found(client):
    with pytest.raises(ProviderNotFound, match=r"Could not find course \[lms-nope\]"):
        client.create_registration("reg-1", course_id="lms-nope", learner=Learner(id="lrn_1"))


def test_get_registration_reads_progress_with_runtime(client, scorm_cloud):
    scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    scorm_cloud.set_result("reg-1", score=85.0, seconds=90.5)
    registration = client.get_registration("reg-1")
    assert scorm_cloud.exchanges[-1].query["includeRuntime"] == ["true"]
    assert (registration.completion, registration.success, registration.score_scaled) == (
        "COMPLETED",
        "PASSED",
        85.0,
    )
    assert (
        registration.course_id,
        registration.learner_id,
        registration.total_seconds_tracked,
    ) == ("lms-c", "lrn_1", 90.5)
    assert registration.updated.tzinfo is not None
    assert "runtime" in registration.raw["activityDetails"]


def test_launch_link_is_returned_exactly(client, scorm_cloud):
    scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    link = client.launch_link("reg-1", redirect_on_exit_url="https://lms.example/exit/", expiry=60)
    exchange = scorm_cloud.exchanges[-1]
    assert link == exchange.response_json["launchLink"]
    assert exchange.json_body == {"redirectOnExitUrl": "https://lms.example/exit/", "expiry": 60}


@pytest.mark.parametrize("expiry", [9, 301])
def test_launch_link_expiry_outside_the_api_range_is_refused_locally(client, scorm_cloud, expiry):
    with pytest.raises(ValueError, match="10 to 300"):
        client.launch_link("reg-1", redirect_on_exit_url="https://lms.example/exit/", expiry=expiry)
    assert scorm_cloud.api_exchanges() == []


def test_wrong_credentials_raise_an_auth_error_without_the_secret(settings, scorm_cloud, caplog):
    caplog.set_level(logging.DEBUG)
    settings.SCORM_CLOUD_SECRET_KEY = "wrong-secret-must-stay-hidden"
    with pytest.raises(ProviderAuthError) as caught:
        ScormCloudClient.from_settings().ping()
    assert caught.value.status == 401
    assert "Authorization Required." in str(caught.value)  # read from the "error" key
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert "wrong-secret-must-stay-hidden" not in text
        assert scorm_cloud.secret_key not in text


def test_429_burst_is_retried_for_get(client, scorm_cloud):
    scorm_cloud.inject(429, times=2, method="GET", path="^/ping$")
    assert client.ping().api_message == "pong"
    assert scorm_cloud.hits("GET", "/ping") == 3


def test_5xx_burst_exhausting_retries_raises_server_error(client, scorm_cloud):
    scorm_cloud.inject(503, times=10, method="GET")
    with pytest.raises(ProviderServerError):
        client.get_course("lms-c")
    assert scorm_cloud.hits("GET", "/courses/lms-c") == 4  # 1 + SCORM_HTTP_RETRIES


def test_launch_link_is_retried_on_5xx_and_429(client, scorm_cloud):
    """Minting a link changes nothing at SCORM Cloud: a learner is not shown an error for a
    passing 503 or 429."""
    scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    scorm_cloud.inject(503, times=1, method="POST", path="/launchLink$")
    scorm_cloud.inject(429, times=1, method="POST", path="/launchLink$")
    link = client.launch_link("reg-1", redirect_on_exit_url="https://lms.example/exit/")
    assert link.startswith(scorm_cloud.url)
    assert scorm_cloud.hits("POST", "/registrations/reg-1/launchLink") == 3


def test_launch_link_gives_up_after_the_retries(client, scorm_cloud):
    scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    scorm_cloud.inject(500, times=10, method="POST", path="/launchLink$")
    with pytest.raises(ProviderServerError):
        client.launch_link("reg-1", redirect_on_exit_url="https://lms.example/exit/")
    assert scorm_cloud.hits("POST", "/registrations/reg-1/launchLink") == 4  # 1 + 3 retries


def test_upload_post_is_not_retried_on_503(client, scorm_cloud):
    scorm_cloud.inject(503, times=5, method="POST")
    with pytest.raises(ProviderServerError):
        _upload(client, "lms-new")
    assert scorm_cloud.hits("POST", "/courses/importJobs/upload") == 1
    assert scorm_cloud.jobs == {}


def test_create_registration_post_is_retried_because_a_duplicate_is_refused(client, scorm_cloud):
    scorm_cloud.add_course("lms-c")
    scorm_cloud.inject(503, times=1, method="POST", path="^/registrations$")
    client.create_registration("reg-1", course_id="lms-c", learner=Learner(id="lrn_1"))
    assert scorm_cloud.hits("POST", "/registrations") == 2
    assert "reg-1" in scorm_cloud.registrations


def test_read_timeout_is_a_connection_error(settings, client, scorm_cloud):
    settings.SCORM_HTTP_READ_TIMEOUT = 0.2
    settings.SCORM_HTTP_RETRIES = 1
    client = ScormCloudClient.from_settings()
    scorm_cloud.slow(1.0, times=2, method="GET")
    with pytest.raises(ProviderConnectionError, match="could not be reached"):
        client.ping()
    assert scorm_cloud.hits("GET", "/ping") == 2  # a GET read timeout is retried once


def test_connection_refused_is_a_connection_error(settings, scorm_cloud):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SCORM_CLOUD_BASE_URL = f"http://127.0.0.1:{port}/api/v2"
    with pytest.raises(ProviderConnectionError):
        ScormCloudClient.from_settings().ping()


def test_repr_never_shows_credentials(client, scorm_cloud):
    assert scorm_cloud.secret_key not in repr(client)
    assert scorm_cloud.secret_key not in repr(
        PostBack(url="u", user_name="n", password=scorm_cloud.secret_key)
    )


def test_a_long_retry_after_is_capped(client):
    retry = client._session.get_adapter(client.base_url).max_retries
    assert retry.parse_retry_after("3600") == 30
