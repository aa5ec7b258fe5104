"""SCORM Cloud v2 (Rustici): the provider, its REST client and its postback receiver."""

from .provider import ScormCloudProvider

__all__ = ["ScormCloudProvider"]
