"""A SCORM 2004 attempt left with Suspend All resumes on the next launch, even when its root
has rolled up completed (SB.2.6, ADL's DDM case): the launch that completed it and then
suspended it opens it again. One that ends completed without a suspend is closed."""

from __future__ import annotations

import pytest

from courses.models import Package
from enrollments.models import Attempt
from enrollments.services import attempt_start
from playback.models import AttemptRuntime
from tests.factories import AttemptFactory
from tests.playback.test_local_commit import _package, commit

pytestmark = pytest.mark.django_db

COMPLETED = {"completion": "completed", "success": "unknown", "scaled": None}


@pytest.fixture
def attempt2004() -> Attempt:
    package = _package(Package.Standard.SCORM_2004_4, ("a", "b"))
    return AttemptFactory(enrollment__course=package.course, package=package)


def test_completed_then_suspended_the_attempt_opens_again_and_resumes(attempt2004):
    commit(attempt2004, 1, activity="a", result=COMPLETED)  # the root rolls up completed
    assert Attempt.objects.get(pk=attempt2004.pk).is_open is False

    commit(attempt2004, 2, activity="a", result={**COMPLETED, "suspended": True}, end=True)

    stored = Attempt.objects.get(pk=attempt2004.pk)
    assert (stored.completion, stored.is_open) == ("completed", True)
    assert AttemptRuntime.objects.get(attempt=stored).closed_launch is None
    assert attempt_start(enrollment=stored.enrollment) == stored  # resumed, not a new attempt
    commit(stored, 1, activity="a", launch=2, result=COMPLETED, end=True)  # Exit All at last
    assert Attempt.objects.get(pk=stored.pk).is_open is False


def test_a_completed_attempt_that_ends_without_a_suspend_is_closed(attempt2004):
    commit(attempt2004, 1, activity="a", result=COMPLETED, end=True)

    stored = Attempt.objects.get(pk=attempt2004.pk)
    assert (stored.completion, stored.is_open) == ("completed", False)
    assert attempt_start(enrollment=stored.enrollment) != stored
