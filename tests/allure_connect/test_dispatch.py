"""Dispatches: the service, and the admin that creates them through the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from playback.models import Dispatch
from playback.services import dispatch_create
from providers.types import DispatchRequest, ImportState
from tests.factories import CourseFactory, PackageFactory

pytestmark = pytest.mark.django_db

DISPATCHES = "/api/v1/packages/*/dispatches"
ADD_URL = "admin:playback_dispatch_add"


def test_dispatch_create(allure, allure_package, admin_user):
    dispatch = dispatch_create(
        package=allure_package,
        request=DispatchRequest(
            label="Acme LMS – Onboarding",
            destination="acme-moodle",
            registration_limit=50,
            expires_in_hours=24,
            allowed_domains=("lms.acme.example",),
        ),
        created_by=admin_user,
    )

    (sent,) = allure.requests_to("POST", DISPATCHES)
    assert sent.path == f"/api/v1/packages/{allure_package.remote_id}/dispatches"
    assert sent.json() == {
        "label": "Acme LMS – Onboarding",
        "destination": "acme-moodle",
        "registration_limit": 50,
        "expires_in_hours": 24,
        "allowed_domains": ["lms.acme.example"],
    }
    remote = allure.dispatches[dispatch.remote_id]
    assert dispatch.dispatch_url == remote["launchUrl"]
    assert (dispatch.status, dispatch.created_by) == ("active", admin_user)
    assert dispatch.expires_at is not None
    assert Dispatch.objects.get(remote_id=dispatch.remote_id).package == allure_package


def test_minimal_dispatch_sends_only_the_required_fields(allure, allure_package):
    dispatch_create(package=allure_package, request=DispatchRequest(label="L", destination="d"))

    assert allure.requests_to("POST", DISPATCHES)[0].json() == {"label": "L", "destination": "d"}


@pytest.mark.parametrize(
    "package_kwargs",
    [
        {"course__provider": "local", "remote_id": "pkg_1"},
        {"course__provider": "allure_connect", "remote_id": ""},
        {
            "course__provider": "allure_connect",
            "remote_id": "pkg_1",
            "status": ImportState.PROCESSING,
        },
    ],
)
def test_only_ready_allure_connect_packages_are_dispatched(allure, package_kwargs):
    package = PackageFactory(**package_kwargs)

    with pytest.raises(ValidationError):
        dispatch_create(package=package, request=DispatchRequest(label="L", destination="d"))

    assert allure.requests == []
    assert not Dispatch.objects.exists()


# Admin ------------------------------------------------------------------------------------------


def test_admin_creates_the_dispatch_through_the_api(admin_client, allure, allure_package):
    form = admin_client.get(reverse(ADD_URL))
    assert form.status_code == 200
    assert str(allure_package) in form.content.decode()

    response = admin_client.post(
        reverse(ADD_URL),
        {
            "package": allure_package.pk,
            "label": "Acme",
            "destination": "acme-moodle",
            "allowed_domains": "lms.acme.example\n*.acme.example",
        },
    )

    dispatch = Dispatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:playback_dispatch_change", args=[dispatch.pk])
    assert allure.requests_to("POST", DISPATCHES)[0].json()["allowed_domains"] == [
        "lms.acme.example",
        "*.acme.example",
    ]
    page = admin_client.get(response["Location"]).content.decode()
    assert f'value="{dispatch.dispatch_url}" readonly' in page  # shown for copying, not editable


def test_admin_shows_the_api_refusal_and_saves_nothing(admin_client, allure, allure_package):
    allure.fail("POST", DISPATCHES, 403, code="QUOTA_EXCEEDED", message="Dispatch quota reached")

    response = admin_client.post(
        reverse(ADD_URL),
        {"package": allure_package.pk, "label": "Acme", "destination": "acme-moodle"},
    )

    assert response.status_code == 200
    assert "Dispatch quota reached" in response.content.decode()
    assert not Dispatch.objects.exists()


def test_admin_offers_only_dispatchable_packages(admin_client, allure, allure_package):
    local = PackageFactory(course=CourseFactory(provider="local", title="Local only"))

    page = admin_client.get(reverse(ADD_URL)).content.decode()

    assert f'value="{allure_package.pk}"' in page
    assert f'value="{local.pk}"' not in page


def test_admin_rejects_bad_domains_before_calling_the_api(admin_client, allure, allure_package):
    response = admin_client.post(
        reverse(ADD_URL),
        {
            "package": allure_package.pk,
            "label": "A",
            "destination": "d",
            "allowed_domains": "not a domain!",
        },
    )

    assert "Not a domain name" in response.content.decode()
    assert allure.requests == []


def test_admin_lists_dispatches_and_forbids_editing_and_deleting(
    admin_client, allure, allure_package
):
    dispatch = dispatch_create(
        package=allure_package, request=DispatchRequest(label="Acme", destination="acme-moodle")
    )

    listing = admin_client.get(reverse("admin:playback_dispatch_changelist"))
    change = admin_client.post(
        reverse("admin:playback_dispatch_change", args=[dispatch.pk]), {"label": "Renamed"}
    )
    delete = admin_client.post(
        reverse("admin:playback_dispatch_delete", args=[dispatch.pk]), {"post": "yes"}
    )

    assert "Acme" in listing.content.decode()
    assert (change.status_code, delete.status_code) == (403, 403)
    dispatch.refresh_from_db()
    assert dispatch.label == "Acme"
