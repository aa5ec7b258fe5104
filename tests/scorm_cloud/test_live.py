"""Against the real SCORM Cloud: ping, import a generated SCORM 1.2 zip, register, launch link,
progress. Skipped unless SCORM_CLOUD_APP_ID and SCORM_CLOUD_SECRET_KEY are in the environment.
The imported course (and with it its registrations) is deleted afterwards."""

from __future__ import annotations

import io
import os
import time
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile

from providers import get_provider
from providers.scorm_cloud.client import ScormCloudClient
from providers.types import Completion, ImportState
from tests.factories import AttemptFactory, CourseFactory, PackageFactory

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("SCORM_CLOUD_APP_ID") and os.environ.get("SCORM_CLOUD_SECRET_KEY")),
        reason="set SCORM_CLOUD_APP_ID and SCORM_CLOUD_SECRET_KEY to run against the real SCORM Cloud",
    ),
    pytest.mark.django_db,
]

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="lms.live.test" version="1"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>LMS live test</title>
      <item identifier="item" identifierref="res"><title>Only page</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>"""
PAGE = "<!doctype html><title>Live test</title><p>LMS live test SCO.</p>"


def scorm_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("index.html", PAGE)
    return buffer.getvalue()


def test_live_round_trip(settings):
    settings.SCORM_CLOUD_APP_ID = os.environ["SCORM_CLOUD_APP_ID"]
    settings.SCORM_CLOUD_SECRET_KEY = os.environ["SCORM_CLOUD_SECRET_KEY"]
    settings.SCORM_CLOUD_POSTBACK_USER = ""  # SCORM Cloud cannot reach a test machine
    provider = get_provider("scorm_cloud")
    assert provider.check_connection().ok

    course = CourseFactory(provider="scorm_cloud", slug=f"livetest-{uuid.uuid4().hex[:8]}")
    package = PackageFactory(
        course=course, file=ContentFile(scorm_zip(), name="live.zip"), standard="scorm12"
    )
    result = provider.import_package(package)
    try:
        deadline = time.monotonic() + 180
        while not result.finished and time.monotonic() < deadline:
            time.sleep(3)
            result = provider.import_status(package)
        assert result.state is ImportState.READY, result.message
        package.remote_version, package.status = result.remote_version, ImportState.READY
        package.save()

        attempt = AttemptFactory(enrollment__course=course, package=package)
        launch = provider.launch(attempt, exit_url="https://example.com/exit/")
        assert launch.url.startswith("https://")
        assert attempt.registered_at is not None

        progress = provider.fetch_progress(attempt)
        assert progress.completion in (Completion.UNKNOWN, Completion.INCOMPLETE)
        assert progress.raw["id"] == str(attempt.id)
    finally:
        # Test-only clean-up: deleting the course deletes its registrations too.
        ScormCloudClient.from_settings().request("DELETE", f"courses/{result.remote_id}")
