"""How package content leaves a server with local storage: sendfile-able slices, the front
server's headers, and the storage helpers behind them."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from core.storage import delete_tree, list_sizes, probe
from playback.content import serve_content

ROOT = "packages/content/abc"
DATA = bytes(range(256)) * 64  # 16 KiB


@pytest.fixture
def clip():
    return default_storage.save(f"{ROOT}/media/clip.mp4", ContentFile(DATA))


def _get(name, **headers):
    return serve_content(RequestFactory().get("/", **headers), name, etag_seed="abc")


def test_a_range_is_a_positioned_slice_that_gunicorn_can_sendfile(clip):
    response = _get(clip, HTTP_RANGE="bytes=1000-1999")

    assert response.status_code == 206
    # What gunicorn's sendfile does: Content-Length bytes from the descriptor's offset.
    slice_ = response.file_to_stream
    offset = os.lseek(slice_.fileno(), 0, os.SEEK_CUR)
    length = int(response["Content-Length"])
    assert (offset, length) == (1000, 1000)
    assert os.pread(slice_.fileno(), length, offset) == DATA[1000:2000]
    # And what any other server does: read the slice to its end, and no further.
    assert b"".join(response.streaming_content) == DATA[1000:2000]
    slice_.close()


def test_a_missing_file_is_404(settings):
    assert _get(f"{ROOT}/nothing.html").status_code == 404


def test_x_accel_redirect_hands_the_file_and_its_ranges_to_nginx(clip, settings):
    settings.SCORM_CONTENT_DELIVERY = "x-accel-redirect"
    settings.SCORM_CONTENT_ACCEL_PREFIX = "/_content/"

    response = _get(clip, HTTP_RANGE="bytes=0-9")

    assert response.status_code == 200  # nginx applies the Range to the file it sends
    assert response["X-Accel-Redirect"] == f"/_content/{clip}"
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"
    assert "immutable" in response["Cache-Control"]
    assert "Content-Range" not in response


def test_x_accel_redirect_quotes_names_nginx_would_misread(settings):
    settings.SCORM_CONTENT_DELIVERY = "x-accel-redirect"
    name = default_storage.save(f"{ROOT}/a b/é?.html", ContentFile(b"x"))

    assert _get(name)["X-Accel-Redirect"] == "/_content/packages/content/abc/a%20b/%C3%A9%3F.html"


def test_x_sendfile_names_the_absolute_path(clip, settings):
    settings.SCORM_CONTENT_DELIVERY = "x-sendfile"

    response = _get(clip)

    assert response["X-Sendfile"] == default_storage.path(clip)
    assert response.content == b""


def test_redirect_on_local_storage_streams_instead(clip, settings):
    settings.SCORM_CONTENT_DELIVERY = "redirect"
    settings.SCORM_CONTENT_REDIRECT_MIN_BYTES = 0

    response = _get(clip)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DATA


def test_list_sizes_and_delete_tree_keep_to_their_folder():
    for name, data in [("a.html", b"1"), ("deep/b/c.js", b"22"), ("../abcd/keep.txt", b"333")]:
        default_storage.save(os.path.normpath(f"{ROOT}/{name}"), ContentFile(data))

    assert list_sizes(default_storage, ROOT) == {"a.html": 1, "deep/b/c.js": 2}

    delete_tree(default_storage, ROOT)

    assert list_sizes(default_storage, ROOT) == {}
    assert not os.path.exists(default_storage.path(ROOT))
    assert default_storage.exists("packages/content/abcd/keep.txt")
    with pytest.raises(ValueError, match="whole storage"):
        delete_tree(default_storage, "/")


def test_the_storage_probe_accepts_a_media_folder_yet_to_be_made(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not" / "yet" / "made"
    probe(default_storage)

    in_the_way = tmp_path / "a-file"
    in_the_way.write_bytes(b"")
    settings.MEDIA_ROOT = in_the_way
    with pytest.raises(PermissionError):
        probe(default_storage)
