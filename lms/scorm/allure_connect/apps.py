from django.apps import AppConfig


class AllureConnectConfig(AppConfig):
    """The AllureConnect provider as a Django app: its dispatch records, their admin and the
    ``register_allure_webhook`` command."""

    name = "lms.scorm.allure_connect"
    label = "allure_connect"
    verbose_name = "AllureConnect"
    default_auto_field = "django.db.models.BigAutoField"
