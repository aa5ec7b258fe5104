"""The SCORM provider layer: one small interface, one module per provider.

Views and services talk to :func:`get_provider` and the dataclasses in :mod:`.types`; nothing
outside this package knows which provider plays a course.
"""

from .base import ScormProvider
from .exceptions import ProviderError
from .registry import get_provider, provider_choices

__all__ = ["ProviderError", "ScormProvider", "get_provider", "provider_choices"]
