from django.urls import path

from . import hooks, preview_views, views

app_name = "playback"

urlpatterns = [
    path("play/local/session/", views.session, name="local_session"),
    path("play/local/activity/", views.activity, name="local_activity"),
    path("play/local/commit/", views.commit, name="local_commit"),
    path("hooks/<slug:provider>/", hooks.notification, name="notification"),
    path(
        "preview/packages/<int:package_id>/", preview_views.package_preview, name="package_preview"
    ),
    path("preview/ended/", preview_views.preview_ended, name="preview_ended"),
]
