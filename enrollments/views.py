"""Learner-facing pages: my courses, a course, Play, the player page and its progress panel.

Views stay thin: permissions through the selectors (a learner reaches only their own
attempts), domain work through the services, provider calls only through the interface.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from core.origins import content_launcher_url
from courses.models import Course
from courses.selectors import course_is_taught_by
from providers import ProviderError
from providers.types import LaunchContext

from . import panel_cache, selectors, services
from .forms import EnrolLearnersForm

logger = logging.getLogger(__name__)

#: The content origin's routes (playback.middleware serves them); named here, not imported.


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect("enrollments:my_courses")


@require_GET
@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    learner = services.learner_get_or_create(user=request.user)
    cards = []
    for enrollment in selectors.enrollment_list_for_learner(learner=learner):
        attempts = list(enrollment.attempts.all())  # prefetched, newest first
        cards.append(
            {
                "enrollment": enrollment,
                "course": enrollment.course,
                "attempt": attempts[0] if attempts else None,
                "action": services.attempt_play_action(enrollment=enrollment, attempts=attempts),
            }
        )
    return render(
        request,
        "enrollments/my_courses.html",
        {"cards": cards, "joinable": selectors.course_list_joinable(learner=learner)},
    )


@require_GET
@login_required
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course, enrollment = selectors.course_get_for_user(user=request.user, slug=slug)
    attempts = list(enrollment.attempts.all()) if enrollment else []
    return render(
        request,
        "enrollments/course_detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "attempts": attempts,
            "open_attempt": next((a for a in attempts if a.is_open), None),
            "can_start_new": enrollment is not None
            and services.attempt_can_start_new(enrollment=enrollment, attempts=attempts),
            "action": enrollment
            and services.attempt_play_action(enrollment=enrollment, attempts=attempts),
            "teaches": course_is_taught_by(course=course, user=request.user),
        },
    )


@require_POST
@login_required
def course_enrol(request: HttpRequest, slug: str) -> HttpResponse:
    course, enrollment = selectors.course_get_for_user(user=request.user, slug=slug)
    if enrollment is None:
        if not (course.is_published and course.self_enrollment):
            raise Http404("This course is not open for enrolment.")
        learner = services.learner_get_or_create(user=request.user)
        services.enrollment_create(learner=learner, course=course, enrolled_by=request.user)
        messages.success(request, f"You are enrolled in {course.title}.")
    return redirect(course)


@require_http_methods(["GET", "POST"])
@login_required
def course_learners(request: HttpRequest, slug: str) -> HttpResponse:
    """Instructors (and staff) see who is enrolled and enrol more learners."""
    course = get_object_or_404(Course, slug=slug)
    if not course_is_taught_by(course=course, user=request.user):
        raise PermissionDenied
    form = EnrolLearnersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added, unknown = services.enrollment_create_many(
            course=course, identifiers=form.cleaned_data["learners"], enrolled_by=request.user
        )
        if added:
            messages.success(
                request, f"Enrolled {len(added)} learner{'s' if len(added) != 1 else ''}."
            )
        if unknown:
            messages.error(request, f"No account for: {', '.join(unknown)}.")
        return redirect("enrollments:course_learners", slug=course.slug)
    return render(
        request,
        "enrollments/course_learners.html",
        {
            "course": course,
            "form": form,
            "enrollments": selectors.enrollment_list_for_course(course=course),
        },
    )


@require_POST
@login_required
def course_play(request: HttpRequest, slug: str) -> HttpResponse:
    course, enrollment = selectors.course_get_for_user(user=request.user, slug=slug)
    if enrollment is None:
        raise Http404("You are not enrolled in this course.")
    try:
        attempt = services.attempt_start(
            enrollment=enrollment, force_new=request.POST.get("new") == "1"
        )
    except services.AttemptNotAllowed as err:
        messages.error(request, err.message)
        return redirect(course)
    except ProviderError as err:
        logger.warning("Play of %s failed: %s", course.slug, err)
        messages.error(request, err.learner_message)
        return redirect(course)
    return redirect("enrollments:attempt_player", attempt_id=attempt.pk, permanent=False)


def _launch_context(request: HttpRequest, attempt) -> LaunchContext:
    """The URLs a launch may hand its provider (each provider takes what it uses). The exit
    URL's token is its fragment, which browsers never send: no server's log ever holds it
    (the exit page sends it in a POST's body; see ``attempt_exit``)."""
    exit_path = reverse("enrollments:attempt_exit", kwargs={"attempt_id": attempt.pk})
    return LaunchContext(
        exit_url=request.build_absolute_uri(exit_path)
        + "#"
        + selectors.attempt_exit_token(attempt=attempt),
        results_url=settings.SITE_URL.rstrip("/")
        + reverse("playback:notification", kwargs={"provider": attempt.provider}),
        player_url=content_launcher_url(request),
    )


@require_GET
@login_required
@never_cache  # the page holds a freshly minted launch URL: never keep it
def attempt_player(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.attempt_get_for_learner(user=request.user, attempt_id=attempt_id)
    context = {
        "attempt": attempt,
        "course": attempt.enrollment.course,
        "launch": None,
        "error": None,
    }
    try:
        context["launch"] = services.attempt_launch(
            attempt=attempt, context=_launch_context(request, attempt)
        )
    except ProviderError as err:
        logger.warning("Launch of attempt %s failed: %s", attempt.pk, err)
        context["error"] = err.learner_message
    context["panel"] = selectors.attempt_panel_state(attempt=attempt)
    return render(
        request, "enrollments/player.html", context, status=502 if context["error"] else 200
    )


def _panel_read_with_session(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The poll's cached fragment is read in the same round trip as its session (which
    ``login_required`` reads next): a poll makes the cache round trips of any signed-in page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, attempt_id: str) -> HttpResponse:
        panel_cache.panel_read_with_session(attempt_id=attempt_id, session=request.session)
        return view(request, attempt_id)

    return wrapped


@require_GET
@_panel_read_with_session
@login_required
@never_cache
def attempt_progress(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """The progress panel. A poll with nothing new is answered from the cached fragment (no
    SQL, no rendering); otherwise one query of the panel's columns. A remote attempt whose
    result may still change gets a refresh in its turn (queued, or read quickly without a
    worker), which lands in the database for a later poll."""
    version, cached = panel_cache.panel_cached(attempt_id=attempt_id, session=request.session)
    if cached is not None and cached.user_id != request.user.pk:
        raise Http404("No such attempt.")
    if cached is None:
        panel = selectors.attempt_panel_for_learner(user=request.user, attempt_id=attempt_id)
        cached = panel_cache.panel_store(
            attempt_id=attempt_id,
            version=version,
            user_id=request.user.pk,
            html=render_to_string("enrollments/_progress_panel.html", {"panel": panel}),
            finished=panel.finished,
            refresh_provider=panel.provider if panel.remote and not panel.finished else "",
            valid_until=panel.changes_at.timestamp() if panel.changes_at else float("inf"),
        )
    if cached.refresh_provider:
        services.attempt_request_refresh(attempt_id=attempt_id, provider=cached.refresh_provider)
    # A history restore wants the content back, never "stop polling".
    stop = cached.finished and request.htmx and not request.htmx.history_restore_request
    response = HttpResponse(cached.html, status=HTMX_STOP_POLLING if stop else 200)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_http_methods(["GET", "POST"])
@csrf_exempt  # the POST's signed token authorises it; there may be no session (below)
@never_cache
@xframe_options_sameorigin  # loads inside the player's iframe
def attempt_exit(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """Where a player goes when the learner leaves the course: a page that tells the player
    page, and sends the token its URL carries in its fragment back here in a POST's body, which
    records the exit (204).

    No login_required: a remote player's redirect here is a cross-site navigation that carries
    no session cookie. The signed token stands for the learner instead; it travels in the
    fragment and the body only, never in a URL a server sees (and logs)."""
    if request.method == "GET":
        return render(request, "enrollments/exit.html", {"attempt_id": attempt_id})
    token = request.body.decode("utf-8", "replace").strip()
    attempt = selectors.attempt_get_for_exit_token(attempt_id=str(attempt_id), token=token)
    services.attempt_record_exit(attempt=attempt)
    return HttpResponse(status=204)
