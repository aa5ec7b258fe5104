"""Gradebook scenario fixtures: a course, its instructor, another course's instructor, an
enrolled learner, staff, and a fake remote provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from providers.registry import reset_registry
from providers.types import Progress
from tests.factories import CourseFactory, EnrollmentFactory, PackageFactory, UserFactory

from .fakes import FakeRemoteProvider


@pytest.fixture
def course(db):
    course = CourseFactory(title="Fire safety", slug="fire-safety")
    PackageFactory(course=course, version=1)
    return course


@pytest.fixture
def instructor(course):
    user = UserFactory(username="instructor")
    course.instructors.add(user)
    return user


@pytest.fixture
def other_instructor(db):
    user = UserFactory(username="other-instructor")
    CourseFactory(title="Another course").instructors.add(user)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def enrollment(course):
    return EnrollmentFactory(
        course=course,
        learner__user__username="learner",
        learner__user__first_name="Ada",
        learner__user__last_name="Lovelace",
    )


@pytest.fixture
def learner_user(enrollment):
    return enrollment.learner.user


@pytest.fixture
def client_for() -> Callable:
    def _client(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def fake_remote(settings):
    """Register the fake remote provider; yields its class so a test can set its answer."""
    settings.SCORM_PROVIDERS = {
        **settings.SCORM_PROVIDERS,
        "fake_remote": "tests.gradebook.fakes.FakeRemoteProvider",
    }
    reset_registry()
    FakeRemoteProvider.answer = Progress()
    FakeRemoteProvider.calls = []
    yield FakeRemoteProvider
    FakeRemoteProvider.answer = Progress()
    FakeRemoteProvider.calls = []
