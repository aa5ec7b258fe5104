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
}


def test_check_deploy_is_clean_under_production_settings():
    result = _run_with(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    result = _run_with({k: v for k, v in PRODUCTION.items() if k != missing}, "check")
    assert result.returncode != 0
    assert f"Production settings need: {missing}" in result.stderr
