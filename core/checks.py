"""System checks of the production settings this app owns: storage, content delivery, worker.

``manage.py check --deploy`` reports them; the S3 and worker settings are in README's
Production section.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DELIVERIES = ("app", "redirect", "x-accel-redirect", "auth-request", "x-sendfile")
_S3 = "storages.backends.s3.S3Storage"
_LOCAL = "django.core.files.storage.FileSystemStorage"


def _storage() -> dict:
    return settings.STORAGES["default"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register(Tags.compatibility)
def content_delivery(app_configs=None, **kwargs) -> list[CheckMessage]:
    delivery = settings.SCORM_CONTENT_DELIVERY
    backend = _storage()["BACKEND"]
    if delivery not in DELIVERIES:
        return [
            Error(
                f"SCORM_CONTENT_DELIVERY is {delivery!r}.",
                hint=f"Use one of: {', '.join(DELIVERIES)}.",
                id="core.E001",
            )
        ]
    if delivery == "redirect" and backend != _S3:
        return [
            Warning(
                "SCORM_CONTENT_DELIVERY=redirect needs S3 storage to sign URLs: content is "
                "sent by the app instead.",
                hint="Use FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage, or 'app'.",
                id="core.W002",
            )
        ]
    if delivery == "auth-request" and backend != _LOCAL:
        return [
            Error(
                "SCORM_CONTENT_DELIVERY=auth-request has nginx read package files from "
                "MEDIA_ROOT, but the storage is not local: nginx would find none.",
                hint="With S3, use SCORM_CONTENT_DELIVERY=redirect.",
                id="core.E002",
            )
        ]
    if delivery in ("x-accel-redirect", "x-sendfile") and backend != _LOCAL:
        return [
            Warning(
                f"SCORM_CONTENT_DELIVERY={delivery} hands local files to the front server, but "
                "the storage is not local: content is sent by the app instead.",
                hint="With S3, use SCORM_CONTENT_DELIVERY=redirect.",
                id="core.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def storage_transport(app_configs=None, **kwargs) -> list[CheckMessage]:
    endpoint = (_storage().get("OPTIONS") or {}).get("endpoint_url") or ""
    parts = urlsplit(endpoint)
    if parts.scheme == "http" and not _loopback(parts.hostname or ""):
        return [
            Warning(
                "AWS_S3_ENDPOINT_URL is plain HTTP: packages and signed requests cross the "
                "network unencrypted.",
                hint="Use the storage service's https:// endpoint.",
                id="core.W004",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def worker_redelivery(app_configs=None, **kwargs) -> list[CheckMessage]:
    """With late acknowledgement, Redis hands a task to another worker once its visibility
    timeout passes: a task allowed to run longer would run twice."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")) or not settings.CELERY_TASK_ACKS_LATE:
        return []
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    visibility = options.get("visibility_timeout", 3600)
    limit = settings.CELERY_TASK_TIME_LIMIT
    if limit and limit >= visibility:
        return [
            Warning(
                f"CELERY_TASK_TIME_LIMIT ({limit} s) is not below "
                f"the Redis broker's visibility timeout ({visibility} s): a long import would "
                "be delivered to a second worker while the first still runs it.",
                hint="Lower the time limit or raise CELERY_BROKER_TRANSPORT_OPTIONS"
                "['visibility_timeout'].",
                id="core.W005",
            )
        ]
    return []
