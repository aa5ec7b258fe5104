"""A package records the provider it was imported into; attempts start only on a package of the
course's current provider, and changing the provider imports the package again."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from courses.models import Course, Package
from courses.services import package_import_advance, package_import_start
from enrollments.services import attempt_start, enrollment_create, learner_get_or_create
from providers.exceptions import LaunchUnavailable
from tests.factories import CourseFactory, PackageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _learner_enrolled_in(course: Course):
    learner = learner_get_or_create(user=UserFactory())
    return enrollment_create(learner=learner, course=course)


def test_an_attempt_starts_only_on_a_package_of_the_courses_provider():
    course = CourseFactory(provider="scorm_cloud")
    PackageFactory(course=course, version=1, provider="allure_connect", remote_id="pkg_allure")
    enrollment = _learner_enrolled_in(course)

    with pytest.raises(LaunchUnavailable, match="no playable package"):
        attempt_start(enrollment=enrollment)

    ours = PackageFactory(course=course, version=2, provider="scorm_cloud", remote_id="lms-x")
    attempt = attempt_start(enrollment=enrollment)
    assert (attempt.package, attempt.provider) == (ours, "scorm_cloud")


def test_changing_the_provider_in_the_admin_queues_a_re_import(
    admin_client, scorm_cloud, django_capture_on_commit_callbacks
):
    course = CourseFactory(provider="local", slug="fire")
    local = PackageFactory(course=course, version=1, provider="local")
    url = reverse("admin:courses_course_change", args=[course.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        **{name: value for name, value in form.initial.items() if value is not None},
        "provider": "scorm_cloud",
        "instructors": [],
        "packages-TOTAL_FORMS": 1,
        "packages-INITIAL_FORMS": 1,
        "packages-0-id": local.pk,
        "packages-0-course": course.pk,
    }

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    copy = course.packages.get(version=2)
    assert (copy.provider, copy.sha256, copy.status) == ("scorm_cloud", local.sha256, "pending")
    assert len(queued) == 1  # its import, once the transaction commits
    messages = [str(m) for m in response.context["messages"]]
    assert any("queued for import" in m and "version 2" in m for m in messages), messages
    # Until that import is ready, nobody plays the old package on the new provider.
    course.refresh_from_db()
    assert course.provider == "scorm_cloud"
    with pytest.raises(LaunchUnavailable):
        attempt_start(enrollment=_learner_enrolled_in(course))


def test_without_a_worker_a_remote_import_never_waits_in_the_request(scorm_cloud, settings):
    """The embedded default has no worker: the import starts and returns; the package's page
    advances it each time someone looks, with no sleeping anywhere."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    scorm_cloud.import_polls = 2
    package = PackageFactory(
        course=CourseFactory(provider="scorm_cloud"), status=Package.Status.PENDING
    )

    started = time.monotonic()
    package_import_start(package=package)
    assert time.monotonic() - started < 2
    package.refresh_from_db()
    assert package.status == Package.Status.PROCESSING

    for _ in range(3):
        package_import_advance(package=package)
        package.refresh_from_db()
        settings_cache_clear()
    assert package.status == Package.Status.READY


def settings_cache_clear() -> None:
    """The advance is rate-limited through the cache; a test moves time on by clearing it."""
    from django.core.cache import cache

    cache.clear()
