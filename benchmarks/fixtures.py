"""What the benchmarks put in the database (with Django set up in-process), and the local
player's commit as the browser sends it.

The commit's body comes from :func:`commit_payload`, :func:`suspend_payload` and
:func:`bookmark_payload` alone (one shape, ``_commit``), and its launch token from :func:`launch_token` alone: when the player's
protocol changes, these change with it.
Assumed today (``POST /play/local/commit/``, text/plain JSON): ``{"token", "activity",
"sequence", "delivery", "changes": {flattened CMI elements}, "result": {rolled-up result}}``;
a commit is acknowledged with a 200 and counted as stored when the activity's CMI holds its
``cmi.location`` (the sequence number) at the end. ``BENCH_COMMIT_FORMAT=legacy`` sends the
format before the player's rewrite (``{"token", "sco", "sequence", "cmi"}``), to measure the
code as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

ACTIVITY = "sco-1"


def commit_payload(
    token: str, activity: str, sequence: int, *, size: int = 16_000, score: float | None = None
) -> dict[str, Any]:
    """Commit number ``sequence`` of a learner, carrying about ``size`` bytes of CMI (and a
    scaled ``score``, in the CMI and in the result, when given)."""
    cmi = {
        "cmi.location": str(sequence),
        "cmi.completion_status": "incomplete",
        "cmi.session_time": f"PT{sequence}S",
        "cmi.suspend_data": f"s{sequence:06d}" * (size // 7),
    }
    result: dict[str, Any] = {"completion": "incomplete", "success": "unknown"}
    if score is not None:
        cmi["cmi.score.scaled"] = str(score)
        result["scaled"] = score
    return _commit(token, activity, sequence, cmi, result)


def suspend_payload(
    token: str, activity: str, sequence: int, *, size: int = 64_000
) -> dict[str, Any]:
    """A commit that moves the bookmark and replaces about ``size`` bytes of suspend data, its
    result as stored by any earlier :func:`commit_payload` without a score (the session time
    unreported): content saving where the learner is, as it does page after page."""
    cmi = {"cmi.location": str(sequence), "cmi.suspend_data": f"s{sequence:06d}" * (size // 7)}
    result = {"completion": "incomplete", "success": "unknown"}
    return _commit(token, activity, sequence, cmi, result)


def bookmark_payload(token: str, activity: str, sequence: int) -> dict[str, Any]:
    """A commit that moves the bookmark only (``cmi.location``), its result as stored by any
    earlier :func:`commit_payload` without a score: what most commits of a session are."""
    result = {"completion": "incomplete", "success": "unknown"}
    return _commit(token, activity, sequence, {"cmi.location": str(sequence)}, result)


def _commit(
    token: str, activity: str, sequence: int, cmi: dict[str, str], result: dict[str, Any]
) -> dict[str, Any]:
    if os.environ.get("BENCH_COMMIT_FORMAT") == "legacy":  # the player before issue 12/13
        return {"token": token, "sco": activity, "sequence": sequence, "cmi": cmi}
    return {
        "token": token,
        "activity": activity,
        "sequence": sequence,
        "delivery": 1,
        "changes": cmi,
        "result": result,
    }


def commit_16k(token: str, activity: str, sequence: int) -> dict[str, Any]:
    return commit_payload(token, activity, sequence, size=16_000)


def stored_sequence(attempt_id: Any) -> int | None:
    """The newest commit the database holds for the attempt (by the activity's location)."""
    from playback.models import ActivityState

    cmi = (
        ActivityState.objects.filter(attempt_id=attempt_id, activity=ACTIVITY)
        .values_list("cmi", flat=True)
        .first()
    )
    location = (cmi or {}).get("cmi.location")
    return int(location) if isinstance(location, str) and location.isdigit() else None


def launch_token(attempt: Any) -> str:
    """A launch token for the attempt's first launch, as Play would mint it."""
    from enrollments.models import Attempt
    from providers.local.tokens import launch_token_create

    Attempt.objects.filter(pk=attempt.pk).update(launch_count=1)
    return launch_token_create(
        attempt_id=str(attempt.pk),
        learner_id=attempt.enrollment.learner.external_id,
        launch=1,
        exit_url="http://127.0.0.1/exit/",
        review=False,
    )


def local_course(slug: str = "bench") -> Any:
    """A published course on the local player with a ready SCORM 2004 package of one SCO."""
    from courses.models import Course, Package, Sco

    course = Course.objects.create(title="Benchmark course", slug=slug, provider="local")
    package = Package.objects.create(
        course=course,
        version=1,
        file="packages/uploads/bench.zip",
        sha256="0" * 64,
        size=1,
        standard=Package.Standard.SCORM_2004_4,
        status=Package.Status.READY,
        provider="local",
    )
    Sco.objects.create(
        package=package, position=0, identifier=ACTIVITY, title="Lesson", href="index.html"
    )
    return course


@dataclass(frozen=True)
class Seeded:
    attempt_id: str
    cookie: str
    token: str


def learners(course: Any, count: int, *, prefix: str = "learner") -> list[Seeded]:
    """``count`` learners enrolled in ``course``, each with an open attempt, a session and a
    launch token."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from enrollments.models import Attempt
    from enrollments.services import attempt_start, enrollment_create, learner_get_or_create

    seeded = []
    User = get_user_model()
    for index in range(count):
        user = User(username=f"{prefix}{index:05d}", first_name="Bench", last_name=f"L{index}")
        user.set_unusable_password()
        user.save()
        enrollment = enrollment_create(learner=learner_get_or_create(user=user), course=course)
        attempt = attempt_start(enrollment=enrollment)
        Attempt.objects.filter(pk=attempt.pk).update(first_accessed_at=timezone.now())
        client = Client()
        client.force_login(user)
        seeded.append(
            Seeded(
                attempt_id=str(attempt.pk),
                cookie=client.cookies[settings.SESSION_COOKIE_NAME].value,
                token=launch_token(attempt),
            )
        )
    return seeded


def large_cmi(attempt_id: str, size: int = 64_000) -> None:
    """The attempt's activity holds ``size`` bytes of CMI (the poll must not read it)."""
    from playback.models import ActivityState

    ActivityState.objects.update_or_create(
        attempt_id=attempt_id,
        activity=ACTIVITY,
        defaults={  # where the run-time keeps them (playback.models.ActivityState)
            "collections": {
                **{f"cmi.interactions.{i}.id": f"q{i}" for i in range(200)},
                **{f"cmi.interactions.{i}.result": "correct" for i in range(200)},
            },
            "suspend_data": "x" * size,
        },
    )
