"""The local run-time's routes: answered before the cookie middleware (see
:class:`playback.middleware.RuntimeRoutesMiddleware`), and named in the ``playback`` namespace
(``playback.urls`` includes them)."""

from django.urls import path

from . import views

#: Every route below starts with it: other requests are not resolved here.
PREFIX = "/play/local/"

urlpatterns = [
    path("play/local/session/", views.session, name="local_session"),
    path("play/local/activity/", views.activity, name="local_activity"),
    path("play/local/commit/", views.commit, name="local_commit"),
]
