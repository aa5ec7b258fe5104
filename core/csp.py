"""The Content-Security-Policy of every LMS page (django-csp), with the frames each page may
hold worked out per request: the content origin (derived from the address the LMS is reached
at, in the embedded default) and the remote providers' players."""

from __future__ import annotations

import dataclasses

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

from core.origins import content_origin
from providers import all_providers


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        frames = [origin for p in all_providers() for origin in p.player_origins()]
        if content := content_origin(request):
            frames.append(content)
        update = dict(parts.update or {})
        update["frame-src"] = [*update.get("frame-src", []), *dict.fromkeys(frames)]
        return dataclasses.replace(parts, update=update)
