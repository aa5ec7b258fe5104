"""Probes for load balancers and orchestrators: ``/healthz`` and ``/readyz``.

``/healthz``: this server and what it depends on answer (database, cache, broker, storage).
``/readyz``: that, and this code's migrations are applied: send traffic here.
Both answer 200 or 503 with a JSON report and are never cached; neither reads a session or sets
a cookie. ``core.middleware.probes_skip_host_check`` lets them answer whatever Host the prober
sends (a load balancer probes by address), and they are exempt from the HTTPS redirect.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import HEALTH_CHECKS, READINESS_CHECKS, run_checks


def _report(checks) -> JsonResponse:
    results = run_checks(checks)
    ok = all(result.ok for result in results)
    return JsonResponse(
        {
            "status": "ok" if ok else "failing",
            "checks": {result.name: result.as_dict() for result in results},
        },
        status=200 if ok else 503,
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return _report(HEALTH_CHECKS)


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    return _report(READINESS_CHECKS)
