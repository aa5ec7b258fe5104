"""The local player's LMS-side routes, called by the launcher page on the content origin.

Each is authorised by the launch token in the request body (signed, expiring, bound to one
launch of one attempt and its learner), never by a cookie: the launcher runs on another site,
whose requests carry none of the LMS's cookies. Bodies are text/plain JSON, so no preflight is
needed, and answers are readable by the content origin only (CORS).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.origins import content_origin, lms_origin
from providers.local.runtime import InvalidCommit
from providers.local.tokens import InvalidLaunchToken, LaunchClaims, launch_token_read
from providers.parsing import MalformedResponse, load_json

from .content_access import capability_create, package_path
from .selectors import activity_delivery, launched, session_config
from .services import LaunchClosed, NoSuchAttempt, StaleCommit, local_commit

logger = logging.getLogger(__name__)


def _answer(body: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status)


def content_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse requests from any other origin than the content origin (or the LMS's own), and let
    the content origin read the answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        origin = request.headers.get("Origin", "")
        allowed = content_origin(request)
        if origin and origin not in (allowed, lms_origin(request)):
            return _answer(
                {"result": False, "errorCode": 101, "errorMessage": "Origin refused."}, 403
            )
        response = view(request, *args, **kwargs)
        if origin and origin == allowed:
            response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ("Origin",))
        return response

    return wrapper


def _read(
    request: HttpRequest,
) -> tuple[dict[str, Any] | None, LaunchClaims | None, JsonResponse | None]:
    """The request's JSON body and launch claims, or the answer refusing it."""
    try:
        payload = load_json(request.body or b"null", what="request")  # text/plain, or a beacon
    except (MalformedResponse, RequestDataTooBig):
        return (
            None,
            None,
            _answer(
                {"result": False, "errorCode": 101, "errorMessage": "Not JSON or too large."}, 400
            ),
        )
    if not isinstance(payload, dict):
        return (
            None,
            None,
            _answer({"result": False, "errorCode": 101, "errorMessage": "Not a JSON object."}, 400),
        )
    try:
        claims = launch_token_read(payload.pop("token", ""))
    except InvalidLaunchToken:
        return (
            None,
            None,
            _answer(
                {"result": False, "errorCode": 101, "errorMessage": "Launch not authorised."}, 401
            ),
        )
    return payload, claims, None


@csrf_exempt
@require_POST
@never_cache
@content_origin_only
def session(request: HttpRequest) -> HttpResponse:
    """Everything the launcher needs to start the launch's session."""
    payload, claims, refused = _read(request)
    if refused:
        return refused
    launch = launched(claims=claims)
    if launch is None:
        return _answer({"result": False, "errorCode": 101, "errorMessage": "No such attempt."}, 404)
    origin = content_origin(request)
    config = session_config(launch=launch, claims=claims)
    config["urls"] = {
        "commit": request.build_absolute_uri(reverse("playback:local_commit")),
        "activity": request.build_absolute_uri(reverse("playback:local_activity")),
        "content": origin + package_path(launch.package.pk),
        "authorize": origin + "/content/authorize/",
    }
    config["capability"] = capability_create(
        package_id=launch.package.pk, content_root=launch.package.content_root, origin=origin
    )
    return _answer(config)


@csrf_exempt
@require_POST
@never_cache
@content_origin_only
def activity(request: HttpRequest) -> HttpResponse:
    """One activity's data, as the run-time loads it when it delivers the activity now."""
    payload, claims, refused = _read(request)
    if refused:
        return refused
    launch = launched(claims=claims)
    identifier = payload.get("activity")
    data = (
        activity_delivery(launch=launch, claims=claims, activity_id=identifier)
        if launch is not None and isinstance(identifier, str)
        else None
    )
    if data is None:
        return _answer(
            {"result": False, "errorCode": 101, "errorMessage": "No such activity."}, 404
        )
    return _answer({"data": data})


@csrf_exempt
@require_POST
@content_origin_only
def commit(request: HttpRequest) -> HttpResponse:
    """One commit of the run-time; the answer is the one scorm-again expects
    (``{"result": true, "errorCode": 0}``)."""
    payload, claims, refused = _read(request)
    if refused:
        return refused
    if not claims.records:  # a review or a preview: its run-time never commits
        return _answer(
            {"result": False, "errorCode": 101, "errorMessage": "Nothing is recorded."}, 403
        )
    try:
        local_commit(claims=claims, payload=payload)  # checks the attempt is the learner's
    except NoSuchAttempt:
        return _answer({"result": False, "errorCode": 101, "errorMessage": "No such attempt."}, 404)
    except InvalidCommit as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _answer({"result": False, "errorCode": 101, "errorMessage": str(err)[:200]}, 400)
    except StaleCommit as err:
        logger.info("Refused a stale commit for attempt %s: %s", claims.attempt_id, err)
        return _answer({"result": False, "errorCode": 101, "errorMessage": "Stale commit."}, 409)
    except LaunchClosed as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _answer(
            {"result": False, "errorCode": 101, "errorMessage": "This launch is closed."}, 409
        )
    return _answer({"result": True, "errorCode": 0, "sequence": payload.get("sequence")})
