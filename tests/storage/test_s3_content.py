"""Package content served from S3: one ranged GET per request, or a redirect to a signed URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from core.storage import probe
from playback.content import serve_content
from tests.storage.s3 import requires_s3

pytestmark = [requires_s3, pytest.mark.django_db]

ROOT = "packages/content/abc"
DATA = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture
def gets(s3_bucket):
    """The S3 GETs made while the test runs, as their Range headers ("" for none)."""
    default_storage.exists("x")  # builds the storage and its client
    client = default_storage._wrapped.connection.meta.client
    seen: list[str] = []

    def record(params, **kwargs):
        seen.append(params.get("Range", ""))

    client.meta.events.register("provide-client-params.s3.GetObject", record)
    yield seen
    client.meta.events.unregister("provide-client-params.s3.GetObject", record)


def _get(name, **headers):
    return serve_content(RequestFactory().get("/", **headers), name, etag_seed="abc")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000000-", 1000000, len(DATA) - 1),
        ("bytes=-24", 1048552, 1048575),
    ],
)
def test_a_range_is_one_ranged_get(gets, header, start, end):
    name = default_storage.save(f"{ROOT}/media/clip.mp4", ContentFile(DATA))

    response = _get(name, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert b"".join(response.streaming_content) == DATA[start : end + 1]
    assert gets == [f"bytes={start}-{end}"]  # only those bytes left the bucket


def test_a_whole_file_with_its_type_caching_and_etag(gets):
    name = default_storage.save(f"{ROOT}/index.html", ContentFile(b"<p>hello</p>"))

    response = _get(name)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"<p>hello</p>"
    assert _get(name, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert len(gets) == 1  # the 304 fetched nothing


def test_sizes_are_asked_once_and_a_deleted_file_is_404(s3_bucket):
    name = default_storage.save(f"{ROOT}/a.js", ContentFile(b"var a;"))
    assert _get(name).status_code == 200

    default_storage.delete(name)

    assert _get(name).status_code == 404  # the cached size does not outlive the file
    assert _get(f"{ROOT}/never.js").status_code == 404


def test_unsatisfiable_range_is_416(s3_bucket):
    name = default_storage.save(f"{ROOT}/a.js", ContentFile(b"var a;"))
    response = _get(name, HTTP_RANGE="bytes=100-")
    assert (response.status_code, response["Content-Range"]) == (416, "bytes */6")


def test_redirect_sends_big_media_to_a_short_lived_signed_url(s3_bucket, settings):
    settings.SCORM_CONTENT_DELIVERY = "redirect"
    settings.SCORM_CONTENT_REDIRECT_MIN_BYTES = 1024
    settings.SCORM_CONTENT_URL_MAX_AGE = 600
    name = default_storage.save(f"{ROOT}/media/clip.mp4", ContentFile(DATA))

    response = _get(name, HTTP_RANGE="bytes=0-9")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=300"
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["600"]
    assert query["response-content-type"] == ["video/mp4"]
    assert "X-Amz-Signature" in query
    # The bucket answers the browser's Range itself.
    direct = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert (direct.status_code, direct.content) == (206, DATA[10:20])
    assert direct.headers["Content-Type"] == "video/mp4"
    assert "immutable" in direct.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("index.html", len(DATA)),  # documents run on the content origin
        ("app.js", len(DATA)),  # scripts too
        ("logo.svg", len(DATA)),  # SVG can hold script
        ("media/tiny.png", 100),  # below the threshold: not worth a round trip
    ],
)
def test_redirect_keeps_documents_scripts_and_small_files_on_the_content_origin(
    s3_bucket, settings, path, size
):
    settings.SCORM_CONTENT_DELIVERY = "redirect"
    settings.SCORM_CONTENT_REDIRECT_MIN_BYTES = 1024
    name = default_storage.save(f"{ROOT}/{path}", ContentFile(DATA[:size]))

    response = _get(name)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DATA[:size]


def test_the_storage_probe_checks_the_bucket(s3_bucket, settings):
    probe(default_storage)

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"},
        },
    }
    with pytest.raises(Exception, match="404|NoSuchBucket|Not Found"):
        probe(default_storage)
