"""Fill a course with many learners and attempts fast (bulk_create, no password hashing), and
rebuild stored results after writes made behind the application's back.

Shared by the query-count tests and ``benchmarks/gradebook.py``. Needs a database that returns
primary keys from bulk_create (SQLite 3.35+, PostgreSQL).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Course, Package
from enrollments.models import Attempt, Enrollment, Learner
from enrollments.services import course_results_rebuild
from providers.types import Completion, Success

BATCH = 2000


def rebuilt(course: Course) -> Course:
    """Attempts made by factories are written behind the application's back: recompute the
    course's stored results from them, as ``manage.py rebuild_gradebook`` does."""
    course_results_rebuild(course=course)
    return course


def course_fill(
    *,
    course: Course,
    package: Package,
    learners: int,
    attempts_per_learner: int = 1,
    prefix: str = "bulk",
    idle_every: int = 10,
    seed: int = 0,
) -> None:
    """Enrol ``learners`` new learners in ``course``, each with ``attempts_per_learner``
    attempts of mixed results, except every ``idle_every``-th learner, who never started
    (0: everyone started). Bulk writes bypass the services: the course's stored results are
    rebuilt at the end, as ``manage.py rebuild_gradebook`` would."""
    rng = random.Random(seed)
    User = get_user_model()
    now = timezone.now()
    for start in range(0, learners, BATCH):
        size = min(BATCH, learners - start)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}{start + i:06d}",
                    first_name=f"First{start + i}",
                    last_name=f"Last{start + i}",
                    email=f"{prefix}{start + i}@example.com",
                    password="!",  # unusable: skips hashing
                )
                for i in range(size)
            ]
        )
        learner_rows = Learner.objects.bulk_create([Learner(user=user) for user in users])
        enrollments = Enrollment.objects.bulk_create(
            [Enrollment(learner=learner, course=course) for learner in learner_rows]
        )
        attempts = []
        for index, enrollment in enumerate(enrollments):
            if idle_every and (start + index) % idle_every == idle_every - 1:
                continue
            for number in range(1, attempts_per_learner + 1):
                started = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
                roll = rng.random()
                completed = roll < 0.7
                success = (
                    Success.PASSED
                    if roll < 0.4
                    else Success.FAILED
                    if roll < 0.55
                    else Success.UNKNOWN
                )
                attempts.append(
                    Attempt(
                        enrollment=enrollment,
                        package=package,
                        number=number,
                        provider=course.provider,
                        is_open=not completed,
                        completion=Completion.COMPLETED if completed else Completion.INCOMPLETE,
                        success=success,
                        score_scaled=round(rng.random(), 2) if roll < 0.9 else None,
                        seconds_tracked=rng.randint(30, 7200),
                        first_accessed_at=started,
                        last_accessed_at=started + timedelta(minutes=rng.randint(1, 120)),
                        completed_at=started + timedelta(minutes=rng.randint(1, 120))
                        if completed
                        else None,
                    )
                )
        Attempt.objects.bulk_create(attempts, batch_size=BATCH)
    course_results_rebuild(course=course)
