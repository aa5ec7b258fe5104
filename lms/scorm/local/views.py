"""The local player's routes: the player page, its content and its commits.

Each is authorised by the launch token (signed, expiring, bound to one attempt and learner)
and by the signed-in user being that learner. Only these routes may be framed (SAMEORIGIN):
SCORM content finds the API by walking up its parent frames, which needs one origin.
"""

from __future__ import annotations

import json
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

from .content import UnsafePath, resolve_content_path, serve_content
from .runtime import InvalidCommit, StaleCommit, runtime_commit, runtime_initial_data
from .tokens import InvalidLaunchToken, LaunchClaims, launch_token_read

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
    return render(request, "scorm/local/refused.html", {"status": status}, status=status)


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
    scos = [sco for sco in attempt.package.scos.all() if sco.href]
    content_base = reverse("local:content", kwargs={"attempt_id": attempt.pk, "path": "x"})[:-1]
    config = {
        "version": "1.2" if attempt.package.is_scorm12 else "2004",
        "commitUrl": reverse("local:commit"),
        "token": token,
        "exitUrl": claims.exit_url,
        "review": claims.review,
        "current": next(
            (i for i, s in enumerate(scos) if s.identifier == attempt.cmi.get("current")), 0
        ),
        "scos": [
            {
                "id": sco.identifier,
                "title": sco.title or sco.identifier,
                "url": content_base + sco.href,
                "isSco": sco.is_sco,
                "data": runtime_initial_data(attempt=attempt, sco=sco, review=claims.review),
            }
            for sco in scos
        ],
    }
    response = render(
        request,
        "scorm/local/player.html",
        {"attempt": attempt, "scos": scos, "config": config, "multi": len(scos) > 1},
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
        payload = json.loads(request.body or b"null")  # sendBeacon posts text/plain: parse as is
    except (ValueError, RequestDataTooBig):
        return _commit_answer(False, 400, "The commit is not JSON or is too large.")
    token = payload.pop("token", "") if isinstance(payload, dict) else ""
    claims, status = _authorise(request, token if isinstance(token, str) else "")
    if claims is None:
        return _commit_answer(False, status, "Launch not authorised.")
    try:
        runtime_commit(claims=claims, payload=payload)
    except InvalidCommit as err:
        logger.info("Refused a commit for attempt %s: %s", claims.attempt_id, err)
        return _commit_answer(False, 400, str(err))
    except StaleCommit as err:
        logger.info("Refused a stale commit for attempt %s: %s", claims.attempt_id, err)
        return _commit_answer(False, 409, "Stale commit.")
    return _commit_answer(True)
