"""Fixtures for the SCORM Cloud provider's tests: the fake server and DB scenarios."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from courses.models import Package
from courses.refs import package_import_ref
from enrollments.models import Attempt
from enrollments.services import attempt_launch
from providers import get_provider
from providers.scorm_cloud import ScormCloudProvider
from providers.types import ImportResult, Launch, LaunchContext
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import FakeScormCloud, fake_scorm_cloud, scorm_cloud

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # fixtures re-exported from the fake's module

REMOTE_COURSE_ID = "lms-intro-0123456789ab"
EXIT_URL = "https://lms.example/learn/attempts/1/exit/"
RESULTS_URL = "https://lms.example/hooks/scorm_cloud/"


def launch(attempt: Attempt, *, exit_url: str = EXIT_URL, results_url: str = RESULTS_URL) -> Launch:
    """Launch through the attempt service, which records what the provider reports."""
    return attempt_launch(
        attempt=attempt, context=LaunchContext(exit_url=exit_url, results_url=results_url)
    )


def import_step(provider: ScormCloudProvider, package: Package, *, start: bool) -> ImportResult:
    """``import_package`` (``start``) or ``import_status``, keeping the ids the provider reports
    on the row as the course services do."""
    ref = package_import_ref(package)
    result = provider.import_package(ref) if start else provider.import_status(ref)
    package.remote_id = result.remote_id or package.remote_id
    package.remote_job_id = result.remote_job_id or package.remote_job_id
    package.remote_version = result.remote_version or package.remote_version
    package.save()
    return result


@pytest.fixture
def provider(scorm_cloud: FakeScormCloud) -> ScormCloudProvider:
    provider = get_provider("scorm_cloud")
    assert isinstance(provider, ScormCloudProvider)
    return provider


@pytest.fixture
def remote_attempt(db: Any, scorm_cloud: FakeScormCloud) -> Attempt:
    """An attempt on a package already imported into the fake (course version 0)."""
    scorm_cloud.add_course(REMOTE_COURSE_ID)
    course = CourseFactory(provider="scorm_cloud", slug="intro")
    package = PackageFactory(course=course, remote_id=REMOTE_COURSE_ID, remote_version="0")
    return AttemptFactory(enrollment__course=course, package=package)


@pytest.fixture
def registered_attempt(remote_attempt: Attempt, scorm_cloud: FakeScormCloud) -> Attempt:
    """``remote_attempt`` with its registration created in the fake."""
    scorm_cloud.add_registration(
        str(remote_attempt.id),
        course_id=REMOTE_COURSE_ID,
        learner_id=remote_attempt.enrollment.learner.external_id,
    )
    remote_attempt.registered_at = timezone.now()
    remote_attempt.save(update_fields=["registered_at"])
    return remote_attempt
