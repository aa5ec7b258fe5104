from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from providers import get_provider
from providers.local import LocalProvider
from providers.registry import provider_choices, reset_registry
from providers.scorm_cloud import ScormCloudProvider


def test_registry_returns_the_configured_providers():
    assert isinstance(get_provider("local"), LocalProvider)
    assert isinstance(get_provider("scorm_cloud"), ScormCloudProvider)
    assert ("local", LocalProvider.verbose_name) in provider_choices()


def test_registry_follows_settings(settings):
    settings.SCORM_PROVIDERS = {"local": "providers.local.LocalProvider"}
    reset_registry()
    assert [identifier for identifier, _ in provider_choices()] == ["local"]
    with pytest.raises(ImproperlyConfigured, match="No SCORM provider 'scorm_cloud'"):
        get_provider("scorm_cloud")


def test_registry_refuses_a_provider_under_the_wrong_name(settings):
    settings.SCORM_PROVIDERS = {"cloud": "providers.scorm_cloud.ScormCloudProvider"}
    reset_registry()
    with pytest.raises(ImproperlyConfigured, match="named 'scorm_cloud'"):
        get_provider("cloud")
