"""The content origin's routes: the launcher page, the grant of a package's files, the files
themselves, and the front server's question about a grant. They run without session, CSRF or
authentication middleware (playback.middleware); the grant is the capability the LMS gave the
launcher."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.origins import lms_origin, lms_origin_for_content

from .content import UnsafePath, resolve_content_path, serve_content
from .content_access import (
    InvalidCapability,
    capability_read,
    grant_cookie,
    request_capability,
)

LAUNCHER_SCRIPTS = (
    "playback/commits.js",
    "playback/content-frame.js",
    "playback/player-ui.js",
    "playback/prerequisites.js",
    "playback/interactions-2004.js",
    "playback/runtime-2004.js",
    "playback/runtime-12.js",
    "playback/launcher.js",
)
#: The SCORM run-time (scorm-again); the launcher loads the one its package needs.
BUNDLES = {
    "scorm2004": "vendor/scorm-again/scorm2004.min.js",
    "scorm12": "vendor/scorm-again/scorm12.min.js",
}


def _absolute_static(request: HttpRequest, name: str) -> str:
    url = static(name)
    return url if url.startswith(("http://", "https://")) else lms_origin_for_content(request) + url


@require_GET
def launcher(request: HttpRequest) -> HttpResponse:
    """The page the LMS frames for a local launch: it holds the run-time (scorm-again) that the
    package's SCOs find by walking up their parent frames. Its launch token arrives in the URL
    fragment, which no server sees."""
    lms = lms_origin_for_content(request)
    response = render(
        request,
        "playback/launcher.html",
        {
            "session_url": lms + reverse("playback:local_session"),
            "scripts": [_absolute_static(request, name) for name in LAUNCHER_SCRIPTS],
            "bundles": {key: _absolute_static(request, name) for key, name in BUNDLES.items()},
            "stylesheet": _absolute_static(request, "playback/launcher.css"),
        },
    )
    response["Cache-Control"] = "no-store"
    # The launcher runs only our scripts, from the LMS's static files; it may talk to the LMS
    # (its session and commits) and to its own origin (the package's files).
    response["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {lms}; style-src {lms}; img-src 'self' data:; "
        f"connect-src 'self' {lms}; frame-src 'self'; form-action 'none'; base-uri 'none'; "
        f"frame-ancestors {lms}"
    )
    return response


@require_POST
def authorize(request: HttpRequest) -> HttpResponse:
    """Turn a capability (the request body) into the cookie that reads one package's files."""
    value = request.body[:2048].decode("ascii", errors="replace").strip()
    try:
        capability = capability_read(value, origin=lms_origin(request))
    except InvalidCapability:
        return HttpResponse("Not a valid grant for this origin.", status=403)
    response = HttpResponse(status=204)
    grant_cookie(response, capability=value, package_id=capability.package_id)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def package_file(request: HttpRequest, package_id: int, path: str) -> HttpResponse:
    try:
        capability = capability_read(request_capability(request), origin=lms_origin(request))
    except InvalidCapability:
        return HttpResponse("This content needs a valid launch.", status=401)
    if capability.package_id != package_id:
        return HttpResponse("This content needs a valid launch.", status=403)
    # The grant names the files' place: a file costs no query, and no existence check either
    # (serve_content answers 404 itself; on S3 a check would be one more request per file).
    try:
        name = resolve_content_path(capability.content_root, path)
    except UnsafePath:
        return HttpResponse("Not found.", status=404)
    return serve_content(request, name, etag_seed=capability.content_root.rsplit("/", 1)[-1][:20])


@require_GET
def package_grant(request: HttpRequest, package_id: int) -> HttpResponse:
    """nginx's question before it sends a file of package ``package_id`` itself
    (``SCORM_CONTENT_DELIVERY=auth-request``, deploy/nginx-content.conf): may the request's
    grant cookie read this package? The same checks as ``package_file``; a yes names the
    package's folder in storage (from the signed grant, never from the URL) and how long nginx
    may keep it for this grant and package: ``SCORM_CONTENT_GRANT_CACHE_SECONDS``, never past
    the grant's own expiry. A no is never kept. nginx copies the content origin's headers of
    the yes (the middleware's) onto the file."""
    if settings.SCORM_CONTENT_DELIVERY != "auth-request":
        return HttpResponseNotFound("Not found.")
    try:
        capability = capability_read(request_capability(request), origin=lms_origin(request))
    except InvalidCapability:
        return _refused(401)
    if capability.package_id != package_id:
        return _refused(403)
    lifetime = min(
        settings.SCORM_CONTENT_GRANT_CACHE_SECONDS,
        math.floor(capability.expires_at - time.time()),
    )
    response = HttpResponse(status=204)
    response["X-Content-Root"] = capability.content_root
    # nginx's cache reads this alone (a Cache-Control could override it on nginx 1.22, so none
    # is sent); 0 keeps nothing.
    response["X-Accel-Expires"] = str(max(0, lifetime))
    return response


def _refused(status: int) -> HttpResponse:
    response = HttpResponse("This content needs a valid launch.", status=status)
    response["X-Accel-Expires"] = "0"
    response["Cache-Control"] = "no-store"
    return response
