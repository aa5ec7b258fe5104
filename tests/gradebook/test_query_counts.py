"""Query counts of every read view stay the same at 10 and at 1,000 learners."""

from __future__ import annotations

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from playback.models import ActivityState

from .bulk import course_fill
from .test_cmi import SCORM_2004_INDEXED

# The most queries each view may make, whatever the number of learners: 3 for the session,
# the user and base.html's instructor check (2 where the page has no base.html), then the view's.
BOUNDS = {
    "course_list": 5,  # + permission, the course list
    "course": 9,  # + course, permission, count, page rows, summary, completions by day
    "course_filtered_sorted": 9,
    "course_htmx_results": 6,  # no summary, no base.html
    "learner": 8,  # + course, permission, learner row, attempts, SCO titles
    "export_gradebook": 5,  # session, user, course, permission, one streamed query
    "export_attempts": 5,
}


# Views that read only the stored results (no attempt table at all).
STORED_ONLY = {"course", "course_filtered_sorted", "course_htmx_results", "export_gradebook"}


def url_for(view: str, course, external_id: str) -> tuple[str, dict[str, str]]:
    slug = course.slug
    return {
        "course_list": (reverse("gradebook:course_list"), {}),
        "course": (reverse("gradebook:course", args=[slug]), {}),
        "course_filtered_sorted": (
            reverse("gradebook:course", args=[slug])
            + "?q=first&status=passed&sort=score&dir=desc&page=2",
            {},
        ),
        "course_htmx_results": (
            reverse("gradebook:course", args=[slug]) + "?sort=time",
            {"HX-Request": "true", "HX-Target": "gradebook-results"},
        ),
        "learner": (reverse("gradebook:learner", args=[slug, external_id]), {}),
        "export_gradebook": (
            reverse("gradebook:export_gradebook", args=[slug]) + "?sort=last_access",
            {},
        ),
        "export_attempts": (
            reverse("gradebook:export_attempts", args=[slug]) + "?status=failed",
            {},
        ),
    }[view]


@pytest.mark.parametrize("view", BOUNDS)
def test_queries_do_not_grow_with_learners(
    view, course, instructor, client_for, django_assert_max_num_queries
):
    package = course.packages.get()
    course_fill(course=course, package=package, learners=10, attempts_per_learner=2, prefix="a")
    first = course.enrollments.order_by("pk").first()
    # The learner page also reads the SCO titles of attempts that hold CMI data.
    for attempt in first.attempts.all():
        ActivityState.objects.create(attempt=attempt, activity="sco-1", cmi=SCORM_2004_INDEXED)
    external_id = first.learner.external_id
    client = client_for(instructor)
    url, headers = url_for(view, course, external_id)

    def fetch() -> int:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        # Exports query while they stream: read them to the end inside the count.
        body = (
            b"".join(response.streaming_content)
            if isinstance(response, StreamingHttpResponse)
            else response.content
        )
        return body.count(b"\n")

    fetch()  # warm up one-off caches (content types, templates)
    with django_assert_max_num_queries(BOUNDS[view]) as small:
        lines_small = fetch()

    course_fill(
        course=course, package=package, learners=990, attempts_per_learner=2, prefix="b", seed=1
    )
    with django_assert_max_num_queries(BOUNDS[view]) as large:
        lines_large = fetch()

    assert len(large.captured_queries) == len(small.captured_queries)
    if view in STORED_ONLY:  # listing, counting, sorting and charting read no attempt
        assert not [q for q in large.captured_queries if "enrollments_attempt" in q["sql"]]
    if view.startswith("export"):
        assert lines_large > 10 * lines_small  # the export did cover the new learners
