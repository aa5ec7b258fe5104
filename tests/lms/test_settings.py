"""Settings: everything read from the environment is documented, and production is strict."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_in_env_example():
    source = (ROOT / "lms" / "settings.py").read_text()
    read = set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern found no variables: it is broken"
    assert read - documented == set()


def _run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 64 + "-a-long-production-secret-with-enough-variety-1234567890",
    "ALLOWED_HOSTS": "lms.example.com",
    "DATABASE_URL": "sqlite:////tmp/lms-deploy-check.sqlite3",
    "SITE_URL": "https://lms.example.com",
    "SCORM_CONTENT_ORIGIN": "https://lms-content.example.net",
}


def test_check_deploy_is_clean_under_production_settings():
    result = _run_with(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("origin", "error"),
    [
        ("", "playback.E001"),  # no content origin at all
        ("http://lms-content.example.net", "playback.E002"),  # not https
        ("https://lms-content.example.net/path", "playback.E002"),  # not an origin
        ("https://lms.example.com", "playback.E003"),  # the LMS itself
        ("https://content.example.com", "playback.E003"),  # a sibling subdomain: same site
        # github.io is a public suffix (PSL private section): the site is user.github.io
        ("https://content.user.github.io", "playback.E003"),
    ],
)
def test_check_deploy_reports_a_content_origin_on_the_lms_site(origin, error):
    site = "https://user.github.io" if "github" in origin else "https://lms.example.com"
    environment = {**PRODUCTION, "SCORM_CONTENT_ORIGIN": origin, "SITE_URL": site}
    result = _run_with(environment, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert error in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    result = _run_with({k: v for k, v in PRODUCTION.items() if k != missing}, "check")
    assert result.returncode != 0
    assert f"Production settings need: {missing}" in result.stderr


PRODUCTION_S3_AND_WORKER = {
    **PRODUCTION,
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "FILE_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
    "AWS_STORAGE_BUCKET_NAME": "lms-packages",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "SCORM_CONTENT_DELIVERY": "redirect",
    "LOG_FORMAT": "json",
}


def test_check_deploy_is_clean_with_s3_storage_and_a_worker():
    """README's Production section: the S3 and worker settings pass ``check --deploy``."""
    result = _run_with(PRODUCTION_S3_AND_WORKER, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_s3_storage_needs_a_bucket():
    environment = {**PRODUCTION_S3_AND_WORKER, "AWS_STORAGE_BUCKET_NAME": ""}
    result = _run_with(environment, "check")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr
