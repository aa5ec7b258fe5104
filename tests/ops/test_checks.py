"""System checks of the storage, content delivery and worker settings."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks


def _ids(deploy: bool = True) -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=deploy)}


def _s3(settings, **options) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }


def test_the_defaults_raise_nothing_of_ours():
    assert not {i for i in _ids() if i.startswith("core.")}


def test_an_unknown_delivery_is_an_error(settings):
    settings.SCORM_CONTENT_DELIVERY = "carrier-pigeon"
    assert "core.E001" in _ids(deploy=False)


def test_redirect_without_s3_is_a_warning(settings):
    settings.SCORM_CONTENT_DELIVERY = "redirect"
    assert "core.W002" in _ids(deploy=False)
    _s3(settings, bucket_name="b")
    assert "core.W002" not in _ids(deploy=False)


def test_front_server_delivery_without_local_files_is_a_warning(settings):
    settings.SCORM_CONTENT_DELIVERY = "x-accel-redirect"
    assert "core.W003" not in _ids(deploy=False)
    _s3(settings, bucket_name="b")
    assert "core.W003" in _ids(deploy=False)


def test_auth_request_without_local_files_is_an_error(settings):
    settings.SCORM_CONTENT_DELIVERY = "auth-request"
    assert not {i for i in _ids() if i.startswith("core.")}
    _s3(settings, bucket_name="b")
    assert "core.E002" in _ids(deploy=False)


@pytest.mark.parametrize(
    ("endpoint", "warned"),
    [
        ("http://minio.internal:9000", True),
        ("https://minio.internal:9000", False),
        ("http://127.0.0.1:9000", False),
        (None, False),
    ],
)
def test_a_plain_http_storage_endpoint_is_a_deploy_warning(settings, endpoint, warned):
    _s3(settings, bucket_name="b", endpoint_url=endpoint)
    assert ("core.W004" in _ids()) is warned


def test_a_task_time_limit_past_redis_redelivery_is_a_deploy_warning(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert "core.W005" not in _ids()
    settings.CELERY_TASK_TIME_LIMIT = 2 * 60 * 60
    assert "core.W005" in _ids()
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 60 * 60}
    assert "core.W005" not in _ids()
