"""Accessibility checks for browser tests: an axe-core audit and a keyboard-only walk.

``assert_accessible(page)`` runs axe-core (axe-playwright-python's bundled copy) on the page as it
stands and fails on any serious or critical violation, listing each rule with the elements it
found and how to fix them. ``assert_keyboard_reaches(page, [...])`` presses Tab from the top of
the page until each named control has had the focus (in any order) and fails with the list of
what the focus passed through; ``press_until_focused`` moves the focus to one control with Tab
alone so a test can then operate it with Enter or Space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page

BLOCKING = ("serious", "critical")
#: Standards audited: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
MAX_TABS = 150
#: Django's own admin widgets that fail an audit, left out where they appear (reported upstream
#: material, not ours to fix): SelectFilter2.js (filter_horizontal) puts ``aria-label`` on a
#: ``<span>`` with no role beside its search boxes (aria-prohibited-attr).
DJANGO_ADMIN_WIDGETS = (".selector .help-tooltip",)

_axe = Axe()


def audit(page: Page, *, include: str | None = None, exclude: Iterable[str] = ()) -> list[dict]:
    """The serious and critical violations on the page (or inside ``include``), ``exclude``
    selectors left out (frames are audited too: axe walks same-origin frames)."""
    context: dict | None = None
    if include or exclude:
        context = {"exclude": [[selector] for selector in exclude]}
        if include:
            context["include"] = [[include]]
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    # axe-core measures some elements by giving them inline styles, which our CSP refuses (and
    # reports in the console): the console check in conftest.py lets those pass while auditing.
    page.auditing = True
    try:
        results = _axe.run(page, context=context, options=options)
        page.evaluate("0")  # a round trip, so the audit's console messages have arrived
    finally:
        page.auditing = False
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
            lines.append(f"      {node['html'][:160]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(
    page: Page, *, include: str | None = None, exclude: Iterable[str] = (), name: str = ""
) -> None:
    """Fail on serious or critical axe-core violations, listed readably."""
    violations = audit(page, include=include, exclude=exclude)
    where = name or page.url
    assert not violations, (
        f"{len(violations)} serious/critical accessibility violation(s) on {where}:\n"
        + describe(violations)
    )


def _focused(page: Page) -> str:
    """A short description of the focused element, for messages."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return "(page)";
          const name = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "")
            .trim().replace(/\\s+/g, " ").slice(0, 40);
          return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${name}"`;
        }"""
    )


def _has_focus(locator: Locator) -> bool:
    return locator.evaluate(
        "el => el === document.activeElement || el.contains(document.activeElement)"
    )


def _start_from_top(page: Page) -> None:
    """Move the point where Tab starts to the top of the page (focus a throwaway first
    element, then remove it)."""
    page.evaluate(
        """() => {
          const start = document.createElement("span");
          start.tabIndex = -1;
          document.body.prepend(start);
          start.focus();
          start.remove();
        }"""
    )


def press_until_focused(page: Page, target: Locator, *, max_tabs: int = MAX_TABS) -> int:
    """Press Tab until ``target`` has the focus; returns how many presses it took."""
    visited = []
    for presses in range(1, max_tabs + 1):
        page.keyboard.press("Tab")
        if _has_focus(target):
            return presses
        visited.append(_focused(page))
    raise AssertionError(
        f"Tab never reached {target} in {max_tabs} presses; the focus went: "
        + " → ".join(visited[:40])
    )


def assert_keyboard_reaches(page: Page, controls: Iterable[Locator]) -> None:
    """Each control gets the focus with Tab alone, starting from the top of the page, and the
    focus shows (an outline or a box shadow)."""
    wanted = list(controls)
    page.evaluate("() => window.scrollTo(0, 0)")
    _start_from_top(page)
    reached: set[int] = set()
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        visited.append(_focused(page))
        for index, control in enumerate(wanted):
            if index not in reached and _has_focus(control):
                reached.add(index)
                assert _focus_visible(page), f"{visited[-1]} has the focus but shows no focus ring"
        if len(reached) == len(wanted):
            return
    missing = [str(wanted[i]) for i in range(len(wanted)) if i not in reached]
    raise AssertionError(
        f"Tab never reached: {', '.join(missing)}; the focus went: " + " → ".join(visited[:60])
    )


def _focus_visible(page: Page) -> bool:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el) return false;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          return outline || (style.boxShadow && style.boxShadow !== "none") || el.type === "file";
        }"""
    )


def assert_skip_link_works(page: Page) -> None:
    """The first Tab lands on a skip link, and Enter follows it to the main content."""
    _start_from_top(page)
    page.keyboard.press("Tab")
    first = _focused(page)
    assert re.search(r"skip", first, re.I), f"the first Tab reached {first}, not a skip link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => window.location.hash") == "#main"
