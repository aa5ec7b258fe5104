"""The Content-Security-Policy of every LMS page (django-csp), with the frames each page may
hold worked out per request: the content origin (derived from the address the LMS is reached
at, in the embedded default) and the remote providers' players.

A response that sets a policy of its own keeps it (as django-csp does), without the site's
being built for it first: package content (its ``frame-ancestors``) and the run-time's answers
(:data:`DATA_POLICY`). Building it cost about 0.2 ms a request, a tenth of a run-time commit's
time in the app (issue 13)."""

from __future__ import annotations

import dataclasses

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

from core.origins import content_origin
from providers import all_providers

#: The policy of an answer that is data, not a page (the run-time's JSON): it may load nothing
#: and be framed by nothing.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if HEADER in response:  # a policy of its own (see the module)
            return response
        return super().process_response(request, response)

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
