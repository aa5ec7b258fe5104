"""Progress-panel benchmark: what one poll costs, and how often polls reach a provider.

    .venv/bin/python benchmarks/progress_poll.py [--polls 600] [--panels 5]

Builds a throwaway SQLite database, one local attempt with a large CMI record (200
interactions) and one remote attempt whose provider counts its calls, then polls each panel
through Django's test client as the learner would (HTMX requests). Prints the latency per
poll (median and 95th percentile), the queries per poll, and, for the remote attempt polled
by several panels at once, how many provider calls the polls caused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url  # before setup: never the development database
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=600, help="polls per panel")
    parser.add_argument("--panels", type=int, default=5, help="open panels on the remote attempt")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        _setup_django(f"sqlite:///{folder}/bench.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(options.polls, options.panels)


def run(polls: int, panels: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from enrollments import tasks
    from enrollments.services import learner_get_or_create
    from playback.models import ActivityState
    from providers import get_provider
    from providers.normalise import normalise_progress
    from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory

    user = UserFactory(username="bench")
    learner = learner_get_or_create(user=user)
    local = AttemptFactory(
        enrollment=EnrollmentFactory(learner=learner, course=CourseFactory(provider="local"))
    )
    ActivityState.objects.create(
        attempt=local,
        activity="index",
        collections={  # where the run-time keeps them (playback.models.ActivityState)
            **{f"cmi.interactions.{i}.id": f"q{i}" for i in range(200)},
            **{f"cmi.interactions.{i}.result": "correct" for i in range(200)},
        },
        suspend_data="x" * 64_000,
    )
    remote = AttemptFactory(
        enrollment=EnrollmentFactory(learner=learner, course=CourseFactory(provider="scorm_cloud"))
    )

    # The remote provider answers from memory and counts how often it is asked.
    calls = {"fetch_progress": 0}
    provider = get_provider("scorm_cloud")

    def fetch_progress(attempt, quick=False):
        calls["fetch_progress"] += 1
        return normalise_progress(completion_status="INCOMPLETE")

    provider.fetch_progress = fetch_progress
    tasks.attempt_refresh_task.delay = tasks.attempt_refresh_task  # no broker: run in-process

    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(user)

    def poll(attempt) -> tuple[float, int]:
        url = reverse("enrollments:attempt_progress", kwargs={"attempt_id": attempt.pk})
        connection.queries_log.clear()  # the log keeps 9000 queries: counts would drift
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"poll answered {response.status_code}")
        return elapsed, len(queries)

    def report(label: str, samples: list[tuple[float, int]]) -> None:
        timings = sorted(t for t, _ in samples)
        p95 = timings[int(len(timings) * 0.95) - 1]
        query_counts = sorted({q for _, q in samples})
        note = "  (the larger: polls that ran a refresh)" if len(query_counts) > 1 else ""
        print(
            f"{label:<44} median {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms"
            f"   queries/poll {'/'.join(map(str, query_counts))}{note}"
        )

    print(f"{polls} polls per panel\n")
    report("local attempt, 64 KB suspend_data, 200 items", [poll(local) for _ in range(polls)])

    started = time.perf_counter()
    remote_samples = [poll(remote) for _ in range(polls) for _ in range(panels)]
    seconds = time.perf_counter() - started
    report(f"remote attempt, {panels} panels polling", remote_samples)
    print(
        f"\nremote: {len(remote_samples)} polls in {seconds:.1f} s caused "
        f"{calls['fetch_progress']} provider calls (at most one per "
        f"SCORM_REFRESH_MIN_INTERVAL_SECONDS per attempt)"
    )


if __name__ == "__main__":
    main()
