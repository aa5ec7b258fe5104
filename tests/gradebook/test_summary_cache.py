"""The course's summary and charts are rendered once per change of its results (with a shared
cache): every change of a stored result, and every enrolment that comes or goes, shows at the
next page view."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from enrollments.services import attempt_apply_progress, attempt_start, learner_get_or_create
from providers.types import Completion, Progress, Score, Success
from tests.factories import EnrollmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _summary_cache(settings):
    settings.GRADEBOOK_SUMMARY_CACHE_SECONDS = 300


def figures(client, course) -> dict[str, str]:
    html = client.get(reverse("gradebook:course", args=[course.slug])).content.decode()
    return dict(re.findall(r"<dt>(Enrolled|Started|Average score)</dt><dd>([^<]*)</dd>", html))


def test_a_second_view_reuses_the_summary(client_for, instructor, enrollment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(instructor)
    url = reverse("gradebook:course", args=[enrollment.course.slug])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second) == len(first) - 2  # no summary, no completions by day
    assert not [q for q in second.captured_queries if "GROUP BY" in q["sql"]]


def test_results_and_enrolments_show_at_the_next_view(
    client_for, instructor, course, django_capture_on_commit_callbacks
):
    client = client_for(instructor)
    assert figures(client, course) == {"Enrolled": "0", "Started": "0", "Average score": "—"}

    with django_capture_on_commit_callbacks(execute=True):  # each write's transaction commits
        enrollment = EnrollmentFactory(
            course=course, learner=learner_get_or_create(user=UserFactory())
        )
    assert figures(client, course)["Enrolled"] == "1"

    with django_capture_on_commit_callbacks(execute=True):
        attempt = attempt_start(enrollment=enrollment)
        attempt_apply_progress(
            attempt=attempt,
            progress=Progress(
                completion=Completion.COMPLETED, success=Success.PASSED, score=Score(scaled=0.5)
            ),
            source="test",
        )
    assert figures(client, course) == {"Enrolled": "1", "Started": "1", "Average score": "50%"}

    with django_capture_on_commit_callbacks(execute=True):
        enrollment.delete()
    assert figures(client, course)["Enrolled"] == "0"
