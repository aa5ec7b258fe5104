"""Fixtures for the AllureConnect tests: a running fake wired into the settings, and scenario
objects (a course on AllureConnect with a ready package, an attempt, a launched attempt)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from courses.models import Package
from enrollments.models import Attempt
from enrollments.services import attempt_launch
from providers import get_provider
from providers.allure_connect.client import AllureConnectClient
from providers.allure_connect.provider import AllureConnectProvider
from providers.types import Launch, LaunchContext
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, PackageFactory
from tests.fakes.allure_connect import FakeAllureConnect

WEBHOOK_SECRET = "whsec_test_5b0e7c1d9a"
EXIT_URL = "http://testserver/learn/exit/"


@pytest.fixture
def allure(settings) -> Iterator[FakeAllureConnect]:
    """The fake AllureConnect, with the settings pointing at it; fast retries, short timeouts."""
    with FakeAllureConnect.running(webhook_secret=WEBHOOK_SECRET) as fake:
        fake.apply_to(settings)
        settings.SCORM_HTTP_BACKOFF_FACTOR = 0
        settings.SCORM_HTTP_RETRIES = 2
        settings.SCORM_HTTP_CONNECT_TIMEOUT = 1.0
        settings.SCORM_HTTP_READ_TIMEOUT = 2.0
        yield fake


def launch(attempt: Attempt) -> Launch:
    """Launch through the attempt service, which records what the provider reports."""
    return attempt_launch(attempt=attempt, context=LaunchContext(exit_url=EXIT_URL))


@pytest.fixture
def provider(allure: FakeAllureConnect) -> AllureConnectProvider:
    provider = get_provider("allure_connect")
    assert isinstance(provider, AllureConnectProvider)
    return provider


@pytest.fixture
def client(allure: FakeAllureConnect) -> AllureConnectClient:
    return AllureConnectClient.from_settings()


@pytest.fixture
def allure_package(allure: FakeAllureConnect, db) -> Package:
    """A ready package of a course played on AllureConnect, known to the fake."""
    return PackageFactory(
        course=CourseFactory(provider="allure_connect"), remote_id=allure.add_package()
    )


@pytest.fixture
def allure_attempt(allure_package: Package) -> Attempt:
    return AttemptFactory(
        enrollment=EnrollmentFactory(course=allure_package.course), package=allure_package
    )


@pytest.fixture
def launched_attempt(provider: AllureConnectProvider, allure_attempt: Attempt) -> Attempt:
    """An attempt whose session exists at the fake (launched once)."""
    launch(allure_attempt)
    return allure_attempt


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
