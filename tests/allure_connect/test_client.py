"""The client through the real requests stack against the fake: auth headers, both error shapes,
retries and backoff, timeouts, and no API key anywhere it could leak."""

from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

import pytest

from providers.allure_connect import assumptions as api
from providers.allure_connect.client import AllureConnectClient, RateLimitResetRetry
from providers.exceptions import (
    ProviderAPIError,
    ProviderAuthError,
    ProviderConflict,
    ProviderConnectionError,
    ProviderNotConfigured,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderServerError,
)

SESSION = "/api/v1/sessions/*"


@pytest.fixture
def session_id(allure) -> str:
    package_id = allure.add_package()
    allure.add_session("s-1", user_id="lrn_1", package_id=package_id)
    return "s-1"


# Authentication ---------------------------------------------------------------------------------


def test_bearer_header_by_default(client, allure, session_id):
    client.get_session(session_id)

    headers = allure.requests_to("GET", SESSION)[-1].headers
    assert headers["Authorization"] == f"Bearer {allure.api_key}"
    assert "X-Api-Key" not in headers


def test_x_api_key_header_when_selected(settings, allure, session_id):
    settings.ALLURE_CONNECT_AUTH_HEADER = "x-api-key"

    AllureConnectClient.from_settings().get_session(session_id)

    headers = allure.requests_to("GET", SESSION)[-1].headers
    assert headers["X-Api-Key"] == allure.api_key
    assert "Authorization" not in headers


def test_unknown_auth_header_setting_is_a_configuration_error(settings, allure):
    settings.ALLURE_CONNECT_AUTH_HEADER = "basic"

    with pytest.raises(ProviderNotConfigured, match="ALLURE_CONNECT_AUTH_HEADER"):
        AllureConnectClient.from_settings()


@pytest.mark.parametrize("missing", ["ALLURE_CONNECT_API_KEY", "ALLURE_CONNECT_TENANT_ID"])
def test_missing_key_or_tenant_is_not_configured(settings, allure, missing):
    setattr(settings, missing, "")

    with pytest.raises(ProviderNotConfigured, match=missing):
        AllureConnectClient.from_settings()


def test_wrong_key_is_an_auth_error_and_the_key_never_leaks(settings, allure, caplog):
    wrong_key = "ac_live_WRONG_7d3f9a2b1c"
    settings.ALLURE_CONNECT_API_KEY = wrong_key
    allure.echo_key_in_errors = True  # a careless server repeating the key back
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")

    with pytest.raises(ProviderAuthError) as caught:
        AllureConnectClient.from_settings().get_session("s-1")

    err = caught.value
    assert (err.status, err.code) == (401, "INVALID_API_KEY")
    assert "Invalid API key" in str(err)
    for text in (str(err), repr(err), err.message, *map(str, err.args), caplog.text):
        assert wrong_key not in text
    assert "GET" in caplog.text  # the request was logged, just not the key
    assert wrong_key not in repr(AllureConnectClient.from_settings())


# Error shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["flat", "nested"])
def test_both_error_shapes_map_to_the_exception_and_code(client, allure, shape):
    allure.error_shape = shape

    with pytest.raises(ProviderNotFound) as caught:
        client.get_session("no-such-session")

    assert (caught.value.status, caught.value.code, caught.value.message) == (
        404,
        "SESSION_NOT_FOUND",
        "Session not found",
    )


@pytest.mark.parametrize(
    ("status", "code", "exception"),
    [
        (400, "INVALID_REQUEST", ProviderAPIError),
        (401, "EXPIRED_API_KEY", ProviderAuthError),
        (403, "TENANT_MISMATCH", ProviderAuthError),
        (403, "INSUFFICIENT_SCOPES", ProviderAuthError),
        (409, "VERSION_CONFLICT", ProviderConflict),
        (413, "FILE_TOO_LARGE", ProviderAPIError),
    ],
)
@pytest.mark.parametrize("shape", ["flat", "nested"])
def test_error_statuses_and_codes(client, allure, session_id, status, code, exception, shape):
    allure.fail("GET", SESSION, status, code=code, message="Nope", shape=shape)

    with pytest.raises(exception) as caught:
        client.get_session(session_id)

    assert type(caught.value) is exception
    assert (caught.value.status, caught.value.code) == (status, code)


@pytest.mark.parametrize("code", sorted(api.NOT_AUTH_403_CODES))
def test_403_that_is_not_about_credentials_is_not_an_auth_error(client, allure, session_id, code):
    allure.fail("GET", SESSION, 403, code=code)

    with pytest.raises(ProviderAPIError) as caught:
        client.get_session(session_id)

    assert not isinstance(caught.value, ProviderAuthError)
    assert caught.value.code == code


def test_error_without_json_body_still_maps_by_status(client, allure, session_id):
    allure.fail("GET", SESSION, 502, times=3, body=b"<html>Bad gateway</html>")

    with pytest.raises(ProviderServerError) as caught:
        client.get_session(session_id)

    assert caught.value.status == 502


