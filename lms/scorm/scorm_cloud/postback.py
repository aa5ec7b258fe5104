"""The receiver of SCORM Cloud's registration postbacks.

SCORM Cloud POSTs a registration's ``RegistrationSchema`` JSON whenever its completion, success,
score or time change, and retries (up to 70 times) on a 4xx, a 5xx or a timeout. Any other
answer counts as delivered, a 3xx included, so this view never redirects. Two wire formats:

* ``httpbasic``: the JSON is the body, the credentials are an ``Authorization: Basic`` header;
* ``form``: ``application/x-www-form-urlencoded`` with ``data`` (the JSON), ``userName`` and
  ``password``.

The credentials are the shared SCORM_CLOUD_POSTBACK_USER/PASSWORD. Results are applied through
:func:`enrollments.services.attempt_apply_progress`, which ignores one older than what is stored,
so replays and out-of-order deliveries change nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from enrollments.models import Attempt
from enrollments.services import attempt_apply_progress

from ..parsing import MalformedResponse
from .progress import parse_registration, registration_progress

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


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


def _credentials_valid(user: str, password: str) -> bool:
    expected_user = settings.SCORM_CLOUD_POSTBACK_USER
    expected_password = settings.SCORM_CLOUD_POSTBACK_PASSWORD
    if not (expected_user and expected_password):
        logger.error("SCORM Cloud postback refused: SCORM_CLOUD_POSTBACK_USER/PASSWORD are not set")
        return False
    # Compare both in constant time, and both always, so timing reveals neither.
    user_ok = hmac.compare_digest(user.encode(), expected_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    return user_ok and password_ok


@csrf_exempt
@require_POST
def postback(request: HttpRequest) -> HttpResponse:
    if request.content_type == FORM_CONTENT_TYPE:
        # The form field is documented as userName; the schema's description says username.
        user = request.POST.get("userName") or request.POST.get("username") or ""
        password = request.POST.get("password", "")
        body: bytes | str = request.POST.get("data", "")
    else:
        user, password = _basic_credentials(request.headers.get("Authorization", ""))
        body = request.body
    if not _credentials_valid(user, password):
        logger.warning("SCORM Cloud postback with wrong credentials refused")
        response = _answer(401, "unauthorized")
        response["WWW-Authenticate"] = 'Basic realm="scorm-cloud-postback"'
        return response

    try:
        registration = parse_registration(body)
    except MalformedResponse as err:
        logger.warning("SCORM Cloud postback refused: %s", err)
        return _answer(400, "malformed registration")
    try:
        attempt_id = uuid.UUID(registration.id)
    except ValueError:
        attempt_id = None
    attempt = (
        Attempt.objects.select_related("package")
        .filter(pk=attempt_id, provider="scorm_cloud")
        .first()
        if attempt_id
        else None
    )
    # Not one of our attempts: nothing to do, and a 4xx would only make SCORM Cloud retry.
    if attempt is None:
        logger.info("SCORM Cloud postback for unknown registration %.80r ignored", registration.id)
        return _answer(200, "ignored")
    if registration.course_id and registration.course_id != attempt.package.remote_id:
        logger.warning("SCORM Cloud postback for %s names another course; ignored", attempt.pk)
        return _answer(200, "ignored")

    applied = attempt_apply_progress(
        attempt=attempt, progress=registration_progress(registration), source="scorm_cloud postback"
    )
    logger.info(
        "SCORM Cloud postback for attempt %s: %s/%s%s",
        attempt.pk,
        registration.completion,
        registration.success,
        "" if applied else " (stale, ignored)",
    )
    return _answer(200, "ok")
