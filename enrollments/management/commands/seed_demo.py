"""Fill a development database with the demo courses and three demo accounts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.origins import configured_content_origin, derived_content_origin
from courses.demo import DEMO_COURSES, build_demo_zip
from courses.models import Course
from courses.services import package_create
from enrollments.services import enrollment_create, learner_get_or_create

# Development-only logins, printed by the command. It refuses to run with DEBUG off.
DEMO_ACCOUNTS = {
    "admin": {
        "password": "admin-demo",
        "is_staff": True,
        "is_superuser": True,
        "first_name": "Ada",
        "last_name": "Admin",
    },
    "instructor": {"password": "instructor-demo", "first_name": "Ines", "last_name": "Instructor"},
    "learner": {"password": "learner-demo", "first_name": "Lea", "last_name": "Learner"},
}


class Command(BaseCommand):
    help = "Create the demo courses (built from courses/demo) and demo admin, instructor and learner accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="The URL to print.")

    def handle(self, *args, url: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with known passwords: it runs only with DEBUG on."
            )
        users = {name: self._user(name, **spec) for name, spec in DEMO_ACCOUNTS.items()}
        learner = learner_get_or_create(user=users["learner"])
        for demo in DEMO_COURSES.values():
            with transaction.atomic():
                course, created = Course.objects.get_or_create(
                    slug=demo.slug,
                    defaults={
                        "title": demo.title,
                        "description": demo.description,
                        "provider": settings.SCORM_DEFAULT_PROVIDER,
                        "is_published": True,
                        "self_enrollment": True,
                        "max_attempts": 3,
                    },
                )
                course.instructors.add(users["instructor"])
                if not course.packages.exists():
                    upload = ContentFile(build_demo_zip(demo.slug), name=f"{demo.slug}.zip")
                    package_create(course=course, upload=upload, uploaded_by=users["admin"])
                enrollment_create(learner=learner, course=course, enrolled_by=users["admin"])
            self.stdout.write(f"{'Created' if created else 'Found'} course: {course.title}")

        self.stdout.write(self.style.SUCCESS(f"\nThe LMS runs at {url}"))
        if content := configured_content_origin() or derived_content_origin(url):
            self.stdout.write(f"Package content plays from {content} (an origin of its own)")
        for name, spec in DEMO_ACCOUNTS.items():
            self.stdout.write(f"  {name:<11} password: {spec['password']}")

    def _user(self, username: str, *, password: str, **fields):
        user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(password)
            user.save()
        return user
