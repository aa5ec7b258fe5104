from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import checks, prepared_statements, signin_lockouts  # noqa: F401 (registers checks and receivers)
