"""The content origin's only routes (see playback.middleware)."""

from django.urls import path

from . import content_views

urlpatterns = [
    path("content/launch/", content_views.launcher, name="content_launcher"),
    path("content/authorize/", content_views.authorize, name="content_authorize"),
    path("content/p/<int:package_id>/<path:path>", content_views.package_file, name="package_file"),
    # Asked by nginx only (SCORM_CONTENT_DELIVERY=auth-request), never by a browser.
    path("content/grant/<int:package_id>/", content_views.package_grant, name="package_grant"),
]
