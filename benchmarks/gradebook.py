"""Gradebook benchmark: page time at 10 and at 10,000 learners, export time and peak memory.

    .venv/bin/python benchmarks/gradebook.py [--learners 10000] [--attempts 10]

It builds a throwaway SQLite database in a temporary folder (or uses BENCHMARK_DATABASE_URL,
which should point at an empty database: the script adds users and courses to it), fills one
course first with 10 learners and then with the rest, each with ``--attempts`` attempts, and
renders the pages through Django's test client as the course's instructor. Export memory is
traced with tracemalloc while the streamed response is read to the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django(database_url: str) -> None:
    # Before django.setup(): settings read DATABASE_URL once, and the real environment wins
    # over .env, so the benchmark never touches the development database.
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG keeps every query in memory and would skew the figures
    # A throwaway run has no collected static files; WhiteNoise's warning about it is noise.
    warnings.filterwarnings("ignore", message="No directory at")


def _timed(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs, in milliseconds."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--attempts", type=int, default=10, help="attempts per learner")
    parser.add_argument("--repeat", type=int, default=5, help="page renders per measure")
    options = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="gradebook-bench-")
    _setup_django(
        os.environ.get("BENCHMARK_DATABASE_URL") or f"sqlite:///{workdir.name}/bench.sqlite3"
    )

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from courses.models import Course, Package
    from enrollments.models import Attempt
    from tests.gradebook.bulk import course_fill

    call_command("migrate", verbosity=0)
    instructor = get_user_model()(username="bench-instructor")
    instructor.set_unusable_password()
    instructor.save()
    course = Course.objects.create(title="Benchmark course", slug="benchmark", provider="local")
    course.instructors.add(instructor)
    package = Package.objects.create(
        course=course,
        version=1,
        file="packages/uploads/bench.zip",
        sha256="0" * 64,
        size=1,
        standard=Package.Standard.SCORM_2004_4,
        status=Package.Status.READY,
    )
    client = Client()
    client.force_login(instructor)
    page_url = reverse("gradebook:course", args=[course.slug])
    sorted_url = f"{page_url}?sort=score&dir=desc&status=passed&page=3"
    exports = {
        "gradebook CSV": reverse("gradebook:export_gradebook", args=[course.slug]),
        "attempts CSV": reverse("gradebook:export_attempts", args=[course.slug]),
    }

    def get(url: str) -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return b"".join(response.streaming_content) if response.streaming else response.content

    def read_export(url: str) -> tuple[int, int]:
        """(rows, bytes) of a streamed export, read chunk by chunk as a server would."""
        rows = size = 0
        for chunk in client.get(url).streaming_content:
            rows += chunk.count(b"\n")
            size += len(chunk)
        return rows - 1, size

    def page(label: str, url: str) -> None:
        get(url)  # warm up templates and caches
        with CaptureQueriesContext(connection) as queries:
            get(url)
        count = len(queries)  # read it now: the next request clears the query log
        print(f"{label:<38} {_timed(lambda: get(url), options.repeat):8.1f} ms  {count:2d} queries")

    def measure(label: str) -> None:
        learners = course.enrollments.count()
        attempts = Attempt.objects.filter(enrollment__course=course).count()
        print(f"\n== {label}: {learners:,} learners, {attempts:,} attempts ==")
        page("gradebook page (default sort)", page_url)
        page("gradebook page (score desc, passed, p3)", sorted_url)
        learner = course.enrollments.select_related("learner").last().learner
        page(
            "learner detail", reverse("gradebook:learner", args=[course.slug, learner.external_id])
        )
        for name, url in exports.items():
            start = time.perf_counter()
            rows, size = read_export(url)
            elapsed = (time.perf_counter() - start) * 1000
            tracemalloc.start()
            read_export(url)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{name:<15} {rows:>9,} rows {size / 1e6:5.1f} MB {elapsed:9.1f} ms  "
                f"peak traced memory {peak / 1e6:5.2f} MB"
            )

    fill_start = time.perf_counter()
    course_fill(
        course=course,
        package=package,
        learners=10,
        attempts_per_learner=options.attempts,
        prefix="s",
        idle_every=0,
    )
    measure("10 learners")
    course_fill(
        course=course,
        package=package,
        learners=options.learners - 10,
        attempts_per_learner=options.attempts,
        prefix="l",
        idle_every=0,
        seed=1,
    )
    print(f"\n(filled in {time.perf_counter() - fill_start:.1f} s)")
    measure(f"{options.learners:,} learners")
    print(f"\nDatabase: {connection.vendor} {connection.settings_dict['NAME']}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
