"""ScormCloudProvider against the fake: import, launch (registration + link), progress, check."""

from __future__ import annotations

import re
import socket

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from enrollments.models import Attempt
from enrollments.refs import attempt_ref
from enrollments.services import attempt_refresh
from providers.exceptions import LaunchUnavailable, ProviderConflict
from providers.types import Completion, ImportState, Success
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import POSTBACK_PASSWORD, POSTBACK_USER, FakeScormCloud

from .conftest import EXIT_URL, REMOTE_COURSE_ID, import_step, launch

pytestmark = pytest.mark.django_db


def _run_import(provider, package, fake: FakeScormCloud):
    """import_package, then import_status until finished, as the background task does."""
    result = import_step(provider, package, start=True)
    for _ in range(fake.import_polls + 2):
        if result.finished:
            break
        result = import_step(provider, package, start=False)
    return result


# Import -------------------------------------------------------------------------------------


def test_provider_flags():
    from providers.scorm_cloud import ScormCloudProvider

    assert (ScormCloudProvider.identifier, ScormCloudProvider.remote) == ("scorm_cloud", True)
    assert ScormCloudProvider.exit_settle_seconds > 0


def test_import_of_a_new_course_uploads_without_new_version(provider, scorm_cloud):
    scorm_cloud.import_polls = 1
    package = PackageFactory(course=CourseFactory(provider="scorm_cloud", slug="safety"))

    result = import_step(provider, package, start=True)

    assert result.state is ImportState.PROCESSING
    assert result.remote_id.startswith("lms-safety-")
    upload = scorm_cloud.exchanges[-1]
    assert upload.query == {"courseId": [result.remote_id], "mayCreateNewVersion": ["false"]}
    assert upload.file_bytes["file"] == package.file.open("rb").read()
    package.refresh_from_db()
    assert (package.remote_id, package.remote_job_id) == (
        result.remote_id,
        upload.response_json["result"],
    )

    running = import_step(provider, package, start=False)
    assert running.state is ImportState.PROCESSING
    ready = import_step(provider, package, start=False)
    assert (ready.state, ready.remote_id, ready.remote_version) == (
        ImportState.READY,
        result.remote_id,
        "0",
    )


def test_next_package_of_a_course_becomes_a_new_version_of_the_same_remote_course(
    provider, scorm_cloud
):
    course = CourseFactory(provider="scorm_cloud")
    first = PackageFactory(course=course, version=1)
    first_result = _run_import(provider, first, scorm_cloud)
    second = PackageFactory(course=course, version=2)

    second_result = _run_import(provider, second, scorm_cloud)

    assert second_result.remote_id == first_result.remote_id
    assert scorm_cloud.last("POST", "/courses/importJobs/upload").query["mayCreateNewVersion"] == [
        "true"
    ]
    assert (second_result.state, second_result.remote_version) == (ImportState.READY, "1")


def test_an_earlier_package_of_another_provider_is_not_reused(provider, scorm_cloud):
    course = CourseFactory(provider="scorm_cloud", slug="switched")
    PackageFactory(course=course, version=1, remote_id="allure-pkg-1", provider="allure_connect")
    result = import_step(provider, PackageFactory(course=course, version=2), start=True)
    assert result.remote_id.startswith("lms-switched-")


def test_broken_package_import_fails_with_the_job_message(provider, scorm_cloud):
    package = PackageFactory(
        course=CourseFactory(provider="scorm_cloud"), file=ContentFile(b"PK", name="broken.zip")
    )
    result = _run_import(provider, package, scorm_cloud)
    assert result.state is ImportState.FAILED
    assert "imsmanifest.xml not found" in result.message


# Launch -------------------------------------------------------------------------------------


def test_first_launch_registers_the_attempt_then_mints_a_link(
    provider, scorm_cloud, remote_attempt, settings
):
    settings.SITE_URL = "https://lms.example"

    minted = launch(remote_attempt)

    create, link = scorm_cloud.api_exchanges()
    user = remote_attempt.enrollment.learner.user
    assert (create.method, create.path, create.status) == ("POST", "/registrations", 204)
    assert create.query == {"courseVersion": ["0"]}
    assert create.json_body == {
        "courseId": REMOTE_COURSE_ID,
        "registrationId": str(remote_attempt.id),
        "learner": {
            "id": remote_attempt.enrollment.learner.external_id,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "email": user.email,
        },
        "postBack": {
            "url": "https://lms.example/hooks/scorm_cloud/",
            "authType": "HTTPBASIC",
            "userName": POSTBACK_USER,
            "password": POSTBACK_PASSWORD,
            "resultsFormat": "COURSE",
        },
    }
    assert (link.path, link.json_body) == (
        f"/registrations/{remote_attempt.id}/launchLink",
        {"redirectOnExitUrl": EXIT_URL, "expiry": 120},
    )
    assert minted.url == link.response_json["launchLink"]
    assert minted.expires_at is None  # the link's 120 s bound only the start of the session
    assert Attempt.objects.get(pk=remote_attempt.pk).registered_at is not None


