from .provider import ScormCloudProvider

__all__ = ["ScormCloudProvider"]
