"""The project's URLs, and the baseline every benchmark figure is a ratio of."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from lms.urls import urlpatterns as project_urlpatterns


@never_cache
@login_required
def noop(request: HttpRequest) -> HttpResponse:
    """What every learner request costs before the view's own work: the middleware, the
    session and the user."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/noop/", noop, name="bench_noop"), *project_urlpatterns]
