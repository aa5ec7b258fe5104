"""The Procfile: what honcho (or any Procfile runner) starts in production."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    """Process type -> command, as Procfile runners read the file."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(
        match.groups() for line in lines if (match := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line))
    )


def test_the_procfile_runs_the_wsgi_app_and_the_worker():
    processes = procfile()
    assert set(processes) == {"web", "worker"}  # no periodic task: no beat
    assert processes["web"].startswith("gunicorn lms.wsgi ")
    assert "${PORT:-8000}" in processes["web"]  # honcho and platforms hand each web its port
    assert processes["worker"].startswith("celery -A lms worker ")
    # gunicorn's own lines follow LOG_FORMAT too.
    assert "--logger-class core.serverlog.GunicornLogger" in processes["web"]


def test_readme_production_section_is_what_the_multi_server_test_runs():
    from tests.ops.test_multi_server import README_COMMANDS, README_VARIABLES

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    assert [name for name in README_VARIABLES if name not in section] == []
    for command in README_COMMANDS:
        assert f"manage.py {' '.join(command)}" in section
    assert "`Procfile`" in section
