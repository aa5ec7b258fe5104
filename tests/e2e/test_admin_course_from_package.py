"""An admin makes a course from a package on one screen, then publishes it, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import Course
from tests.courses.package_builders import package_file
from tests.e2e.accessibility import (
    DJANGO_ADMIN_WIDGETS,
    assert_accessible,
    assert_keyboard_reaches,
    press_until_focused,
)

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "Where the exits are, who sweeps each floor and where everyone meets."
PACKAGE_PAGE = re.compile(r"/admin/courses/package/\d+/change/$")


def test_a_course_is_made_from_a_package_and_published(
    page: Page, live_server, admin_signed_in, tmp_path, screenshot, settings
):
    settings.SCORM_UPLOAD_CHUNK_BYTES = 256 * 1024  # the resumable upload, in several chunks
    zip_path = package_file(
        tmp_path / "evacuation.zip", "Evacuation drills", DESCRIPTION, asset_bytes=600_000
    )
    page.goto(f"{live_server.url}/admin/courses/course/")
    assert_accessible(page, name="course list")
    page.get_by_role("link", name="New course from a package").click()

    expect(page.get_by_role("heading", name="New course from a package")).to_be_visible()
    provider = page.get_by_label("Plays on")
    file_input = page.get_by_label("SCORM package (.zip)")
    create = page.get_by_role("button", name="Create course")
    expect(provider).to_have_value("local")
    assert_keyboard_reaches(page, [file_input, provider, create])
    screenshot("admin-course-from-package")
    assert_accessible(page, name="new course from a package")

    file_input.set_input_files(zip_path)
    expect(page.get_by_text("Chosen: evacuation.zip")).to_be_visible()
    press_until_focused(page, create)
    page.keyboard.press("Enter")
    page.wait_for_url(PACKAGE_PAGE)

    course = Course.objects.get()
    assert (course.title, course.slug, course.description) == (
        "Evacuation drills",
        "evacuation-drills",
        DESCRIPTION,
    )
    assert (course.provider, course.is_published) == ("local", False)
    status = page.locator("#package-status")
    expect(status).to_have_attribute("data-state", "ready")
    expect(page.locator(".messagelist")).to_contain_text(
        "The course “Evacuation drills” was created from the package, unpublished"
    )
    screenshot("admin-course-from-package-done")

    status.get_by_role("link", name="open the course to publish it").click()
    expect(page.get_by_label("Title")).to_have_value("Evacuation drills")
    assert_accessible(page, name="course change page", exclude=DJANGO_ADMIN_WIDGETS)
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    course.refresh_from_db()
    assert course.is_published


def test_a_rejected_package_makes_no_course(
    page: Page, live_server, admin_signed_in, tmp_path, screenshot
):
    broken = tmp_path / "notes.zip"
    broken.write_bytes(b"meeting notes, not a package")
    page.goto(f"{live_server.url}/admin/courses/course/from-package/")
    page.get_by_label("SCORM package (.zip)").set_input_files(broken)
    page.get_by_role("button", name="Create course").click()
    expect(page.locator(".errorlist")).to_contain_text("not a zip archive")
    screenshot("admin-course-from-package-rejected")
    assert_accessible(page, name="new course from a package, rejected")
    assert not Course.objects.exists()
