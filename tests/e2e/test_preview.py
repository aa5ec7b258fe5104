"""Staff preview a package from its admin page: it plays, and nothing is recorded."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from enrollments.models import Attempt, Enrollment
from playback.models import ActivityState, AttemptRuntime
from tests.e2e.accessibility import assert_accessible
from tests.e2e.journeys import answer_quiz, content

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_preview_a_package_and_nothing_is_recorded(
    page: Page, live_server, make_demo_course, admin_signed_in, screenshot
):
    package = make_demo_course("spotting-phishing").packages.get()  # SCORM 2004
    page.goto(f"{live_server.url}/admin/courses/package/{package.pk}/change/")
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("note")).to_contain_text("Nothing you do here is recorded")
    answer_quiz(page, "spotting-phishing")
    expect(content(page).locator("#score")).to_have_text("Your score: 100%")
    screenshot("preview")
    assert_accessible(page, name="preview", exclude=["#player-frame"])
    # The package's own commits went nowhere: the run-time in browse mode commits nothing.
    assert (
        content(page)
        .locator("body")
        .evaluate("() => window.parent.API_1484_11.GetValue('cmi.mode')")
        == "browse"
    )
    for model in (Attempt, Enrollment, ActivityState, AttemptRuntime):
        assert not model.objects.exists(), model
