"""The player page's "Your session ends soon" banner: hidden when the page opens, shown two
minutes before the launch expires (issue 14: a CSS ``display`` used to override ``hidden``, so
every player page showed it, and screen readers announced it, at once).

The launch comes from the fake AllureConnect, whose launches expire (``token_ttl``); the
page's clock is Playwright's, so the test moves time on instead of waiting an hour.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from enrollments.services import enrollment_create, learner_get_or_create
from tests.e2e.journeys import play_remote
from tests.factories import CourseFactory, PackageFactory, UserFactory
from tests.fakes.allure_connect import FakeAllureConnect

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_TTL = 60 * 60  # the launch expires an hour after Play


@pytest.fixture
def allure(settings, live_server) -> Iterator[FakeAllureConnect]:
    with FakeAllureConnect.running(webhook_secret="whsec_banner_test") as fake:
        fake.apply_to(settings)
        fake.token_ttl = TOKEN_TTL
        settings.SITE_URL = live_server.url
        settings.SCORM_HTTP_BACKOFF_FACTOR = 0
        settings.SCORM_HTTP_RETRIES = 1
        yield fake


@pytest.fixture
def learner_course(allure: FakeAllureConnect):
    course = CourseFactory(provider="allure_connect", slug="allure-banner", title="Banner course")
    PackageFactory(course=course, remote_id=allure.add_package())
    user = UserFactory(username="lea", first_name="Lea", last_name="Learner")
    enrollment_create(learner=learner_get_or_create(user=user), course=course)
    return course, user


def test_the_banner_is_hidden_at_load_and_shown_two_minutes_before_expiry(
    page: Page, live_server, sign_in, learner_course, screenshot
):
    course, user = learner_course
    sign_in(user.username)
    page.clock.install()
    play_remote(page, live_server, course)

    banner = page.locator("#renew-banner")
    expect(banner).to_be_attached()
    expect(banner).to_be_hidden()
    assert page.get_by_role("alert").count() == 0  # nothing for a screen reader to announce
    screenshot("player-renew-banner-hidden")

    page.clock.fast_forward("57:00")  # three minutes left
    expect(banner).to_be_hidden()

    page.clock.fast_forward("01:05")  # under two minutes left
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Your session ends soon.")
    expect(banner.get_by_role("link", name="Continue")).to_have_attribute(
        "href", page.url[len(live_server.url) :]
    )
    expect(page.get_by_role("alert")).to_contain_text("Your session ends soon.")
    screenshot("player-renew-banner-shown")
