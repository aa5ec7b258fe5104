"""A SCORM 2004 attempt goes on while its session runs and after a Suspend All, even when its
root has rolled up completed: the next launch resumes it (SB.2.6, ADL's DDM case). One whose
session ends completed is closed."""

from __future__ import annotations

import pytest

from courses.models import Package
from enrollments.models import Attempt
from enrollments.services import attempt_start
from tests.factories import AttemptFactory
from tests.playback.test_local_commit import _package, commit

pytestmark = pytest.mark.django_db

COMPLETED = {"completion": "completed", "success": "unknown", "scaled": None}


@pytest.fixture
def attempt2004() -> Attempt:
    package = _package(Package.Standard.SCORM_2004_4, ("a", "b"))
    return AttemptFactory(enrollment__course=package.course, package=package)


def test_a_completed_attempt_left_suspended_stays_open_and_resumes(attempt2004):
    commit(attempt2004, 1, activity="a", result={**COMPLETED, "continues": True}, end=True)

    stored = Attempt.objects.get(pk=attempt2004.pk)
    assert (stored.completion, stored.is_open) == ("completed", True)
    assert attempt_start(enrollment=stored.enrollment) == stored  # resumed, not a new attempt


def test_a_completed_attempt_that_ends_is_closed(attempt2004):
    commit(attempt2004, 1, activity="a", result={**COMPLETED, "continues": True})  # running
    commit(attempt2004, 2, activity="a", result=COMPLETED, end=True)  # Exit All at last

    stored = Attempt.objects.get(pk=attempt2004.pk)
    assert (stored.completion, stored.is_open) == ("completed", False)
