"""Recompute every enrolment's stored result from its attempts (after a bulk load, a restore,
or anything else written behind the application's back)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from enrollments.services import results_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the learners' stored results (what the gradebook shows) and their names "
        "from the attempts, for one course or all of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", metavar="SLUG", help="Only this course.")

    def handle(self, *args: Any, **options: Any) -> None:
        courses = Course.objects.all()
        if options["course"]:
            courses = courses.filter(slug=options["course"])
            if not courses.exists():
                raise CommandError(f"No course with the slug {options['course']!r}.")
        changed = results_rebuild(courses=courses)
        self.stdout.write(
            f"Rebuilt the gradebook of {courses.count()} course(s): {changed} row(s) changed."
        )
