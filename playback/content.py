"""Serving an unpacked package from storage: path resolution, Range and caching."""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Iterator

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024
# Content is immutable per package hash: let the browser keep it.
CACHE_CONTROL = "private, max-age=31536000, immutable"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("video/webm", ".webm")
mimetypes.add_type("application/json", ".json")


class UnsafePath(Exception):
    pass


def resolve_content_path(content_root: str, path: str) -> str:
    """The storage name of ``path`` inside a package, or ``UnsafePath``.

    The full relative path is kept (never the basename) and may not leave the package.
    """
    if (
        not path
        or "\\" in path
        or "\0" in path
        or path.startswith("/")
        or re.match(r"^[A-Za-z]:", path)
    ):
        raise UnsafePath(path)
    parts = path.split("/")
    if any(part in ("..", ".") for part in parts):
        raise UnsafePath(path)
    normalised = posixpath.normpath(path)
    if normalised.startswith("../") or normalised == "..":
        raise UnsafePath(path)
    return f"{content_root}/{normalised}"


def _read(name: str, start: int, length: int) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def serve_content(request: HttpRequest, name: str, *, etag_seed: str) -> HttpResponse:
    """Stream a stored file with the right type, ETag and single-range support."""
    size = default_storage.size(name)
    etag = f'"{etag_seed}-{size}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
        response["ETag"] = etag
        return response

    content_type, encoding = mimetypes.guess_type(name)
    if encoding or not content_type:
        # A .gz inside a package is a file to download, not a transfer encoding.
        content_type = "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"

    start, end, status = 0, size - 1, 200
    range_header = request.headers.get("Range", "")
    if range_header and request.headers.get("If-Range", etag) == etag:
        match = _RANGE.match(range_header.strip())
        if not match or match.groups() == ("", ""):
            return _unsatisfiable(size)
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # suffix range: the last N bytes
            start, end = max(0, size - int(last)), size - 1
        if start > end or start >= size:
            return _unsatisfiable(size)
        status = 206

    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _read(name, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
