"""SCORM Cloud's registration postbacks, read as hints.

SCORM Cloud POSTs a registration's ``RegistrationSchema`` JSON whenever its completion, success,
score or time change, and retries (up to 70 times) on a 4xx, a 5xx or a timeout. Two wire
formats:

* ``httpbasic``: the JSON is the body, the credentials are an ``Authorization: Basic`` header;
* ``form``: ``application/x-www-form-urlencoded`` with ``data`` (the JSON), ``userName`` and
  ``password``.

The credentials are the shared SCORM_CLOUD_POSTBACK_USER/PASSWORD. Only the registration id is
taken from the body: whoever knows the credentials could write anything else there, so the
registration is then read back from the API and that is what is stored.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Mapping

from django.conf import settings

from ..exceptions import NotificationRefused
from ..parsing import MalformedResponse, load_json
from ..types import Notification

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_ID_LENGTH = 255


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def credentials_valid(user: str, password: str) -> bool:
    expected_user = settings.SCORM_CLOUD_POSTBACK_USER
    expected_password = settings.SCORM_CLOUD_POSTBACK_PASSWORD
    if not (expected_user and expected_password):
        logger.error("SCORM Cloud postback refused: SCORM_CLOUD_POSTBACK_USER/PASSWORD are not set")
        return False
    # Compare both in constant time, and both always, so timing reveals neither.
    user_ok = hmac.compare_digest(user.encode(), expected_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    return user_ok and password_ok


def postback_registration_id(notification: Notification) -> str:
    """The registration id of a genuine postback; :class:`NotificationRefused` otherwise."""
    if notification.content_type == FORM_CONTENT_TYPE:
        # The form field is documented as userName; the schema's description says username.
        form = notification.form
        user = form.get("userName") or form.get("username") or ""
        password = form.get("password", "")
        body: bytes | str = form.get("data", "")
    else:
        user, password = _basic_credentials(notification.headers.get("Authorization", ""))
        body = notification.body
    if not credentials_valid(user, password):
        raise NotificationRefused(401, "wrong postback credentials")
    try:
        data = load_json(body, what="postback")
    except MalformedResponse as err:
        raise NotificationRefused(400, str(err)) from err
    registration_id = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(registration_id, str) or not registration_id:
        raise NotificationRefused(400, "the postback names no registration")
    return registration_id[:MAX_ID_LENGTH]
