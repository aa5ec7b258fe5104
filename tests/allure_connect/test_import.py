"""Package upload (presigned and legacy flows) and processing status."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile

from courses.refs import package_import_ref
from courses.services import package_import_check, package_import_start
from providers.allure_connect.client import UploadTicket
from providers.exceptions import ProviderAPIError, ProviderNotConfigured
from providers.types import ImportResult, ImportState
from tests.factories import CourseFactory, PackageFactory, UserFactory

pytestmark = pytest.mark.django_db


def imported(provider, package) -> ImportResult:
    """The provider's import of ``package``; the remote id it reports is kept on the row, as
    the course services keep it."""
    result = provider.import_package(package_import_ref(package))
    package.remote_id = result.remote_id or package.remote_id
    return result


ZIP = b"PK\x03\x04" + os.urandom(300_000)  # several upload chunks
TRANSPORT_HEADERS = {"host", "content-length"}


@pytest.fixture
def package(allure):
    return PackageFactory(
        course=CourseFactory(provider="allure_connect"),
        file=ContentFile(ZIP, name="golf.zip"),
        size=len(ZIP),
        status=ImportState.PENDING,
        uploaded_by=UserFactory(username="alice.admin"),
    )


def test_presigned_upload(provider, allure, package):
    result = imported(provider, package)

    assert result.state == ImportState.PROCESSING
    assert result.remote_id == package.remote_id
    assert package.remote_id in allure.packages

    (ticket_request,) = allure.requests_to("POST", "/api/v1/packages/upload-url")
    assert ticket_request.json() == {
        "tenant_id": allure.tenant_id,
        "uploaded_by": "alice.admin",
        "filename": os.path.basename(package.file.name),
        "file_size": len(ZIP),
    }
    (put,) = allure.requests_to("PUT", "/storage/*")
    upload_id = put.path.rsplit("/", 1)[1]
    upload = allure.uploads[upload_id]
    assert put.body == ZIP
    sent = {name.lower(): value for name, value in put.headers.items()}
    required = {name.lower(): value for name, value in upload["required"].items()}
    assert {name: sent[name] for name in sent.keys() - TRANSPORT_HEADERS} == required
    assert "authorization" not in sent
    assert "x-api-key" not in sent
    (process,) = allure.requests_to("POST", "/api/v1/packages/process")
    assert process.json()["tenant_id"] == allure.tenant_id
    assert process.json()["upload_id"] == upload_id


def test_presigned_put_is_streamed_in_chunks(client, allure):
    ticket = client.request_upload_url(uploaded_by="u", filename="x.zip", file_size=len(ZIP))

    class ChunkOnlyReader(io.BytesIO):
        sizes: list[int] = []

        def read(self, size: int | None = -1) -> bytes:
            assert size is not None, "the zip must never be read whole"
            assert size > 0, "the zip must never be read whole"
            self.sizes.append(size)
            return super().read(size)

    reader = ChunkOnlyReader(ZIP)
    client.put_to_storage(ticket, reader, size=len(ZIP))

    assert len(reader.sizes) > 1
    assert allure.requests_to("PUT", "/storage/*")[0].body == ZIP


def test_storage_refusal_is_an_error_without_the_presigned_url(client, allure, caplog):
    ticket = client.request_upload_url(uploaded_by="u", filename="x.zip", file_size=len(ZIP))
    forged = UploadTicket(
        presigned_url=ticket.presigned_url,
        required_put_headers={"Content-Type": "application/zip"},
        raw=ticket.raw,
    )

    with pytest.raises(ProviderAPIError) as caught:
        client.put_to_storage(forged, io.BytesIO(ZIP), size=len(ZIP))

    assert caught.value.status == 403
    signature = ticket.presigned_url.split("X-Amz-Signature=")[1]
    assert signature not in str(caught.value)
    assert signature not in caplog.text


def test_processing_status_until_ready(provider, allure, package):
    allure.processing_polls = 2
    imported(provider, package)

    states = [provider.import_status(package_import_ref(package)).state for _ in range(3)]

    assert states == [ImportState.PROCESSING, ImportState.PROCESSING, ImportState.READY]


def test_processing_failure_carries_the_message(provider, allure, package):
    allure.processing_polls = 0
    allure.processing_error = "imsmanifest.xml not found"
    imported(provider, package)

    result = provider.import_status(package_import_ref(package))

    assert (result.state, result.message) == (ImportState.FAILED, "imsmanifest.xml not found")


def test_status_of_a_package_never_uploaded(provider, package):
    assert provider.import_status(package_import_ref(package)).state == ImportState.FAILED


def test_legacy_multipart_upload(settings, provider, allure, package):
    settings.ALLURE_CONNECT_UPLOAD_FLOW = "legacy"

    result = imported(provider, package)

    assert result.state == ImportState.PROCESSING
    remote = allure.packages[package.remote_id]
    assert remote["legacy_form"] == {"tenant_id": allure.tenant_id, "uploaded_by": "alice.admin"}
    assert remote["size"] == len(ZIP)
    assert remote["filename"] == os.path.basename(package.file.name)
    assert allure.requests_to("POST", "/api/v1/packages/upload-url") == []
    (upload,) = allure.requests_to("POST", "/api/v1/packages")
    assert upload.headers["Content-Length"] == str(len(upload.body))


def test_legacy_upload_of_a_new_version(client, allure):
    first = client.upload_legacy(io.BytesIO(ZIP), filename="v1.zip", size=len(ZIP), uploaded_by="u")

    second = client.upload_legacy(
        io.BytesIO(ZIP), filename="v2.zip", size=len(ZIP), uploaded_by="u", package_id=first
    )

    assert second == first
    assert allure.packages[first]["version"] == 2


def test_unknown_upload_flow_is_a_configuration_error(settings, provider, allure, package):
    settings.ALLURE_CONNECT_UPLOAD_FLOW = "ftp"

    with pytest.raises(ProviderNotConfigured, match="ALLURE_CONNECT_UPLOAD_FLOW"):
        imported(provider, package)

    assert allure.requests == []


def test_a_package_already_uploaded_is_not_uploaded_again(provider, allure, package):
    package.remote_id = allure.add_package(status="processing")
    package.save()

    result = imported(provider, package)

    assert result.state == ImportState.READY  # read back from AllureConnect instead
    assert allure.requests_to("PUT", "/storage/*") == []
    assert allure.requests_to("POST", "/api/v1/packages*") == []


def test_through_the_import_services(allure, package):
    """The course services' background import drives import_package, then import_status."""
    allure.processing_polls = 0

    started = package_import_start(package=package)
    checked = package_import_check(package=package)

    package.refresh_from_db()
    assert started.state == ImportState.PROCESSING
    assert checked.state == ImportState.READY
    assert (package.status, package.remote_id) == (ImportState.READY, started.remote_id)
