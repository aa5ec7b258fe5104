"""Write the demo courses' SCORM zips (see ``courses.demo``) to disk, one line per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.demo import DEMO_COURSES, build_demo_zip


class Command(BaseCommand):
    help = (
        "Build the demo SCORM packages from their sources in courses/demo/ and print their paths."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "slugs",
            nargs="*",
            metavar="slug",
            help=f"Courses to build (default: all): {', '.join(DEMO_COURSES)}.",
        )
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Where to write <slug>.zip (default: var/demo/).",
        )

    def handle(self, *args: Any, slugs: list[str], output_dir: Path | None, **options: Any) -> None:
        unknown = sorted(set(slugs) - DEMO_COURSES.keys())
        if unknown:
            raise CommandError(
                f"Unknown demo course: {', '.join(unknown)}. Known: {', '.join(DEMO_COURSES)}."
            )
        output_dir = output_dir or Path(settings.VAR_DIR) / "demo"
        output_dir.mkdir(parents=True, exist_ok=True)
        for slug in slugs or DEMO_COURSES:
            path = output_dir / f"{slug}.zip"
            path.write_bytes(build_demo_zip(slug))
            self.stdout.write(str(path))
