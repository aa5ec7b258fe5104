"""The receiver of AllureConnect's webhooks (A.6).

``X-Allure-Signature`` is the hex HMAC-SHA256 of the raw body with ALLURE_CONNECT_WEBHOOK_SECRET,
compared in constant time; anything unsigned or wrongly signed is refused with 401 before the
body is read. The body is untrusted even then: only a session id is taken from it, and the
session is re-read through the API and applied from there (:func:`.services.session_sync`),
keyed on session id and ``version`` so a replay changes nothing. Answers are plain 2xx/4xx/5xx,
never a redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lms.scorm.exceptions import ProviderError

from . import assumptions as api
from .services import session_sync

logger = logging.getLogger(__name__)

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def signature_valid(body: bytes, headers: Mapping[str, str]) -> bool:
    secret = settings.ALLURE_CONNECT_WEBHOOK_SECRET
    if not secret:
        logger.error("AllureConnect webhook refused: ALLURE_CONNECT_WEBHOOK_SECRET is not set")
        return False
    if (
        headers.get(api.SIGNATURE_ALGORITHM_HEADER, api.SIGNATURE_ALGORITHM).strip().lower()
        != api.SIGNATURE_ALGORITHM
    ):
        return False
    given = headers.get(api.SIGNATURE_HEADER, "").strip().lower()
    if not _HEX_DIGEST.fullmatch(given):  # as Allure's own receiver checks (A.6)
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def session_id_from(body: bytes) -> str | None:
    """The session id of a session event, or None for anything else (assumptions)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, Mapping):
        return None
    event = next((v for key in api.EVENT_NAME_FIELDS if isinstance(v := payload.get(key), str)), "")
    if event and not event.startswith(api.SESSION_EVENT_PREFIX):
        return None
    for path in api.WEBHOOK_SESSION_ID_PATHS:
        value: object = payload
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            return value[:255]
    return None


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    if not signature_valid(request.body, request.headers):
        logger.warning("AllureConnect webhook with a missing or wrong signature refused")
        return _answer(401, "invalid signature")
    session_id = session_id_from(request.body)
    if session_id is None:
        return _answer(200, "ignored")
    try:
        outcome = session_sync(session_id=session_id)
    except ProviderError as err:
        # Not applied: a 5xx lets AllureConnect deliver it again; polling catches up meanwhile.
        logger.warning(
            "AllureConnect webhook for session %.80r: re-read failed: %s", session_id, err
        )
        return _answer(503, "could not re-read the session; try again later")
    return _answer(200, outcome)