def test_redirect_is_not_followed(client, allure, session_id):
    allure.fail("GET", SESSION, 302, headers={"Location": "https://elsewhere.example/steal"})

    with pytest.raises(ProviderAPIError, match="redirect"):
        client.get_session(session_id)

    assert len(allure.requests_to("GET", SESSION)) == 1


# Retries and backoff ----------------------------------------------------------------------------


def test_get_waits_for_the_rate_limit_reset_then_succeeds(client, allure, session_id):
    allure.rate_limit("GET", SESSION, reset_in=0.4)

    assert client.get_session(session_id).id == session_id

    first, second = allure.requests_to("GET", SESSION)
    assert (
        second.at - first.at >= 0.3
    )  # backed off to X-RateLimit-Reset, not the 0 s backoff factor


def test_rate_limit_resetting_too_late_is_not_waited_for(client, allure, session_id):
    allure.rate_limit("GET", SESSION, reset_in=3600, times=5)

    with pytest.raises(ProviderRateLimited) as caught:
        client.get_session(session_id)

    assert caught.value.code == "RATE_LIMIT_EXCEEDED"
    assert len(allure.requests_to("GET", SESSION)) == 1


def test_get_is_retried_through_a_5xx_burst(client, allure, session_id):
    allure.fail("GET", SESSION, 503, code="SERVICE_UNAVAILABLE", times=2)

    assert client.get_session(session_id).id == session_id
    assert len(allure.requests_to("GET", SESSION)) == 3


def test_persistent_5xx_gives_up_after_the_retries(client, allure, session_id):
    allure.fail("GET", SESSION, 500, code="INTERNAL_ERROR", times=10)

    with pytest.raises(ProviderServerError):
        client.get_session(session_id)

    assert len(allure.requests_to("GET", SESSION)) == 3  # 1 + SCORM_HTTP_RETRIES


def test_post_is_not_retried_on_5xx(client, allure):
    package_id = allure.add_package()
    allure.fail("POST", "/api/v1/packages/*/dispatches", 503, code="SERVICE_UNAVAILABLE")

    with pytest.raises(ProviderServerError):
        client.create_dispatch(package_id, label="L", destination="d")

    assert len(allure.requests_to("POST", "/api/v1/packages/*/dispatches")) == 1
    assert allure.dispatches == {}


def test_post_is_not_retried_on_429(client, allure):
    package_id = allure.add_package()
    allure.rate_limit("POST", "/api/v1/packages/*/dispatches", reset_in=0.1)

    with pytest.raises(ProviderRateLimited):
        client.create_dispatch(package_id, label="L", destination="d")

    assert len(allure.requests_to("POST", "/api/v1/packages/*/dispatches")) == 1


def test_launch_with_our_session_id_is_retried_on_5xx_and_429(client, allure):
    """/launch with a session id of ours opens that one session however often it is sent."""
    package_id = allure.add_package()
    session_id = str(uuid.uuid4())
    allure.fail("POST", "/api/v1/packages/*/launch", 503, code="SERVICE_UNAVAILABLE")
    allure.rate_limit("POST", "/api/v1/packages/*/launch", reset_in=0.1)

    ticket = client.launch(package_id, user_id="lrn_1", session_id=session_id)

    assert ticket.session_id == session_id
    assert len(allure.requests_to("POST", "/api/v1/packages/*/launch")) == 3
    assert list(allure.sessions) == [session_id]


def test_timeout_is_a_connection_error(settings, allure, session_id):
    settings.SCORM_HTTP_READ_TIMEOUT = 0.2
    settings.SCORM_HTTP_RETRIES = 1
    allure.slow("GET", SESSION, 2.0)

    with pytest.raises(ProviderConnectionError, match="could not be reached"):
        AllureConnectClient.from_settings().get_session(session_id)


def test_unreachable_host_is_a_connection_error(settings, allure, closed_port):
    settings.ALLURE_CONNECT_BASE_URL = f"http://127.0.0.1:{closed_port}"

    with pytest.raises(ProviderConnectionError):
        AllureConnectClient.from_settings().get_session("s-1")


# X-RateLimit-Reset reading (assumptions) --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1700000030", 30.0),  # Unix seconds (A.8)
        ("1700000030.5", 30.5),
        ("1700000030000", 30.0),  # milliseconds
        ("45", 45.0),  # seconds from now
        ("1699999990", 0.0),  # already past
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
        ("inf", None),
    ],
)
def test_seconds_until_reset(value, expected):
    assert api.seconds_until_reset(value, now=1_700_000_000.0) == expected


def test_retry_reads_the_reset_header_only_on_429():
    retry = RateLimitResetRetry(total=3)

    def response(status: int, headers: dict[str, str]) -> SimpleNamespace:
        return SimpleNamespace(status=status, headers=headers)

    assert retry.get_retry_after(response(429, {"X-RateLimit-Reset": "5"})) == 5.0
    assert (
        retry.get_retry_after(response(429, {"Retry-After": "2", "X-RateLimit-Reset": "5"})) == 2.0
    )
    assert retry.get_retry_after(response(503, {"X-RateLimit-Reset": "5"})) is None
