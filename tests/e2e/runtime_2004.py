"""The local player's SCORM 2004 run-time in a blank page, for the tests that pin its rules
(test_runtime_2004_sequencing.py, test_runtime_2004_interactions.py): no server, no database,
no ADL content. A manifest goes through the real intake (``parse_manifest``); the page loads
scorm-again's bundle and the player's own scripts, as the launcher does; each test module gives
the run-time its surroundings (``env_js``, defining ``startRuntime(config)``)."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from playwright.sync_api import Page

from courses.intake.manifest import parse_manifest
from playback.content_views import BUNDLES, LAUNCHER_SCRIPTS

#: The scripts the SCORM 2004 run-time needs, in the launcher's order.
RUNTIME_SCRIPTS = [
    BUNDLES["scorm2004"],
    *(name for name in LAUNCHER_SCRIPTS if name.endswith("-2004.js")),
]

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="PIN" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
"""


def manifest(items: str, *, sequencing: str = "", attributes: str = "") -> bytes:
    """A package of one organisation (``items`` and its own ``sequencing``) whose leaves all
    launch the same SCO."""
    return (
        HEAD
        + f"""<organizations default="ORG"><organization identifier="ORG" {attributes}>
    <title>Pinned</title>{items}<imsss:sequencing>{sequencing}</imsss:sequencing>
  </organization></organizations>
  <resources>
    <resource identifier="SCO" type="webcontent" adlcp:scormType="sco" href="sco.htm">
      <file href="sco.htm"/>
    </resource>
  </resources>
</manifest>"""
    ).encode()


def leaf(name: str, sequencing: str = "", extra: str = "") -> str:
    return (
        f'<item identifier="{name}" identifierref="SCO"><title>{name}</title>'
        f"<imsss:sequencing>{sequencing}</imsss:sequencing>{extra}</item>"
    )


def cluster(name: str, children: str, sequencing: str = "", extra: str = "") -> str:
    return (
        f'<item identifier="{name}"><title>{name}</title>{children}'
        f"<imsss:sequencing>{sequencing}</imsss:sequencing>{extra}</item>"
    )


def start_runtime(
    page: Page, package: bytes, env_js: str, *, objectives_global: bool = True
) -> None:
    """The run-time of ``package`` started in ``page``, as the session's config gives it."""
    sequencing = parse_manifest(package).sequencing
    config: dict[str, Any] = {
        "version": "2004",
        "sequencing": {"activityTree": sequencing["activityTree"]},
        "activities": {
            name: {"title": name, "href": launch["href"], "isSco": True}
            for name, launch in sequencing["launches"].items()
        },
        "state": "",
        "globals": {
            "objectives": {},
            "data": {},
            "objectivesGlobal": objectives_global,
            "dataGlobal": True,
        },
    }
    page.set_content("<!doctype html><title>runtime</title>")
    for script in RUNTIME_SCRIPTS:
        page.add_script_tag(path=finders.find(script))
    page.add_script_tag(content=env_js)
    page.evaluate("(config) => startRuntime(config)", config)
    settle(page)


def settle(page: Page) -> None:
    """Deliveries start in a task queued by Terminate, then load the activity's data."""
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    page.wait_for_function("() => !window.runtime.loading")
