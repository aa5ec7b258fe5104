"""The admin's connection check reaches each course's provider through the interface."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CourseFactory
from tests.fakes.allure_connect import FakeAllureConnect

pytestmark = pytest.mark.django_db


def check(admin_client, *courses) -> list[tuple[str, str]]:
    """Run the admin action; the messages the changelist then shows."""
    response = admin_client.post(
        reverse("admin:courses_course_changelist"),
        {"action": "check_provider_connection", "_selected_action": [c.pk for c in courses]},
        follow=True,
    )
    assert response.status_code == 200
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_scorm_cloud_connection_ok_and_wrong_secret(admin_client, scorm_cloud, settings):  # noqa: F811
    course = CourseFactory(provider="scorm_cloud")
    [(level, message)] = check(admin_client, course)
    assert level == "success"
    assert message.startswith("SCORM Cloud:")

    settings.SCORM_CLOUD_SECRET_KEY = "wrong-secret-value"
    from providers.registry import reset_registry

    reset_registry()
    [(level, message)] = check(admin_client, course)
    assert level == "error"
    assert "wrong-secret-value" not in message


def test_allure_connect_unreachable_is_explained(admin_client, settings):
    with FakeAllureConnect.running() as fake:
        fake.apply_to(settings)
        course = CourseFactory(provider="allure_connect")
        [(level, _)] = check(admin_client, course)
        assert level == "success"
    # The fake has stopped: nothing listens at its address any more.
    from providers.registry import reset_registry

    reset_registry()
    settings.SCORM_HTTP_RETRIES = 0
    [(level, message)] = check(admin_client, course)
    assert level == "error"
    assert "could not be reached" in message


def test_local_needs_no_connection(admin_client):
    [(level, message)] = check(admin_client, CourseFactory(provider="local"))
    assert (level, message) == (
        "success",
        "Local player (embedded): Local player (embedded) needs no connection.",
    )
