from __future__ import annotations

import pytest

from enrollments.services import learner_get_or_create
from tests.factories import AttemptFactory, EnrollmentFactory, UserFactory


@pytest.fixture
def learner_user():
    return UserFactory(username="lea")


@pytest.fixture
def attempt(learner_user):
    enrollment = EnrollmentFactory(learner=learner_get_or_create(user=learner_user))
    return AttemptFactory(enrollment=enrollment)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any outbound HTTP request."""
    calls = []

    def refuse(self, request, **kwargs):
        calls.append(request.url)
        raise AssertionError(f"unexpected outbound request to {request.url}")

    monkeypatch.setattr("requests.Session.send", refuse)
    return calls
