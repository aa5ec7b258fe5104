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

from core.csp import DATA_POLICY
from core.origins import content_origin, lms_origin
from providers.local.runtime import InvalidCommit
from providers.local.tokens import InvalidLaunchToken, LaunchClaims, launch_token_read
from providers.parsing import MalformedResponse, load_json

from .commit_lock import NoSuchAttempt
from .content_access import capability_create, package_path
from .selectors import activity_delivery, launched, session_config
from .services import LaunchClosed, StaleCommit, local_commit

logger = logging.getLogger(__name__)


def _answer(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Content-Security-Policy"] = DATA_POLICY  # data, not a page
    return response


def _refusal(message: str, status: int) -> JsonResponse:
    """A refusal the way scorm-again reads one (a general exception, error 101)."""
    return _answer({"result": False, "errorCode": 101, "errorMessage": message}, status)


def content_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse requests from any other origin than the content origin (or the LMS's own), and let
    the content origin read the answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        origin = request.headers.get("Origin", "")
        allowed = content_origin(request)
        if origin and origin not in (allowed, lms_origin(request)):
            return _refusal("Origin refused.", 403)
        response = view(request, *args, **kwargs)
        if origin and origin == allowed:
            response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ("Origin",))
        return response

    return wrapper


def launch_request(
    view: Callable[[HttpRequest, dict[str, Any], LaunchClaims], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The run-time's request: a JSON object (text/plain, or a beacon) that carries a launch
    token. The view gets the object, the token taken out, and the token's claims; anything else
    is refused here."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            payload = load_json(request.body or b"null", what="request")
        except (MalformedResponse, RequestDataTooBig):
            return _refusal("Not JSON or too large.", 400)
        if not isinstance(payload, dict):
            return _refusal("Not a JSON object.", 400)
        try:
            claims = launch_token_read(payload.pop("token", ""))
        except InvalidLaunchToken:
            return _refusal("Launch not authorised.", 401)
        return view(request, payload, claims)

    return wrapper


@csrf_exempt
@require_POST
@never_cache
@content_origin_only
@launch_request
def session(request: HttpRequest, payload: dict[str, Any], claims: LaunchClaims) -> HttpResponse:
    """Everything the launcher needs to start the launch's session."""
    launch = launched(claims=claims)
    if launch is None:
        return _refusal("No such attempt.", 404)
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
@launch_request
def activity(request: HttpRequest, payload: dict[str, Any], claims: LaunchClaims) -> HttpResponse:
    """One activity's data, as the run-time loads it when it delivers the activity now."""
    launch = launched(claims=claims)
    identifier = payload.get("activity")
    data = (
        activity_delivery(launch=launch, claims=claims, activity_id=identifier)
        if launch is not None and isinstance(identifier, str)
        else None
    )
    if data is None:
        return _refusal("No such activity.", 404)
    return _answer({"data": data})


@csrf_exempt
@require_POST
@content_origin_only
@launch_request
def commit(request: HttpRequest, payload: dict[str, Any], claims: LaunchClaims) -> HttpResponse:
    """One commit of the run-time; the answer is the one scorm-again expects
    (``{"result": true, "errorCode": 0}``)."""
    if not claims.records:  # a review or a preview: its run-time never commits
        return _refusal("Nothing is recorded.", 403)
    try:
        local_commit(claims=claims, payload=payload)  # checks the attempt is the learner's
    except NoSuchAttempt:
        return _refusal("No such attempt.", 404)
    except InvalidCommit as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _refusal(str(err)[:200], 400)
    except StaleCommit as err:
        logger.info("Refused a stale commit for attempt %s: %s", claims.attempt_id, err)
        return _refusal("Stale commit.", 409)
    except LaunchClosed as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _refusal("This launch is closed.", 409)
    return _answer({"result": True, "errorCode": 0, "sequence": payload.get("sequence")})
