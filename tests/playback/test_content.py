"""Serving package files: traversal refused, Range and caching honoured."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from playback.content import UnsafePath, resolve_content_path, serve_content

ROOT = "packages/content/abc"


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "a/../../secret.txt",
        "a/./b.html",
        "/etc/passwd",
        "C:/windows/win.ini",
        "a\\..\\b",
        "a/\0.html",
        "",
        "..",
    ],
)
def test_paths_outside_the_package_are_refused(path):
    with pytest.raises(UnsafePath):
        resolve_content_path(ROOT, path)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("index.html", f"{ROOT}/index.html"),
        ("a/b/c.js", f"{ROOT}/a/b/c.js"),
        ("a//b.css", f"{ROOT}/a/b.css"),
    ],
)
def test_the_full_relative_path_is_kept(path, name):
    assert resolve_content_path(ROOT, path) == name


@pytest.fixture
def stored_file():
    name = default_storage.save(f"{ROOT}/media/clip.mp4", ContentFile(bytes(range(256)) * 4))
    return name


def _body(response):
    return b"".join(response.streaming_content)


def test_full_response_has_type_length_etag_and_caching(stored_file):
    response = serve_content(RequestFactory().get("/"), stored_file, etag_seed="abc")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == "1024"
    assert response["Accept-Ranges"] == "bytes"
    assert "immutable" in response["Cache-Control"]
    assert _body(response) == bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=1000-5000", 1000, 1023),
    ],
)
def test_range_requests_get_206_with_the_bytes(stored_file, header, start, end):
    response = serve_content(
        RequestFactory().get("/", HTTP_RANGE=header), stored_file, etag_seed="abc"
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/1024"
    assert _body(response) == (bytes(range(256)) * 4)[start : end + 1]


@pytest.mark.parametrize(
    "header",
    [
        "bytes=2000-",
        "bytes=5-2",
        "bytes=-",
        "items=0-1",
        # Absurd numbers: Python refuses to read an int of more than 4,300 digits (a 500 before).
        "bytes=" + "9" * 5000 + "-",
        "bytes=0-" + "9" * 5000,
        "bytes=-" + "9" * 5000,
        "bytes=99999999999999999999-",  # past any file
    ],
)
def test_unsatisfiable_ranges_get_416(stored_file, header):
    response = serve_content(
        RequestFactory().get("/", HTTP_RANGE=header), stored_file, etag_seed="abc"
    )
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


def test_matching_etag_gets_304(stored_file):
    etag = serve_content(RequestFactory().get("/"), stored_file, etag_seed="abc")["ETag"]
    response = serve_content(
        RequestFactory().get("/", HTTP_IF_NONE_MATCH=etag), stored_file, etag_seed="abc"
    )
    assert response.status_code == 304
