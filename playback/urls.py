from django.urls import path

from . import hooks, views

app_name = "playback"

urlpatterns = [
    path("play/local/launch/<str:token>/", views.player, name="local_player"),
    path("play/local/commit/", views.commit, name="local_commit"),
    path("play/local/content/<uuid:attempt_id>/<path:path>", views.content, name="local_content"),
    path("hooks/<slug:provider>/", hooks.notification, name="notification"),
]
