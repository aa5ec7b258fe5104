"""The LMS's origin and the origin package content runs on.

Package content is hostile until proven otherwise, so it runs on an origin of its own and never
with the powers of the person who plays it. ``SCORM_CONTENT_ORIGIN`` names that origin; with none
set (the embedded default, DEBUG on) it is derived from the address the LMS is reached at: the
same scheme and port, ``localhost`` for ``127.0.0.1`` and ``127.0.0.1`` for ``localhost`` — two
hosts, so two origins, two sites and two cookie jars on one server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

#: The content origin's routes (playback's), named by string so no app is imported here.
CONTENT_URLCONF = "playback.content_urls"

_SWAPPED_HOSTS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower-cased; "" when it has none."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def lms_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def configured_content_origin() -> str:
    return origin_of(settings.SCORM_CONTENT_ORIGIN)


def content_origin(request: HttpRequest) -> str:
    """The origin content launched from ``request`` (an LMS page) runs on; "" when none can be
    derived (a development server reached by another name than localhost or 127.0.0.1)."""
    return configured_content_origin() or derived_content_origin(lms_origin(request))


def derived_content_origin(lms_url: str) -> str:
    """The development content origin of an LMS reached at ``lms_url``: the other of the two
    loopback names, same scheme and port; "" for any other host."""
    parts = urlsplit(lms_url)
    swapped = _SWAPPED_HOSTS.get((parts.hostname or "").lower())
    if swapped is None or not parts.scheme:
        return ""
    return f"{parts.scheme}://{swapped}{f':{parts.port}' if parts.port else ''}"


def lms_origin_for_content(request: HttpRequest) -> str:
    """The LMS origin a content-origin ``request`` belongs to (its frames' only allowed parent)."""
    configured = origin_of(settings.SITE_URL) if configured_content_origin() else ""
    if configured:
        return configured
    # Derived mode is symmetric: the LMS is the other one of the two hosts.
    return content_origin(request)


def content_launcher_url(request: HttpRequest) -> str:
    """The local player's launcher page on the content origin of ``request``; "" when there is
    no content origin (the local provider then refuses to launch, saying so)."""
    origin = content_origin(request)
    return origin + reverse("content_launcher", urlconf=CONTENT_URLCONF) if origin else ""
