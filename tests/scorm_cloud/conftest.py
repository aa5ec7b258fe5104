"""Fixtures for the SCORM Cloud provider's tests: the fake server and DB scenarios."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from enrollments.models import Attempt
from lms.scorm import get_provider
from lms.scorm.scorm_cloud import ScormCloudProvider
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import FakeScormCloud, fake_scorm_cloud, scorm_cloud

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # fixtures re-exported from the fake's module

REMOTE_COURSE_ID = "lms-intro-0123456789ab"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The user factory hashes a password per learner; PBKDF2 would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
