from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Imported for what they register: checks and signal receivers.
        from . import checks, prepared_statements, signin_lockouts  # noqa: F401
