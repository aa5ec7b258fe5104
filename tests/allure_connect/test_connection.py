"""The admin's connection check: one message per way it can be wrong."""

from __future__ import annotations

import pytest

from providers.allure_connect.provider import AllureConnectProvider


def _check():
    return AllureConnectProvider().check_connection()


def test_connected(allure):
    allure.add_package()

    check = _check()

    assert check.ok
    assert (
        check.message
        == f"Connected to AllureConnect at {allure.url} as tenant {allure.tenant_id} (1 package)."
    )
    (listing,) = allure.requests_to("GET", "/api/v1/packages")
    assert listing.query == {"tenant_id": allure.tenant_id}


@pytest.mark.parametrize("setting", ["ALLURE_CONNECT_API_KEY", "ALLURE_CONNECT_TENANT_ID"])
def test_not_configured(settings, allure, setting):
    setattr(settings, setting, "")

    check = _check()

    assert not check.ok
    assert check.message == f"AllureConnect is not configured: set {setting}."
    assert allure.requests == []


def test_wrong_key(settings, allure):
    settings.ALLURE_CONNECT_API_KEY = "ac_live_WRONG_51f0"
    allure.echo_key_in_errors = True

    check = _check()

    assert not check.ok
    assert check.message == "AllureConnect rejected the API key: check ALLURE_CONNECT_API_KEY."


def test_tenant_mismatch_refused_by_the_api(settings, allure):
    settings.ALLURE_CONNECT_TENANT_ID = "11111111-2222-3333-4444-555555555555"

    check = _check()

    assert not check.ok
    assert "does not belong to tenant 11111111-2222-3333-4444-555555555555" in check.message


def test_tenant_mismatch_seen_in_the_answer(settings, allure):
    """A server that ignores the tenant filter still shows whose packages the key reads."""
    allure.enforce_tenant_param = False
    allure.add_package()
    settings.ALLURE_CONNECT_TENANT_ID = "11111111-2222-3333-4444-555555555555"

    check = _check()

    assert not check.ok
    assert "does not belong to tenant" in check.message


def test_key_without_the_read_scope(allure):
    allure.scopes = frozenset({"write"})

    check = _check()

    assert not check.ok
    assert "INSUFFICIENT_SCOPES" in check.message
    assert "scopes" in check.message


def test_no_network(settings, allure, closed_port):
    settings.ALLURE_CONNECT_BASE_URL = f"http://127.0.0.1:{closed_port}"

    check = _check()

    assert not check.ok
    assert check.message == (
        f"AllureConnect could not be reached at http://127.0.0.1:{closed_port}: check the network "
        "and ALLURE_CONNECT_BASE_URL."
    )


def test_server_error(allure):
    allure.fail(
        "GET",
        "/api/v1/packages",
        500,
        code="DB_QUERY_FAILED",
        message="Database unavailable",
        times=5,
    )

    check = _check()

    assert not check.ok
    assert (
        check.message
        == "AllureConnect answered with an error: Database unavailable (HTTP 500 [DB_QUERY_FAILED])"
    )
