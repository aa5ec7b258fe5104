"""SCORM Cloud's course preview: a launch link with no registration."""

import pytest

from courses.refs import package_ref
from providers.exceptions import LaunchUnavailable
from providers.types import LaunchContext, LearnerRef
from tests.factories import CourseFactory, PackageFactory

from .conftest import EXIT_URL, REMOTE_COURSE_ID

VIEWER = LearnerRef(id="staff-1", username="ada")


@pytest.fixture
def remote_package(db, scorm_cloud):
    scorm_cloud.add_course(REMOTE_COURSE_ID)
    course = CourseFactory(provider="scorm_cloud")
    return PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")


def test_a_preview_is_a_course_preview_link_and_registers_nothing(
    provider, scorm_cloud, remote_package
):
    launch = provider.preview(package_ref(remote_package), VIEWER, LaunchContext(exit_url=EXIT_URL))
    assert launch.url.startswith(f"{scorm_cloud.url}/fake-preview/{REMOTE_COURSE_ID}?launchToken=")
    assert launch.registered is False
    assert scorm_cloud.previews == [REMOTE_COURSE_ID]
    assert scorm_cloud.registrations == {}
    [call] = [e for e in scorm_cloud.exchanges if e.path.endswith("/preview")]
    assert call.json_body == {"redirectOnExitUrl": EXIT_URL, "expiry": provider.launch_link_expiry}


def test_a_course_scorm_cloud_no_longer_has_cannot_be_previewed(provider, db, scorm_cloud):
    package = PackageFactory(course=CourseFactory(provider="scorm_cloud"), remote_id="gone")
    with pytest.raises(LaunchUnavailable, match="no longer has"):
        provider.preview(package_ref(package), VIEWER, LaunchContext(exit_url=EXIT_URL))
