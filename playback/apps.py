from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    """Everything that arrives from outside: the local player's pages, content and run-time
    commits, the providers' result notifications, and dispatches to other LMSs."""

    name = "playback"
    verbose_name = "Playback"
    default_auto_field = "django.db.models.BigAutoField"