def test_later_launches_only_mint_a_link(provider, scorm_cloud, registered_attempt):
    launch(registered_attempt)
    launch(registered_attempt)
    assert scorm_cloud.hits("POST", "/registrations") == 0
    assert scorm_cloud.hits("POST", r"/registrations/[^/]+/launchLink") == 2


def test_postback_is_left_out_when_its_credentials_are_not_set(
    provider, scorm_cloud, remote_attempt, settings
):
    settings.SCORM_CLOUD_POSTBACK_PASSWORD = ""
    launch(remote_attempt)
    assert "postBack" not in scorm_cloud.api_exchanges()[0].json_body


def test_existing_matching_registration_is_accepted(provider, scorm_cloud, remote_attempt):
    scorm_cloud.add_registration(
        str(remote_attempt.id),
        course_id=REMOTE_COURSE_ID,
        learner_id=remote_attempt.enrollment.learner.external_id,
    )
    minted = launch(remote_attempt)
    assert [e.status for e in scorm_cloud.api_exchanges()] == [
        400,
        200,
        200,
    ]  # create, confirm, link
    assert minted.url.startswith(scorm_cloud.url + "/fake-player/")
    assert Attempt.objects.get(pk=remote_attempt.pk).registered_at is not None


@pytest.mark.parametrize("field", ["course", "learner"])
def test_existing_registration_of_another_course_or_learner_is_a_conflict(
    provider, scorm_cloud, remote_attempt, field
):
    scorm_cloud.add_course("lms-other")
    scorm_cloud.add_registration(
        str(remote_attempt.id),
        course_id="lms-other" if field == "course" else REMOTE_COURSE_ID,
        learner_id="lrn_someone_else"
        if field == "learner"
        else remote_attempt.enrollment.learner.external_id,
    )
    with pytest.raises(ProviderConflict, match="another course or learner"):
        launch(remote_attempt)
    assert Attempt.objects.get(pk=remote_attempt.pk).registered_at is None
    assert scorm_cloud.hits("POST", r"/registrations/[^/]+/launchLink") == 0


def test_a_lost_create_answer_is_retried_and_the_duplicate_confirmed(
    provider, scorm_cloud, remote_attempt
):
    scorm_cloud.inject(
        503, method="POST", path="^/registrations$", after=True
    )  # created, answer lost
    minted = launch(remote_attempt)
    assert [e.status for e in scorm_cloud.api_exchanges()] == [503, 400, 200, 200]
    assert minted.url


def test_launch_of_a_course_missing_remotely_is_unavailable(provider, scorm_cloud, remote_attempt):
    scorm_cloud.courses.clear()
    with pytest.raises(LaunchUnavailable, match="re-import"):
        launch(remote_attempt)
    assert Attempt.objects.get(pk=remote_attempt.pk).registered_at is None


def test_launch_of_a_package_not_imported_is_unavailable(provider, scorm_cloud):
    attempt = AttemptFactory(
        enrollment__course=CourseFactory(provider="scorm_cloud"),
        package=PackageFactory(remote_id="", status=ImportState.PROCESSING),
    )
    with pytest.raises(LaunchUnavailable):
        launch(attempt)
    assert scorm_cloud.api_exchanges() == []


# Progress -----------------------------------------------------------------------------------


def test_progress_normalises_percent_scores(provider, scorm_cloud, registered_attempt):
    scorm_cloud.set_result(
        str(registered_attempt.id),
        completion="COMPLETED",
        success="PASSED",
        score=85.0,
        seconds=61.5,
    )
    progress = provider.fetch_progress(attempt_ref(registered_attempt))
    assert (progress.completion, progress.success) == (Completion.COMPLETED, Success.PASSED)
    assert progress.score.scaled == pytest.approx(0.85)
    assert progress.seconds == 61.5
    assert progress.updated_at.tzinfo is not None
    assert progress.completed_at is not None
    assert progress.raw["id"] == str(registered_attempt.id)
    assert scorm_cloud.exchanges[-1].query["includeRuntime"] == ["false"]  # not used: not read


