"""Steps of a learner's journey that several browser tests take."""

from __future__ import annotations

import re

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
    return page.frame_locator("#player-frame").frame_locator("#sco-frame")


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
