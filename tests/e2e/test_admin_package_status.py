"""The package's page and the package list follow an import by themselves, in a real browser.

SCORM Cloud (the fake) keeps an import job running for a few status reads; without a worker,
the status fragment's polls are what move the import on (``package_import_advance``).
"""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from courses.models import Package
from courses.services import package_create
from tests.courses.package_builders import package_zip
from tests.e2e.accessibility import assert_accessible, assert_keyboard_reaches
from tests.factories import CourseFactory
from tests.fakes.scorm_cloud import FakeScormCloud, fake_scorm_cloud, scorm_cloud

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # the fake's fixtures, requested by name below

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE_PAGE = re.compile(r"/admin/courses/package/(\d+)/change/$")
STATUS = re.compile(r"/admin/courses/package/\d+/status/")


@pytest.fixture
def cloud(scorm_cloud: FakeScormCloud, monkeypatch) -> FakeScormCloud:
    """The fake, its imports running for three status reads; provider checks at most every
    second (instead of five) so the test does not wait."""
    monkeypatch.setattr("courses.services.IMPORT_CHECK_INTERVAL_SECONDS", 1)
    scorm_cloud.import_polls = 3
    return scorm_cloud


def polls_in(page: Page, milliseconds: int) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if STATUS.search(r.url) else None)
    page.wait_for_timeout(milliseconds)
    return seen


def test_an_upload_lands_on_its_page_which_follows_the_import_to_ready(
    page: Page, live_server, admin_signed_in, cloud, tmp_path, screenshot
):
    course = CourseFactory(provider="scorm_cloud", title="Cloud fire drills", is_published=False)
    zip_path = tmp_path / "drills.zip"
    zip_path.write_bytes(package_zip("Cloud fire drills", asset_bytes=50_000))
    page.goto(f"{live_server.url}/admin/courses/package/add/")
    page.get_by_label("Course").select_option(str(course.pk))
    page.get_by_label("SCORM package (.zip)").set_input_files(zip_path)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(PACKAGE_PAGE)

    status = page.locator("#package-status")
    expect(status).to_have_attribute("data-state", "processing")
    expect(status).to_contain_text("Importing into SCORM Cloud")
    expect(page.locator(".messagelist")).to_contain_text(
        "Its import into SCORM Cloud has started; its status below updates by itself."
    )
    screenshot("admin-package-processing")
    assert_accessible(page, name="package page (processing)")
    page.evaluate("window.sameDocument = true")

    # The list, in another tab, shows the row still importing.
    listing = page.context.new_page()
    listing.goto(f"{live_server.url}/admin/courses/package/")
    row_status = listing.locator("td.field-status_badge")
    expect(row_status).to_have_text("Processing…")
    screenshot("admin-package-list-processing", listing)
    assert_accessible(listing, name="package list (processing)")

    expect(status).to_have_attribute("data-state", "ready", timeout=20_000)
    expect(status).to_contain_text("Imported into SCORM Cloud")
    expect(status.get_by_role("link", name="open the course to publish it")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True  # no reload
    expect(row_status).to_have_text("Ready", timeout=10_000)
    screenshot("admin-package-ready-live")
    package = Package.objects.get(course=course)
    assert package.status == "ready"
    assert package.remote_id  # the course SCORM Cloud made

    # Once ready, neither page polls any more.
    assert polls_in(page, 2_500) == []
    assert polls_in(listing, 500) == []


def test_a_failed_import_shows_its_reason_without_a_reload(
    page: Page, live_server, admin_signed_in, cloud, screenshot
):
    course = CourseFactory(provider="scorm_cloud", title="Cloud evacuation")
    package = package_create(
        course=course, upload=ContentFile(package_zip("Cloud evacuation"), name="evac.zip")
    )
    package.refresh_from_db()
    assert package.status == "processing"
    page.goto(f"{live_server.url}/admin/courses/package/{package.pk}/change/")
    status = page.locator("#package-status")
    expect(status).to_have_attribute("data-state", "processing")

    (job,) = cloud.jobs.values()
    job.status, job.message = "ERROR", "Course is not properly formatted: no launchable items"

    expect(status).to_have_attribute("data-state", "failed", timeout=10_000)
    expect(status.locator("[data-field=error]")).to_have_text(
        "Course is not properly formatted: no launchable items"
    )
    expect(status.get_by_role("link", name="Upload a corrected package")).to_have_attribute(
        "href", f"/admin/courses/package/add/?course={course.pk}"
    )
    screenshot("admin-package-failed")
    assert_accessible(page, name="package page (failed)")
    corrected = status.get_by_role("link", name="Upload a corrected package")
    assert_keyboard_reaches(page, [corrected])
    assert polls_in(page, 2_500) == []

    page.goto(f"{live_server.url}/admin/courses/package/")
    expect(page.locator("td.field-status_badge")).to_have_text(
        "failed: Course is not properly formatted: no launchable items"
    )
    screenshot("admin-package-list")
    assert_accessible(page, name="package list")