def test_progress_completed_without_success_or_score(provider, scorm_cloud, registered_attempt):
    scorm_cloud.set_result(
        str(registered_attempt.id), completion="COMPLETED", success="UNKNOWN", score=None
    )
    progress = provider.fetch_progress(attempt_ref(registered_attempt))
    assert (progress.completion, progress.success, progress.score.scaled) == (
        Completion.COMPLETED,
        Success.UNKNOWN,
        None,
    )
    assert "score" not in progress.raw


def test_progress_of_a_fresh_registration_is_unknown(provider, scorm_cloud, registered_attempt):
    progress = provider.fetch_progress(attempt_ref(registered_attempt))
    assert (progress.completion, progress.success, progress.score.scaled) == (
        Completion.UNKNOWN,
        Success.UNKNOWN,
        None,
    )


def test_progress_of_an_attempt_never_launched_asks_nothing(provider, scorm_cloud, remote_attempt):
    assert provider.fetch_progress(attempt_ref(remote_attempt)).completion is Completion.UNKNOWN
    assert scorm_cloud.api_exchanges() == []


def test_progress_lags_until_rollup_then_attempt_refresh_stores_it(
    provider, scorm_cloud, registered_attempt
):
    scorm_cloud.postback_mode = "off"
    scorm_cloud.set_result(str(registered_attempt.id), score=92.0, delay=0.3)
    assert provider.fetch_progress(attempt_ref(registered_attempt)).completion is Completion.UNKNOWN
    scorm_cloud.wait_until_settled(str(registered_attempt.id))

    assert attempt_refresh(attempt=registered_attempt, force=True) == "applied"

    stored = Attempt.objects.get(pk=registered_attempt.pk)
    assert (stored.completion, stored.success, stored.score_scaled) == (
        "completed",
        "passed",
        pytest.approx(0.92),
    )
    assert stored.is_open is False
    assert stored.remote_updated_at is not None


# Connection check ---------------------------------------------------------------------------


def test_check_connection_ok(provider, scorm_cloud):
    check = provider.check_connection()
    assert check.ok
    assert "Connected to SCORM Cloud" in check.message
    assert "Postbacks are off" not in check.message


def test_check_connection_mentions_postbacks_that_are_off(provider, scorm_cloud, settings):
    settings.SCORM_CLOUD_POSTBACK_USER = ""
    check = provider.check_connection()
    assert check.ok
    assert "Postbacks are off" in check.message


def test_check_connection_with_wrong_credentials(provider, scorm_cloud, settings):
    settings.SCORM_CLOUD_SECRET_KEY = "not-the-secret"
    check = provider.check_connection()
    assert not check.ok
    assert "rejected the app ID or secret key" in check.message
    assert "not-the-secret" not in check.message


def test_check_connection_when_not_configured(settings):
    settings.SCORM_CLOUD_APP_ID = settings.SCORM_CLOUD_SECRET_KEY = ""
    from providers import get_provider

    check = get_provider("scorm_cloud").check_connection()
    assert not check.ok
    assert (
        check.message
        == "SCORM Cloud is not configured: set SCORM_CLOUD_APP_ID and SCORM_CLOUD_SECRET_KEY."
    )


def test_check_connection_without_network(provider, scorm_cloud, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SCORM_CLOUD_BASE_URL = f"http://127.0.0.1:{port}/api/v2"
    check = provider.check_connection()
    assert not check.ok
    assert "could not be reached" in check.message


def test_postback_route_is_mounted_where_the_ssl_exemption_expects_it(settings):
    url = reverse("playback:notification", kwargs={"provider": "scorm_cloud"})
    assert url == "/hooks/scorm_cloud/"
    assert re.match(r"^hooks/", url.lstrip("/"))  # SECURE_REDIRECT_EXEMPT in production


def test_activity_counts_are_the_completed_leaves_of_the_activity_tree():
    """``activityDetails`` (ActivityResultSchema, read with includeChildResults): clusters are
    not counted, only the activities a learner goes through."""
    from providers.scorm_cloud.progress import activity_counts

    tree = {
        "id": "course",
        "activityCompletion": "INCOMPLETE",
        "children": [
            {"id": "sco-1", "activityCompletion": "COMPLETED"},
            {
                "id": "module",
                "activityCompletion": "INCOMPLETE",
                "children": [
                    {"id": "sco-2", "activityCompletion": "COMPLETED"},
                    {"id": "sco-3", "activityCompletion": "INCOMPLETE"},
                ],
            },
        ],
    }
    assert activity_counts(tree) == (2, 3)
    assert activity_counts({"id": "only", "activityCompletion": "COMPLETED"}) == (1, 1)
    assert activity_counts(None) == (None, None)
    assert activity_counts("garbage") == (None, None)
