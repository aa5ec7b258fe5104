"""The provider layer: one small interface, one package per provider.

It imports no app of ours. Services build the dataclasses of :mod:`.types`, call the provider
that :func:`get_provider` returns, and record what it reports; nothing outside this package
knows which provider plays a course.
"""

from .base import ScormProvider
from .exceptions import ProviderError
from .registry import all_providers, get_provider, provider_choices

__all__ = ["ProviderError", "ScormProvider", "all_providers", "get_provider", "provider_choices"]
