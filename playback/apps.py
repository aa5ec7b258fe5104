from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    """Everything that arrives from outside: the local player's pages, content and run-time
    commits, the providers' result notifications, and dispatches to other LMSs."""

    name = "playback"
    verbose_name = "Playback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the content origin's system checks)
