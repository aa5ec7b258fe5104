"""AllureConnect has no preview endpoint: a preview is a launch under a preview user and a
session id made for it alone, which the LMS never records (assumptions.PREVIEW_USER_ID_PREFIX)."""

import json

from courses.refs import package_ref
from enrollments.models import Attempt
from providers.types import LaunchContext, LearnerRef

from .conftest import EXIT_URL


def test_a_preview_launches_a_fresh_session_under_a_preview_user(provider, allure, allure_package):
    viewer = LearnerRef(id="staff-7", username="ada")
    first = provider.preview(package_ref(allure_package), viewer, LaunchContext(exit_url=EXIT_URL))
    second = provider.preview(package_ref(allure_package), viewer, LaunchContext(exit_url=EXIT_URL))
    assert first.url != second.url
    assert first.registered is False
    bodies = [json.loads(r.body) for r in allure.requests_to("POST", "*/launch")]
    assert {b["user_id"] for b in bodies} == {"lms-preview-staff-7"}
    assert len({b["session_id"] for b in bodies}) == 2  # never reused
    assert not Attempt.objects.exists()
