from django.urls import path

from . import hooks, preview_views, runtime_urls

app_name = "playback"

urlpatterns = [
    *runtime_urls.urlpatterns,  # answered by playback.middleware.RuntimeRoutesMiddleware
    path("hooks/<slug:provider>/", hooks.notification, name="notification"),
    path(
        "preview/packages/<int:package_id>/", preview_views.package_preview, name="package_preview"
    ),
    path("preview/ended/", preview_views.preview_ended, name="preview_ended"),
]
