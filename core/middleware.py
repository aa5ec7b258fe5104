"""Middleware of the house's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


def probes_skip_host_check(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Let the health probes answer whatever Host header they come with.

    Load balancers probe each server by its address, which ALLOWED_HOSTS does not (and should
    not) list. For the probe paths only, the Host is taken as sent, unchecked: they build no URL
    from it and read nothing of the user's. Goes first in MIDDLEWARE (django-alive's idea).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS:
            request.get_host = request._get_raw_host
        return get_response(request)

    return middleware
