"""Builds the provider instances from ``settings.SCORM_PROVIDERS``."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import ScormProvider


@cache
def _providers() -> dict[str, ScormProvider]:
    providers: dict[str, ScormProvider] = {}
    for identifier, dotted_path in settings.SCORM_PROVIDERS.items():
        provider = import_string(dotted_path)()
        if provider.identifier != identifier:
            raise ImproperlyConfigured(
                f"SCORM_PROVIDERS[{identifier!r}] points at a provider named {provider.identifier!r}."
            )
        providers[identifier] = provider
    return providers


def get_provider(identifier: str) -> ScormProvider:
    try:
        return _providers()[identifier]
    except KeyError:
        raise ImproperlyConfigured(
            f"No SCORM provider {identifier!r} in SCORM_PROVIDERS."
        ) from None


def all_providers() -> list[ScormProvider]:
    return list(_providers().values())


def provider_choices() -> list[tuple[str, str]]:
    return [(p.identifier, p.verbose_name) for p in _providers().values()]


def reset_registry() -> None:
    """Forget built providers (tests that change SCORM_PROVIDERS or provider settings)."""
    _providers.cache_clear()
