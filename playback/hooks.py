"""The one receiver of providers' result notifications (SCORM Cloud's postbacks,
AllureConnect's webhooks): ``POST /hooks/<provider>/``.

The provider authenticates the request and names the attempt; the result is then read back
from the provider and stored, so a forged, replayed or out-of-order notification changes
nothing. Answers are plain 2xx/4xx/5xx, never a redirect (providers count a 3xx as delivered).
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from enrollments.services import ApplyOutcome
from providers import ProviderError, get_provider
from providers.exceptions import NotificationRefused
from providers.types import Notification

from .services import notification_receive

logger = logging.getLogger(__name__)


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def notification(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        if not get_provider(provider).sends_notifications:
            return _answer(404, "no such receiver")
    except ImproperlyConfigured:
        return _answer(404, "no such receiver")
    try:
        received = Notification(
            body=request.body,
            content_type=request.content_type or "",
            headers=request.headers,
            form=request.POST.dict()
            if request.content_type == "application/x-www-form-urlencoded"
            else {},
        )
    except RequestDataTooBig:
        return _answer(413, "too large")
    try:
        outcome = notification_receive(provider=provider, notification=received)
    except NotificationRefused as refused:
        logger.warning("%s notification refused: %s", provider, refused.reason)
        response = _answer(refused.status, refused.reason)
        if refused.status == 401:
            response["WWW-Authenticate"] = f'Basic realm="{provider}-notifications"'
        return response
    except ProviderError as err:
        # Not stored: a 5xx lets the provider deliver it again; polling catches up meanwhile.
        logger.warning("%s notification: re-read failed: %s", provider, err)
        response = _answer(503, "could not read the result; try again later")
        retry_after = getattr(err, "retry_after", None)  # our read budget knows when
        if retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return response
    return _answer(200, "ignored" if outcome is ApplyOutcome.FOREIGN else outcome)
