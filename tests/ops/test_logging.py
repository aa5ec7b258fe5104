"""LOG_FORMAT=json: one JSON object per log line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from core.jsonlog import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord(
        "courses.services", logging.WARNING, __file__, 1, "Import of %s failed", (7,), None
    )
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_line_of_json_with_its_extras():
    line = JsonFormatter().format(_record(package_id=7, path=Path("/x")))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "courses.services"
    assert entry["message"] == "Import of 7 failed"
    assert entry["time"].endswith("+00:00")
    assert (entry["package_id"], entry["path"]) == (7, "/x")


def test_a_traceback_stays_inside_the_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exc_info"]


def test_the_setting_switches_every_log_line_to_json():
    script = "import logging; logging.getLogger('courses').warning('hello %s', 'world')"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "lms.settings",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"logger": "courses", "message": "hello world"}.items() <= lines[-1].items()
