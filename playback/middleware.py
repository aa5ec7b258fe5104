"""The content origin: package files and the launcher page, and nothing else; and the local
run-time's routes, which no cookie authorises either.

Requests under ``/content/`` are answered here, before the session, CSRF, authentication and
message middleware run: no session or CSRF cookie is ever read or set for them, and every answer
says which one page may frame it (``frame-ancestors``, the LMS origin). When
``SCORM_CONTENT_ORIGIN`` is set (production) the content host serves nothing else and the LMS
hosts serve no content; in the embedded default the two derived hosts (localhost, 127.0.0.1) can
each be the other's content origin, so the split is by path, and every grant names its host.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import Resolver404, get_resolver

from core.origins import (
    CONTENT_URLCONF,
    configured_content_origin,
    lms_origin,
    lms_origin_for_content,
)

from . import runtime_urls
from .content_access import COOKIE, PREFIX


def is_content_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(PREFIX)


class ContentOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        configured = configured_content_origin()
        on_content_host = bool(configured) and lms_origin(request) == configured
        if is_content_request(request):
            if configured and not on_content_host:
                return HttpResponseNotFound("No package file is served here.")
            return self.serve(request)
        if on_content_host:
            return HttpResponseNotFound("This origin serves package content only.")
        return self.get_response(request)

    def serve(self, request: HttpRequest) -> HttpResponse:
        # Only the content cookie is honoured; any other cookie is as if never sent.
        request.COOKIES = {COOKIE: request.COOKIES[COOKIE]} if COOKIE in request.COOKIES else {}
        try:
            match = get_resolver(CONTENT_URLCONF).resolve(request.path_info)
            response = match.func(request, *match.args, **match.kwargs)
        except (Resolver404, Http404):
            response = HttpResponseNotFound("Not found.")
        response.headers.pop("X-Frame-Options", None)  # frame-ancestors says it precisely
        if "Set-Cookie" in response.headers and not response.headers["Set-Cookie"].startswith(
            f"{COOKIE}="
        ):
            del response.headers["Set-Cookie"]
        response.cookies.clear()
        parent = lms_origin_for_content(request)
        policy = response.headers.get("Content-Security-Policy", "")
        if "frame-ancestors" in policy:
            return response
        # A package's page sits in the launcher (this origin) in the LMS's player page; the CSP
        # checks every ancestor, so both are named. The launcher's own policy names the LMS only.
        ancestors = f"frame-ancestors 'self' {parent}" if parent else "frame-ancestors 'none'"
        response.headers["Content-Security-Policy"] = (
            f"{policy}; {ancestors}" if policy else ancestors
        )
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


class RuntimeRoutesMiddleware:
    """The local run-time's routes (:mod:`playback.runtime_urls`: its session, an activity's
    data, a commit) are answered here, before the session, CSRF, authentication and message
    middleware, as package content is: each request is authorised by the launch token in its
    body, never by a cookie (the launcher's requests, from the content origin, carry none; any
    sent anyway is as if never sent), and its answer is data with a policy of its own. Nothing
    of the rest of the chain applies to them, and a run-time commit, the run-time's hottest
    path, would pay for all of it (issue 13)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(runtime_urls.PREFIX):
            return self.get_response(request)
        try:
            match = get_resolver(runtime_urls.__name__).resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)  # another page's 404, as the LMS answers it
        request.COOKIES = {}
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
