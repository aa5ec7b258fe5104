"""The content origin's three routes: the launcher page, the grant of a package's files, and
the files themselves. They run without session, CSRF or authentication middleware
(playback.middleware); the grant is the capability the LMS gave the launcher."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
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
