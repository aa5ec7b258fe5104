"""An admin uploads packages in a real browser: progress, drag and drop, a lost connection.

The add form's script sends the zip in chunks (tus) to the admin's upload endpoint, then posts
the form with the upload's id; the server runs the intake on the assembled zip and the admin
lands on the package's page. Screens go to ``E2E_SCREENSHOTS_DIR`` when it is set.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from courses import services
from courses.models import Package
from tests.courses.package_builders import package_file, package_zip
from tests.e2e.accessibility import assert_accessible, assert_keyboard_reaches, press_until_focused
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
PACKAGE_PAGE = re.compile(r"/admin/courses/package/\d+/change/$")
UPLOADS = re.compile(r"/admin/courses/package/uploads/")

# Records every text the progress line and the status line show, even across navigations.
WATCH_PROGRESS = """
() => {
  const box = document.querySelector("[data-package-upload]");
  const report = () => window.reportUpload(
    box.dataset.percent || "", box.querySelector("[data-progress-text]").textContent,
    box.querySelector("[data-status]").textContent);
  new MutationObserver(report).observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def partial_uploads(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / services.UPLOADS_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def open_add_form(page: Page, live_server, course) -> None:
    page.goto(f"{live_server.url}/admin/courses/package/add/")
    page.get_by_label("Course").select_option(str(course.pk))


def watch(page: Page) -> list[tuple[str, str, str]]:
    seen: list[tuple[str, str, str]] = []
    page.expose_function("reportUpload", lambda *values: seen.append(values))
    page.evaluate(WATCH_PROGRESS)
    return seen


def test_a_100_mb_package_shows_progress_and_reaches_ready(
    page: Page, live_server, admin_signed_in, tmp_path, settings, screenshot
):
    course = CourseFactory(provider="local", title="Big lecture course", is_published=False)
    started = time.monotonic()
    zip_path = package_file(tmp_path / "big-lecture.zip", "Big lecture", asset_bytes=100 * MB)
    size = zip_path.stat().st_size
    assert size > 100 * MB
    open_add_form(page, live_server, course)
    assert_accessible(page, name="package add form")
    progress = watch(page)
    patches: list[int] = []
    page.on(
        "requestfinished",
        lambda r: patches.append(int(r.headers["upload-offset"])) if r.method == "PATCH" else None,
    )

    page.get_by_label("SCORM package (.zip)").set_input_files(zip_path)
    expect(page.get_by_text("Chosen: big-lecture.zip (100.0 MB)")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    box = page.locator("[data-package-upload]")
    expect(box).to_have_attribute("data-percent", re.compile(r"^[1-9]\d?$"), timeout=30_000)
    screenshot("admin-package-upload-progress")
    page.wait_for_url(PACKAGE_PAGE, timeout=120_000)
    uploaded = time.monotonic()

    status = page.locator("#package-status")
    expect(status).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(status).to_contain_text("Imported into Local player")
    screenshot("admin-package-ready")
    elapsed = time.monotonic() - started
    print(
        f"\n100 MB package: built, uploaded and imported in {elapsed:.1f} s "
        f"(upload and intake {uploaded - started:.1f} s)"
    )

    # Progress was shown in bytes and percent as the chunks went, not only at the end.
    percents = sorted({int(p) for p, _, _ in progress if p.isdigit()})
    assert len([p for p in percents if 0 < p < 100]) >= 5, percents
    assert any(re.search(r"MB of 100\.0 MB \(\d+%\)", text) for _, text, _ in progress), progress
    assert patches == list(range(0, size, 8 * MB)), patches  # 8 MB chunks, each sent once
    package = Package.objects.get(course=course)
    assert (package.status, package.size, package.title) == ("ready", size, "Big lecture")
    assert partial_uploads(settings) == []  # the chunks went once the package was stored
    assert_accessible(page, name="package page (ready)")


def test_a_dropped_package_uploads(page: Page, live_server, admin_signed_in, screenshot):
    course = CourseFactory(provider="local", title="Fire drills")
    open_add_form(page, live_server, course)
    encoded = base64.b64encode(package_zip("Fire drills", asset_bytes=200_000)).decode()

    page.evaluate(
        """([encoded, name]) => {
          const bytes = Uint8Array.from(atob(encoded), c => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], name, {type: "application/zip"}));
          const zone = document.querySelector("[data-drop-zone]");
          for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
          }
        }""",
        [encoded, "fire-drills.zip"],
    )

    expect(page.get_by_text(re.compile(r"Chosen: fire-drills\.zip \(\d+\.\d KB\)"))).to_be_visible()
    assert page.get_by_label("SCORM package (.zip)").evaluate("i => i.files[0].name") == (
        "fire-drills.zip"
    )
    screenshot("admin-package-dropped")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(PACKAGE_PAGE)
    expect(page.locator("#package-status")).to_have_attribute("data-state", "ready")
    assert Package.objects.get(course=course).title == "Fire drills"


@pytest.mark.browser_errors_expected("ERR_INTERNET_DISCONNECTED")  # the connection is cut
def test_a_lost_connection_is_said_and_retry_goes_on_where_it_stopped(
    page: Page, live_server, admin_signed_in, tmp_path, settings, screenshot
):
    settings.SCORM_UPLOAD_CHUNK_BYTES = 256 * 1024
    course = CourseFactory(provider="local", title="Evacuation")
    zip_path = package_file(tmp_path / "evacuation.zip", "Evacuation", asset_bytes=2 * MB)
    size = zip_path.stat().st_size
    open_add_form(page, live_server, course)
    progress = watch(page)

    line = {"down": False, "sent": 0}
    stored: list[int] = []  # offsets of the chunks the server took

    def network(route: Route) -> None:
        request = route.request
        if request.method == "PATCH":
            if line["down"]:
                route.abort("internetdisconnected")
                return
            line["sent"] += 1
            if line["sent"] == 3:
                line["down"] = True  # the line drops once the third chunk is through
        route.continue_()

    page.route(UPLOADS, network)
    page.on(
        "requestfinished",
        lambda r: (
            stored.append(int(r.headers["upload-offset"]))
            if r.method == "PATCH" and r.response() and r.response().status == 204
            else None
        ),
    )

    page.get_by_label("SCORM package (.zip)").set_input_files(zip_path)
    page.get_by_role("button", name="Save", exact=True).click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The connection was lost at 768.0 KB of", timeout=20_000)
    expect(alert).to_contain_text("press Retry to go on from there")
    statuses = [status for _, _, status in progress]
    assert any("Trying again (1 of 3)" in s for s in statuses), statuses
    assert page.get_by_role("button", name="Save", exact=True).is_enabled()
    screenshot("admin-package-connection-lost")
    assert_accessible(page, name="package add form, connection lost")

    line["down"] = False
    retry = page.get_by_role("button", name="Retry")
    press_until_focused(page, retry)
    page.keyboard.press("Enter")  # the keyboard alone resumes the upload
    page.wait_for_url(PACKAGE_PAGE, timeout=30_000)
    expect(page.locator("#package-status")).to_have_attribute("data-state", "ready")

    chunk = 256 * 1024
    assert stored == list(range(0, size, chunk)), stored  # each chunk stored once, in order
    assert Package.objects.get(course=course).size == size
    assert partial_uploads(settings) == []


def test_a_rejected_package_says_why_and_leaves_no_chunks(
    page: Page, live_server, admin_signed_in, tmp_path, settings, screenshot
):
    course = CourseFactory(provider="local", title="Broken")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip, only text " * 30_000)
    open_add_form(page, live_server, course)

    page.get_by_label("SCORM package (.zip)").set_input_files(broken)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".errorlist")).to_contain_text("not a zip archive")
    screenshot("admin-package-rejected")
    assert not Package.objects.exists()
    assert partial_uploads(settings) == []
    assert_accessible(page, name="package add form, rejected")


def test_an_oversized_package_is_refused_before_it_is_sent(
    page: Page, live_server, admin_signed_in, tmp_path, settings
):
    settings.SCORM_INTAKE_MAX_UPLOAD_BYTES = 1 * MB
    course = CourseFactory(provider="local")
    big = package_file(tmp_path / "big.zip", "Big", asset_bytes=2 * MB)
    open_add_form(page, live_server, course)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if UPLOADS.search(r.url) else None)

    page.get_by_label("SCORM package (.zip)").set_input_files(big)
    expect(page.get_by_role("alert")).to_contain_text("over the 1.0 MB limit for packages")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("over the 1.0 MB limit for packages")
    assert sent == []
    assert not Package.objects.exists()


def test_the_upload_form_works_by_keyboard(page: Page, live_server, admin_signed_in):
    CourseFactory(provider="local", title="Keyboard course")
    page.goto(f"{live_server.url}/admin/courses/package/add/")
    course = page.get_by_label("Course")
    file_input = page.get_by_label("SCORM package (.zip)")
    save = page.get_by_role("button", name="Save", exact=True)
    assert_keyboard_reaches(page, [course, file_input, save])
    press_until_focused(page, course)
    page.keyboard.press("ArrowDown")  # a select changes with the arrow keys
    assert course.evaluate("s => s.selectedIndex") == 1
