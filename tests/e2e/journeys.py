"""Steps of a learner's journey that several browser tests take."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import FrameLocator, Page, expect

from courses.demo import DEMO_ANSWERS

PLAYER_URL = re.compile(r"/learn/attempts/[0-9a-f-]{36}/$")
PROGRESS_URL = re.compile(r"/learn/attempts/[0-9a-f-]{36}/progress/$")


def speed_up_panel(settings, *, refresh_interval: int) -> None:
    """Poll every second and settle fast, with the given per-attempt refresh interval."""
    settings.SCORM_PROGRESS_POLL_SECONDS = 1
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = refresh_interval
    settings.SCORM_SETTLE_SECONDS = 1


def click_play(page: Page, live_server, course) -> None:
    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    page.get_by_role("button", name=re.compile(r"^Play")).click()


def player(page: Page) -> FrameLocator:
    """The provider's player (or our exit page), inside the player page's frame."""
    return page.frame_locator("#player-frame")


def play_remote(page: Page, live_server, course) -> None:
    """Play a course whose provider is one of the fakes: their players offer "Complete course"."""
    click_play(page, live_server, course)
    page.wait_for_url(PLAYER_URL)
    expect(player(page).get_by_role("button", name="Complete course")).to_be_visible()


def content(page: Page):
    """The SCO's frame, inside the local player's frame, inside the player page."""
    return page.frame_locator("#player-frame").frame_locator("iframe.sco-frame")


def play(page: Page, live_server, course) -> None:
    click_play(page, live_server, course)
    expect(page.locator("#player-frame")).to_be_visible()


def answer_quiz(page: Page, slug: str, *, wrong: int = 0) -> None:
    sco = content(page)
    for _ in range(3):
        sco.get_by_role("button", name="Next").click()
    for index, (question, answer) in enumerate(DEMO_ANSWERS[slug].items()):
        group = sco.locator("fieldset", has_text=question)
        if index < wrong:
            group.locator("label").filter(has_not_text=answer).first.click()
        else:
            group.get_by_label(answer, exact=True).click()
    sco.get_by_role("button", name="Submit answers").click()


def play_safe_passwords_through(
    page: Page, base_url: str, *, midway: Callable[[], None] = lambda: None
) -> None:
    """Play the SCORM 1.2 demo course ``safe-passwords`` at ``base_url`` from Play to its
    result, every answer right: two page turns (each commits), then ``midway()``, then the
    last page turn and the quiz. The multi-server test (tests/ops/test_multi_server.py)
    plays through this one function: the player's protocol lives here, not there."""
    page.goto(f"{base_url}/learn/courses/safe-passwords/")
    page.get_by_role("button", name=re.compile(r"^Play")).click()
    page.wait_for_url(PLAYER_URL)
    sco = content(page)
    count = sco.locator("#page-count")  # written once the course has started
    expect(count).to_have_text(re.compile(r"^Page 1 of \d+$"))
    for number in (2, 3):
        with page.expect_response(lambda answer: "/commit" in answer.url):
            sco.get_by_role("button", name="Next").click()  # each page change commits
        expect(count).to_have_text(re.compile(rf"^Page {number} of"))
    midway()
    sco.get_by_role("button", name="Next").click()
    for question, answer in DEMO_ANSWERS["safe-passwords"].items():
        sco.locator("fieldset", has_text=question).get_by_label(answer, exact=True).click()
    sco.get_by_role("button", name="Submit answers").click()
    expect(sco.get_by_text("Your score: 100%")).to_be_visible()


def leave_course(page: Page) -> None:
    """The content's own "Save and exit": the session ends and our exit page loads in the
    player's frame. The panel then settles on the session's last commit and stops."""
    content(page).get_by_role("button", name="Save and exit").click()
    expect(player(page).get_by_text("You have left the course")).to_be_visible()


def pass_safe_passwords(
    page: Page, base_url: str, *, midway: Callable[[], None] = lambda: None
) -> None:
    """:func:`play_safe_passwords_through`, leave, and see the panel settle on the result."""
    play_safe_passwords_through(page, base_url, midway=midway)
    leave_course(page)
    panel = page.locator("#progress-panel")
    expect(panel).to_have_attribute("data-state", "final", timeout=20_000)
    expect(panel.locator("[data-field=score]")).to_have_text("100%")
    expect(panel.locator("[data-field=status]")).to_have_text("Passed")
