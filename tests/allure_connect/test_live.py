"""Read-only checks against the real AllureConnect. They run only with credentials:

    ALLURE_CONNECT_API_KEY=… ALLURE_CONNECT_TENANT_ID=… [ALLURE_CONNECT_BASE_URL=…] \\
        .venv/bin/pytest -m live tests/allure_connect/test_live.py
"""

from __future__ import annotations

import os
import uuid

import pytest

from providers.allure_connect.client import AllureConnectClient
from providers.allure_connect.provider import AllureConnectProvider
from providers.exceptions import ProviderNotFound

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (
            os.environ.get("ALLURE_CONNECT_API_KEY") and os.environ.get("ALLURE_CONNECT_TENANT_ID")
        ),
        reason="live AllureConnect tests need ALLURE_CONNECT_API_KEY and ALLURE_CONNECT_TENANT_ID in the environment",
    ),
]


@pytest.fixture
def live_settings(settings):
    """The real service, whatever other tests or a .env file set."""
    settings.ALLURE_CONNECT_API_KEY = os.environ["ALLURE_CONNECT_API_KEY"]
    settings.ALLURE_CONNECT_TENANT_ID = os.environ["ALLURE_CONNECT_TENANT_ID"]
    settings.ALLURE_CONNECT_BASE_URL = os.environ.get(
        "ALLURE_CONNECT_BASE_URL", "https://app.allureconnect.com"
    )
    settings.ALLURE_CONNECT_AUTH_HEADER = os.environ.get("ALLURE_CONNECT_AUTH_HEADER", "bearer")
    return settings


def test_connection_check(live_settings):
    check = AllureConnectProvider().check_connection()

    assert check.ok, check.message


def test_packages_are_listed_and_read(live_settings):
    client = AllureConnectClient.from_settings()

    packages = client.list_packages()

    for package in packages[:3]:
        assert client.get_package(package.id).id == package.id


def test_unknown_session_is_not_found(live_settings):
    """The documented 404 SESSION_NOT_FOUND, and an error shape our parser reads."""
    with pytest.raises(ProviderNotFound) as caught:
        AllureConnectClient.from_settings().get_session(str(uuid.uuid4()))

    assert caught.value.code in ("SESSION_NOT_FOUND", "")
