"""System checks of the content origin, the one place package content runs.

Django's documentation on user-uploaded content: serve it from a separate top-level or second
level domain; a sibling subdomain of the site is not enough (cookies and document.domain reach
across it). So in production the content origin must be set, use HTTPS, and be on another
registrable domain (another *site*) than SITE_URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import tldextract
from django.conf import settings
from django.core.checks import Error, Tags, register

_SITES = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def site_of(url: str) -> str:
    """The scheme and registrable domain of a URL (what browsers call its site)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    extracted = _SITES(host)
    domain = extracted.top_domain_under_public_suffix or host  # an IP address or a bare name
    return f"{parts.scheme}://{domain}"


@register(Tags.security, deploy=True)
def content_origin_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    origin = settings.SCORM_CONTENT_ORIGIN
    if not origin:
        return [
            Error(
                "SCORM_CONTENT_ORIGIN is not set: package content would have no origin of its own.",
                hint="Serve package content from another registrable domain than SITE_URL, "
                "e.g. https://lms-content.example.net, pointed at this same app.",
                id="playback.E001",
            )
        ]
    parts = urlsplit(origin)
    errors = []
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        errors.append(
            Error(
                f"SCORM_CONTENT_ORIGIN must be an https origin with no path (got {origin!r}).",
                id="playback.E002",
            )
        )
    if site_of(origin) == site_of(settings.SITE_URL):
        errors.append(
            Error(
                f"SCORM_CONTENT_ORIGIN ({origin}) is on the same site as SITE_URL "
                f"({settings.SITE_URL}): hostile package content could act as the learner.",
                hint="A sibling subdomain is not enough; use another registrable domain.",
                id="playback.E003",
            )
        )
    return errors
