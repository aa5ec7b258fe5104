"""Serving an unpacked package from storage: path resolution, Range and caching.

How the bytes travel is ``SCORM_CONTENT_DELIVERY``, decided after the caller has authorised
the request:

* ``app`` (default): the app answers. Local files go out as a ``FileResponse`` over a positioned
  slice, which gunicorn hands to ``sendfile``; on S3 each request is one ranged GET whose body
  is streamed on (never the whole object fetched to seek in it).
* ``redirect``: big media (video, audio, images; at least ``SCORM_CONTENT_REDIRECT_MIN_BYTES``)
  get a 302 to a short-lived signed storage URL, so the bucket serves the bytes and their Range
  requests and no app worker is held by a slow viewer. Pages, scripts, styles and data stay on
  the content origin: the run-time and the origin isolation depend on it, and a cross-origin
  ``fetch`` would need CORS.
* ``x-accel-redirect`` / ``x-sendfile``: for local storage behind nginx / Apache, the front
  server sends the file (and its ranges) named by the header.
* ``auth-request``: nginx (deploy/nginx-content.conf) sends a package's local files without
  asking for them: it asks ``content_views.package_grant`` about the grant instead, once per
  grant and package for a few seconds. A file request that still reaches the app is answered as
  ``x-accel-redirect``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified

from core.shared_cache import cache_call
from core.storage import file_size, local_path, open_range, signed_url

CHUNK_SIZE = 256 * 1024  # when the app copies the bytes itself (no sendfile)
# Content is immutable per package hash: let the browser keep it.
CACHE_CONTROL = "private, max-age=31536000, immutable"
# At most 18 digits: every real offset fits, and no absurd number is ever read as an int.
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
# Sizes of remote files are cached (names are keyed by the package hash, so never change).
_SIZE_CACHE_SECONDS = 24 * 60 * 60
# Types a page loads without CORS (media elements, images); SVG can hold script: not redirected.
_REDIRECTABLE = ("video/", "audio/", "image/")
FRONT_SERVER_HEADERS = {
    "x-accel-redirect": "X-Accel-Redirect",
    "auth-request": "X-Accel-Redirect",
    "x-sendfile": "X-Sendfile",
}

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


def content_type_of(name: str) -> str:
    content_type, encoding = mimetypes.guess_type(name)
    if encoding or not content_type:
        # A .gz inside a package is a file to download, not a transfer encoding.
        return "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    return content_type


def _size(storage: Storage, name: str) -> int | None:
    if local_path(storage, name) is not None:
        return file_size(storage, name)  # a stat: cheaper than the cache
    key = "content-size:" + hashlib.sha256(name.encode()).hexdigest()
    size = cache_call("content size read", lambda: cache.get(key), None)
    if size is None:
        size = file_size(storage, name)  # one HEAD on S3
        if size is not None:
            cache_call(
                "content size write", lambda: cache.set(key, size, _SIZE_CACHE_SECONDS), None
            )
    return size


def serve_content(request: HttpRequest, name: str, *, etag_seed: str) -> HttpResponse:
    """Answer a GET for the stored file ``name``: 404 when it is missing, 304 for a matching
    ETag, else the file (or one byte range of it) as ``SCORM_CONTENT_DELIVERY`` says."""
    storage = default_storage
    size = _size(storage, name)
    if size is None:
        return _not_found()
    etag = f'"{etag_seed}-{size}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
        response["ETag"] = etag
        return response

    content_type = content_type_of(name)
    delivery = settings.SCORM_CONTENT_DELIVERY
    if (
        delivery == "redirect"
        and _worth_redirecting(content_type, size)
        and (redirect := _signed_redirect(storage, name, content_type))
    ):
        return redirect
    if delivery in FRONT_SERVER_HEADERS and (path := local_path(storage, name)):
        return _front_server(FRONT_SERVER_HEADERS[delivery], name, path, content_type, etag)

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
    try:
        body = open_range(storage, name, start, length)
    except FileNotFoundError:
        return _not_found()  # deleted since its size was cached
    response = FileResponse(body, status=status, content_type=content_type)
    response.block_size = CHUNK_SIZE
    response["Content-Length"] = str(length)  # what gunicorn's sendfile sends from the offset
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _worth_redirecting(content_type: str, size: int) -> bool:
    return (
        size >= settings.SCORM_CONTENT_REDIRECT_MIN_BYTES
        and content_type.startswith(_REDIRECTABLE)
        and not content_type.startswith("image/svg")
    )


def _signed_redirect(storage: Storage, name: str, content_type: str) -> HttpResponse | None:
    lifetime = settings.SCORM_CONTENT_URL_MAX_AGE
    url = signed_url(
        storage,
        name,
        expires=lifetime,
        parameters={"ResponseContentType": content_type, "ResponseCacheControl": CACHE_CONTROL},
    )
    if url is None:
        return None
    response = HttpResponse(status=302)
    response["Location"] = url
    # The browser may reuse the redirect (and so the bytes it cached under the signed URL) for
    # half the URL's life; after that it asks again and gets a fresh URL.
    response["Cache-Control"] = f"private, max-age={lifetime // 2}"
    return response


def _front_server(header: str, name: str, path: str, content_type: str, etag: str) -> HttpResponse:
    """An empty answer whose header tells nginx (an internal location mapped to MEDIA_ROOT) or
    Apache (an absolute path) to send the file; they apply the request's Range themselves."""
    response = HttpResponse(content_type=content_type)
    if header == "X-Accel-Redirect":
        response[header] = settings.SCORM_CONTENT_ACCEL_PREFIX + quote(name)
    else:
        response[header] = path
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _not_found() -> HttpResponse:
    return HttpResponse("Not found.", status=404, content_type="text/plain; charset=utf-8")


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
