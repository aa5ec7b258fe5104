"""Staff preview a package on its provider, with nothing recorded (no attempt, no result)."""

from __future__ import annotations

import logging

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from core.origins import content_launcher_url
from courses.models import Package
from providers.exceptions import ProviderError
from providers.types import LaunchContext

from .services import PreviewUnavailable, package_preview_launch

logger = logging.getLogger(__name__)


@require_GET
@staff_member_required
@never_cache  # the page holds a freshly minted launch URL: never keep it
def package_preview(request: HttpRequest, package_id: int) -> HttpResponse:
    if not request.user.has_perm("courses.view_package"):
        raise PermissionDenied
    package = get_object_or_404(Package.objects.select_related("course"), pk=package_id)
    context = LaunchContext(
        exit_url=request.build_absolute_uri(reverse("playback:preview_ended")),
        player_url=content_launcher_url(request),
    )
    launch, error, status = None, "", 200
    try:
        launch = package_preview_launch(package=package, viewer=request.user, context=context)
    except PreviewUnavailable as err:
        error, status = str(err), 409
    except ProviderError as err:
        logger.warning("Preview of package %s failed: %s", package.pk, err)
        error, status = err.learner_message, 502
    return render(
        request,
        "playback/preview.html",
        {"package": package, "course": package.course, "launch": launch, "error": error},
        status=status,
    )


@require_GET
@xframe_options_sameorigin  # loads inside the preview's iframe
def preview_ended(request: HttpRequest) -> HttpResponse:
    """Where a previewed player goes when it is closed (shown inside the frame). Public: a
    remote player's redirect here carries no session cookie; it says nothing of anyone."""
    return render(request, "playback/preview_ended.html")
