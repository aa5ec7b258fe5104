"""AllureConnect's webhooks (A.6), read as hints.

``X-Allure-Signature`` is the hex HMAC-SHA256 of the raw body with ALLURE_CONNECT_WEBHOOK_SECRET,
compared in constant time; anything unsigned or wrongly signed is refused with 401 before the
body is read. The body is untrusted even then: only a session id is taken from it, and the
session is re-read through the API.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping

from django.conf import settings

from ..exceptions import NotificationRefused
from ..parsing import MalformedResponse, load_json
from ..types import Notification
from . import assumptions as api

logger = logging.getLogger(__name__)

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_ID_LENGTH = 255


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


def session_id_from(payload: object) -> str | None:
    """The session id of a session event, or None for anything else (assumptions)."""
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
            return value[:MAX_ID_LENGTH]
    return None


def webhook_session_id(notification: Notification) -> str | None:
    """The session id of a genuine session webhook, None for a genuine event about something
    else; :class:`NotificationRefused` for anything not genuine."""
    if not signature_valid(notification.body, notification.headers):
        raise NotificationRefused(401, "missing or wrong webhook signature")
    try:
        payload = load_json(notification.body, what="webhook")
    except MalformedResponse as err:
        raise NotificationRefused(400, str(err)) from err
    return session_id_from(payload)
