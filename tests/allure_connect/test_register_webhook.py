"""The ``register_hooks`` management command, for AllureConnect's webhooks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from providers.allure_connect import assumptions as api

from .conftest import WEBHOOK_SECRET


def _run(*args: str) -> str:
    out = StringIO()
    call_command("register_hooks", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_registers_each_event_at_site_url(settings, allure):
    settings.SITE_URL = "https://lms.example.org/"

    output = _run()

    url = "https://lms.example.org/hooks/allure_connect/"
    assert [(w["url"], w["event_type"], w["secret"], w["tenant_id"]) for w in allure.webhooks] == [
        (url, event, WEBHOOK_SECRET, allure.tenant_id) for event in api.WEBHOOK_EVENTS
    ]
    assert all(w["id"] in output for w in allure.webhooks)
    assert WEBHOOK_SECRET not in output


def test_url_and_events_can_be_given(allure):
    _run("--url", "https://hooks.example.org/in/", "--event", "session.launched")

    assert [(w["url"], w["event_type"]) for w in allure.webhooks] == [
        ("https://hooks.example.org/in/", "session.launched")
    ]


def test_needs_the_secret(settings, allure):
    settings.ALLURE_CONNECT_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="ALLURE_CONNECT_WEBHOOK_SECRET"):
        _run()

    assert allure.requests == []


def test_a_refused_event_fails_the_command_after_trying_the_others(allure):
    with pytest.raises(CommandError, match="no.such.event"):
        _run("--event", "no.such.event", "--event", "session.completed")

    assert [w["event_type"] for w in allure.webhooks] == ["session.completed"]
