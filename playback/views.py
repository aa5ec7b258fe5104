"""The local player's routes: the player page, its content and its commits.

Each is authorised by the launch token (signed, expiring, bound to one attempt and learner)
and by the signed-in user being that learner. Only these routes may be framed (SAMEORIGIN):
SCORM content finds the API by walking up its parent frames, which needs one origin.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from enrollments.models import Attempt
from enrollments.refs import learner_ref
from providers.local.runtime import InvalidCommit, initial_data
from providers.local.tokens import InvalidLaunchToken, LaunchClaims, launch_token_read
from providers.parsing import MalformedResponse, load_json

from .content import UnsafePath, resolve_content_path, serve_content
from .selectors import attempt_activity_records, attempt_current_activity, package_activities
from .services import StaleCommit, local_commit

logger = logging.getLogger(__name__)

CONTENT_COOKIE = "lms_launch"


def _authorise(request: HttpRequest, token: str) -> tuple[LaunchClaims | None, int]:
    """The launch's claims, or the status to refuse with (401 bad token, 403 wrong user)."""
    try:
        claims = launch_token_read(token)
    except InvalidLaunchToken:
        return None, 401
    learner = getattr(request.user, "learner", None) if request.user.is_authenticated else None
    if learner is None or learner.external_id != claims.learner_id:
        return None, 403
    return claims, 200


def _refused(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "playback/refused.html", {"status": status}, status=status)


@require_GET
@never_cache
@xframe_options_sameorigin
def player(request: HttpRequest, token: str) -> HttpResponse:
    claims, status = _authorise(request, token)
    if claims is None:
        return _refused(request, status)
    attempt = Attempt.objects.select_related("package", "enrollment__learner__user").get(
        pk=claims.attempt_id
    )
    activities = [a for a in package_activities(package=attempt.package).values() if a.href]
    records = attempt_activity_records(attempt=attempt)
    learner = learner_ref(attempt.enrollment.learner)
    scorm12 = attempt.package.is_scorm12
    content_base = reverse(
        "playback:local_content", kwargs={"attempt_id": attempt.pk, "path": "x"}
    )[:-1]
    current = attempt_current_activity(attempt=attempt)
    config = {
        "version": "1.2" if scorm12 else "2004",
        "commitUrl": reverse("playback:local_commit"),
        "token": token,
        "exitUrl": claims.exit_url,
        "review": claims.review,
        "current": next((i for i, a in enumerate(activities) if a.identifier == current), 0),
        "scos": [
            {
                "id": activity.identifier,
                "title": activity.title,
                "url": content_base + activity.href,
                "isSco": activity.is_sco,
                "data": initial_data(
                    scorm12=scorm12,
                    activity=activity,
                    record=records.get(activity.identifier),
                    learner=learner,
                    review=claims.review,
                ),
            }
            for activity in activities
        ],
    }
    response = render(
        request,
        "playback/player.html",
        {
            "attempt": attempt,
            "scos": activities,
            "config": config,
            "multi": len(activities) > 1,
        },
    )
    # The content is fetched with relative URLs, so it is authorised by a cookie that holds
    # this launch's token, scoped to this attempt's content path.
    response.set_cookie(
        CONTENT_COOKIE,
        token,
        max_age=settings.SCORM_LAUNCH_TOKEN_MAX_AGE,
        path=content_base,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@require_GET
@xframe_options_sameorigin
def content(request: HttpRequest, attempt_id: str, path: str) -> HttpResponse:
    claims, status = _authorise(request, request.COOKIES.get(CONTENT_COOKIE, ""))
    if claims is None or claims.attempt_id != str(attempt_id):
        return HttpResponse(
            "This content needs a valid launch.", status=status if claims is None else 403
        )
    package = Attempt.objects.select_related("package").get(pk=attempt_id).package
    try:
        name = resolve_content_path(package.content_root, path)
    except UnsafePath:
        return HttpResponse("Not found.", status=404)
    if not default_storage.exists(name):
        return HttpResponse("Not found.", status=404)
    return serve_content(request, name, etag_seed=package.sha256[:20])


def _commit_answer(result: bool, status: int = 200, message: str = "") -> JsonResponse:
    """The answer scorm-again expects: {"result": true, "errorCode": 0} on success."""
    body = {"result": result, "errorCode": 0 if result else 101}
    if message:
        body["errorMessage"] = message[:200]
    return JsonResponse(body, status=status)


# Authorised by the launch token in the body (which a cross-site page cannot know), not by a
# CSRF cookie: the final commit comes by navigator.sendBeacon, which sends no custom header.
# The token travels in the body so that it never lands in access logs.
@csrf_exempt
@require_POST
def commit(request: HttpRequest) -> JsonResponse:
    try:
        payload = load_json(request.body or b"null", what="commit")  # sendBeacon: text/plain
    except (MalformedResponse, RequestDataTooBig):
        return _commit_answer(False, 400, "The commit is not JSON or is too large.")
    token = payload.pop("token", "") if isinstance(payload, dict) else ""
    claims, status = _authorise(request, token if isinstance(token, str) else "")
    if claims is None:
        return _commit_answer(False, status, "Launch not authorised.")
    try:
        local_commit(claims=claims, payload=payload)
    except InvalidCommit as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _commit_answer(False, 400, str(err))
    except StaleCommit as err:
        logger.info("Refused a stale commit for attempt %s: %s", claims.attempt_id, err)
        return _commit_answer(False, 409, "Stale commit.")
    return _commit_answer(True)
