"""core.csp: the site's policy on pages; a response's own policy kept, the site's not built."""

from __future__ import annotations

from unittest import mock

from django.http import HttpResponse
from django.test import RequestFactory

from core.csp import DATA_POLICY, ContentSecurityPolicyMiddleware


def _through(response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8000")
    middleware = ContentSecurityPolicyMiddleware(lambda _: response)
    return middleware(request)


def test_a_page_gets_the_sites_policy_with_its_frames():
    policy = _through(HttpResponse("page"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-src 'self'" in policy


def test_a_response_with_its_own_policy_keeps_it_and_the_sites_is_not_built():
    own = HttpResponse("{}", content_type="application/json")
    own["Content-Security-Policy"] = DATA_POLICY
    with mock.patch.object(ContentSecurityPolicyMiddleware, "get_policy_parts") as built:
        assert _through(own)["Content-Security-Policy"] == DATA_POLICY
    built.assert_not_called()
