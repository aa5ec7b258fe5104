"""Instructors' gradebook pages. Views check access, read through selectors and render."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from courses.models import Course
from enrollments.models import Attempt
from enrollments.results import results_cache_name
from enrollments.services import attempt_refresh
from enrollments.versioned_cache import versioned_get, versioned_put
from providers import ProviderError

from . import charts
from .csv_export import attempts_csv_response, gradebook_csv_response
from .forms import GradebookFilterForm
from .permissions import gradebook_can_view, gradebook_can_view_any, gradebook_can_view_raw_cmi
from .queries import (
    PAGE_SIZE,
    GradebookFilters,
    gradebook_completions_by_day,
    gradebook_course_list,
    gradebook_page_rows,
    gradebook_queryset,
    gradebook_row_get,
    gradebook_summary,
    learner_attempt_get,
    learner_attempts,
    provider_is_remote,
)
from .rows import GRADEBOOK_COLUMNS, GradebookRow, table_row_html

logger = logging.getLogger(__name__)

RESULTS_TARGET = "gradebook-results"


def _course_for(request: HttpRequest, slug: str) -> Course:
    course = get_object_or_404(Course, slug=slug)
    if not gradebook_can_view(user=request.user, course=course):
        raise PermissionDenied
    return course


def _sort_headers(request: HttpRequest, filters: GradebookFilters) -> list[dict[str, str]]:
    """Each column's sort link: a click sorts by it, a second click reverses it."""
    headers = []
    for column in GRADEBOOK_COLUMNS:
        current = column.key == filters.sort
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = column.key
        params["dir"] = "desc" if current and not filters.descending else "asc"
        headers.append(
            {
                "label": column.label,
                "href": f"?{params.urlencode()}",
                "aria_sort": ("descending" if filters.descending else "ascending")
                if current
                else "",
            }
        )
    return headers


def _export_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _summary_context(course: Course) -> dict[str, object]:
    summary = gradebook_summary(course=course)
    completions = gradebook_completions_by_day(course=course)
    labels = charts.bucket_labels(len(summary.score_buckets))
    return {
        "summary": summary,
        "histogram": charts.score_histogram_svg(buckets=summary.score_buckets),
        "histogram_rows": list(zip(labels, summary.score_buckets, strict=True)),
        "completions_chart": charts.completions_over_time_svg(points=completions),
        "completions": completions,
    }


def _rows_html(course: Course, values: Iterable[dict]) -> list[SafeString]:
    # Each row links to /.../learners/<external id>/: reversed once, not once per row.
    prefix = reverse("gradebook:learner", args=[course.slug, "-"])[:-2]
    tz = timezone.get_current_timezone()
    return [
        table_row_html(GradebookRow.from_values(row), learner_url_prefix=prefix, tz=tz)
        for row in values
    ]


def _summary_html(course: Course) -> str:
    """The summary card, rendered once per change of the course's results (with a shared
    cache): at 10,000 learners its figures and charts cost more than the rest of the page."""
    seconds = settings.GRADEBOOK_SUMMARY_CACHE_SECONDS
    name = results_cache_name(course.pk)
    version, html = versioned_get(name) if seconds else (None, None)
    if html is None:
        html = render_to_string("gradebook/_summary.html", _summary_context(course))
        if seconds:
            versioned_put(name, version, html, seconds=seconds)
    return html


@require_GET
@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    if not gradebook_can_view_any(user=request.user):
        raise PermissionDenied
    return render(
        request, "gradebook/course_list.html", {"courses": gradebook_course_list(user=request.user)}
    )


@require_GET
@login_required
def course_gradebook(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    form = GradebookFilterForm(request.GET)
    filters = form.to_filters()
    rows_queryset = gradebook_page_rows(gradebook_queryset(course=course, filters=filters))
    page = Paginator(rows_queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "course": course,
        "form": form,
        "filters": filters,
        "page": page,
        "rows_html": _rows_html(course, page.object_list),
        "headers": _sort_headers(request, filters),
        "export_query": _export_query(request),
        "results_target": RESULTS_TARGET,
    }
    # HTMX asks for the results alone when the filter form, a sort link or a page link is used.
    if request.htmx.target == RESULTS_TARGET and not request.htmx.history_restore_request:
        response = render(request, "gradebook/_results.html", {**context, "oob": True})
    else:
        context["summary_html"] = _summary_html(course)
        response = render(request, "gradebook/course.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
@login_required
def learner_detail(request: HttpRequest, slug: str, external_id: str) -> HttpResponse:
    course = _course_for(request, slug)
    row = gradebook_row_get(course=course, external_id=external_id)
    if row is None:
        raise Http404("No such learner in this course.")
    return render(
        request,
        "gradebook/learner.html",
        {
            "course": course,
            "row": row,
            "attempts": learner_attempts(row=row),
            "show_raw_cmi": gradebook_can_view_raw_cmi(user=request.user),
        },
    )


@require_GET
@login_required
def export_gradebook(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    return gradebook_csv_response(
        course=course, filters=GradebookFilterForm(request.GET).to_filters()
    )


@require_GET
@login_required
def export_attempts(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for(request, slug)
    return attempts_csv_response(
        course=course, filters=GradebookFilterForm(request.GET).to_filters()
    )


@require_POST
@login_required
def refresh_attempt(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """Pull one remote attempt's result from its provider, for when a postback was missed."""
    attempt = get_object_or_404(
        Attempt.objects.select_related(
            "enrollment__course", "enrollment__learner__user", "package"
        ),
        pk=attempt_id,
    )
    course = attempt.enrollment.course
    if not gradebook_can_view(user=request.user, course=course):
        raise PermissionDenied
    if not provider_is_remote(attempt.provider):
        return HttpResponseBadRequest(
            "This attempt is tracked by the LMS itself: nothing to refresh."
        )
    error = ""
    try:
        attempt_refresh(attempt=attempt, force=True)
    except ProviderError as exc:
        logger.warning("Refreshing attempt %s failed: %s", attempt.pk, exc)
        error = exc.message
    if request.htmx:
        return render(
            request,
            "gradebook/_attempt_row.html",
            {
                "course": course,
                "detail": learner_attempt_get(attempt_id=attempt.pk),
                "error": error,
                "refreshed": not error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Attempt {attempt.number}: results refreshed.")
    return redirect(
        "gradebook:learner", slug=course.slug, external_id=attempt.enrollment.learner.external_id
    )
