"""The admin's resumable package upload endpoint: tus 1.0.0 (https://tus.io/protocols/
resumable-upload), core protocol with the creation, termination and expiration extensions.

The admin's browser client (tus-js-client) creates an upload (POST, ``Upload-Length``), sends
the file in chunks (PATCH at ``Upload-Offset``), asks where it stands after a lost connection
(HEAD) and may cancel it (DELETE). The views here speak the protocol; the storage of chunks is
``courses.services``' (``package_upload_*``). The caller has checked the user's permission; CSRF
is checked on every unsafe request (the client sends the ``X-CSRFToken`` header).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from .intake import PackageRejected
from .services import (
    PackageUpload,
    UploadBusy,
    UploadError,
    UploadOffsetMismatch,
    package_upload_append,
    package_upload_begin,
    package_upload_discard,
    package_upload_get,
)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"


def _answer(status: int, text: str = "", **headers: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _options() -> HttpResponse:
    return _answer(
        204,
        Tus_Version=TUS_VERSION,
        Tus_Extension=EXTENSIONS,
        Tus_Max_Size=str(settings.SCORM_INTAKE_MAX_UPLOAD_BYTES),
    )


def _where(upload: PackageUpload, status: int = 204, text: str = "") -> HttpResponse:
    return _answer(
        status,
        text,
        Upload_Offset=str(upload.offset),
        Upload_Length=str(upload.length),
        Upload_Expires=http_date(upload.expires_at.timestamp()),
    )


def _speaks_tus(request: HttpRequest) -> bool:
    return request.headers.get("Tus-Resumable") == TUS_VERSION


def _metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs; bad values are dropped."""
    found = {}
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        try:
            found[key] = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
    return found


def _header_int(request: HttpRequest, name: str) -> int | None:
    value = request.headers.get(name, "")
    return int(value) if value.isdigit() else None


def create(request: HttpRequest, location: Callable[[str], str]) -> HttpResponse:
    """``POST``: a new upload of ``Upload-Length`` bytes (refused over the package limit);
    ``location(id)`` is the upload's URL. ``OPTIONS``: what this server supports."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        return _answer(405, "Use POST to start an upload.", Allow="POST, OPTIONS")
    if not _speaks_tus(request):
        return _answer(412, f"This endpoint speaks tus {TUS_VERSION}.", Tus_Version=TUS_VERSION)
    length = _header_int(request, "Upload-Length")
    if length is None:
        return _answer(400, "Upload-Length is required (deferred lengths are not supported).")
    filename = _metadata(request.headers.get("Upload-Metadata", "")).get("filename", "")
    try:
        upload = package_upload_begin(owner=request.user, length=length, filename=filename)
    except PackageRejected as err:
        return _answer(413, err.message)
    response = _where(upload, status=201)
    response["Location"] = request.build_absolute_uri(location(upload.id))
    return response


def resource(request: HttpRequest, upload_id: str) -> HttpResponse:
    """One upload: ``HEAD`` (where it stands), ``PATCH`` (the next chunk), ``DELETE`` (cancel).
    An upload belongs to the user who began it; anyone else gets 404."""
    if request.method == "OPTIONS":
        return _options()
    if not _speaks_tus(request):
        return _answer(412, f"This endpoint speaks tus {TUS_VERSION}.", Tus_Version=TUS_VERSION)
    upload = package_upload_get(upload_id=upload_id, owner=request.user)
    if upload is None:
        return _answer(404, "No such upload: it expired, was cancelled or was used. Start again.")
    if request.method == "HEAD":
        return _where(upload, status=200)
    if request.method == "DELETE":
        package_upload_discard(upload_id=upload.id)
        return _answer(204)
    if request.method != "PATCH":
        return _answer(405, "Use HEAD, PATCH or DELETE.", Allow="HEAD, PATCH, DELETE, OPTIONS")
    return _append(request, upload)


def _append(request: HttpRequest, upload: PackageUpload) -> HttpResponse:
    if request.content_type != CHUNK_CONTENT_TYPE:
        return _answer(415, f"Chunks are sent as {CHUNK_CONTENT_TYPE}.")
    offset = _header_int(request, "Upload-Offset")
    size = _header_int(request, "Content-Length")
    if offset is None:
        return _answer(400, "Upload-Offset is required.")
    if size is None:
        return _answer(411, "Content-Length is required.")
    try:
        upload = package_upload_append(upload=upload, offset=offset, body=request, size=size)
    except UploadOffsetMismatch as err:
        return _answer(409, err.message, Upload_Offset=str(err.offset))
    except UploadBusy as err:
        return _answer(423, err.message)
    except UploadError as err:
        status = 413 if size > settings.SCORM_UPLOAD_CHUNK_BYTES else 400
        return _answer(status, err.message)
    return _where(upload)
