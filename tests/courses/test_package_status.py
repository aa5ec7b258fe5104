"""The package's live import status: the fragment its admin page and the package list poll."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse

from courses.models import Package
from courses.services import package_create
from tests.courses.package_builders import package_zip
from tests.factories import CourseFactory, PackageFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the import runs on commit, as in production

HX = {"HX-Request": "true"}


def status_url(package: Package, row: bool = False) -> str:
    url = reverse("admin:courses_package_status", args=[package.pk])
    return url + ("?view=row" if row else "")


@pytest.fixture
def cloud_package(scorm_cloud):
    """A package whose import SCORM Cloud (the fake) runs for two status reads."""
    scorm_cloud.import_polls = 2
    course = CourseFactory(provider="scorm_cloud", is_published=False, title="Cloud drills")
    package = package_create(
        course=course, upload=ContentFile(package_zip("Cloud drills"), name="drills.zip")
    )
    package.refresh_from_db()
    assert package.status == Package.Status.PROCESSING
    return package


def poll(client, package, row: bool = False):
    cache.clear()  # lift the per-package rate limit on provider checks between polls
    return client.get(status_url(package, row), headers=HX)


def test_the_status_polls_while_the_import_runs_and_stops_when_ready(admin_client, cloud_package):
    first = poll(admin_client, cloud_package)
    assert first.status_code == 200
    page = first.content.decode()
    assert 'data-state="processing"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "Importing into SCORM Cloud" in page

    poll(admin_client, cloud_package)  # the fake's second running read
    final = poll(admin_client, cloud_package)

    assert final.status_code == 286  # htmx stops polling
    page = final.content.decode()
    assert 'data-state="ready"' in page
    assert "hx-trigger" not in page
    assert "hx-get" not in page
    assert "Imported into SCORM Cloud" in page
    # The course is not published yet: the admin is pointed at it.
    assert reverse("admin:courses_course_change", args=[cloud_package.course_id]) in page
    cloud_package.refresh_from_db()
    assert cloud_package.status == Package.Status.READY


def test_a_failed_import_says_why(admin_client, cloud_package, scorm_cloud):
    (job,) = scorm_cloud.jobs.values()
    job.status, job.message = "ERROR", "Course is not properly formatted: no launchable items"

    final = poll(admin_client, cloud_package)

    assert final.status_code == 286
    page = final.content.decode()
    assert 'data-state="failed"' in page
    assert "Course is not properly formatted: no launchable items" in page
    assert "hx-trigger" not in page
    assert f"?course={cloud_package.course_id}" in page  # upload a corrected one


def test_the_list_rows_poll_only_while_unfinished(admin_client, cloud_package):
    PackageFactory(course=cloud_package.course, version=9)  # ready
    listing = admin_client.get(reverse("admin:courses_package_changelist")).content.decode()
    cells = re.findall(r'<td class="field-status_badge">(.*?)</td>', listing, re.S)
    assert len(cells) == 2
    assert sum("hx-get" in cell for cell in cells) == 1
    assert "Ready" in cells

    row = poll(admin_client, cloud_package, row=True)
    assert row.status_code == 200
    assert "hx-get" in row.content.decode()
    poll(admin_client, cloud_package, row=True)
    final = poll(admin_client, cloud_package, row=True)
    assert (final.status_code, final.content.decode()) == (286, "Ready")


def test_without_htmx_a_finished_status_is_a_plain_200(admin_client):
    package = PackageFactory()
    response = admin_client.get(status_url(package))
    assert response.status_code == 200
    assert 'data-state="ready"' in response.content.decode()


def test_the_package_page_shows_the_live_status(admin_client, cloud_package):
    page = admin_client.get(
        reverse("admin:courses_package_change", args=[cloud_package.pk])
    ).content.decode()
    assert 'aria-live="polite"' in page
    assert 'id="package-status"' in page
    assert status_url(cloud_package) in page
    assert "htmx" in page  # the script that polls


def test_only_staff_who_may_view_packages_read_the_status(client):
    package = PackageFactory()
    assert client.get(status_url(package)).status_code == 302  # to the admin's login
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get(status_url(package)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_package"))
    assert client.get(status_url(package)).status_code == 200
    assert client.get(reverse("admin:courses_package_status", args=[99999])).status_code == 404
