"""Learners, enrolments and attempts: the domain operations, and the only writers of attempt
facts (what a provider reported, when the learner came and went).

Attempt ids are UUIDs made once by the model and never reused; a new attempt is a new row.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.background import broker_configured, run_later
from core.rows import atomic_writes, update_row
from core.shared_cache import cache_call
from courses.models import Course, Package
from providers import ProviderError, get_provider
from providers.exceptions import LaunchUnavailable
from providers.types import Completion, Launch, LaunchContext, Progress

from . import results, settling
from .grading import AttemptFacts
from .models import Attempt, Enrollment, Learner
from .panel_cache import panel_changed
from .read_budget import ReadBudgetExhausted, ReadKind, read_acquire
from .refs import attempt_ref
from .result_lock import (
    PACKAGE_REMOTE_ID,
    LockedEnrollment,
    enrollment_attempts,
    enrollment_lock,
)
from .results import RESULT_FIELDS, result_values
from .settling import SettleFacts

logger = logging.getLogger(__name__)


class AttemptNotAllowed(Exception):
    """The course's attempt policy refuses a new attempt; ``message`` is for the learner."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ApplyOutcome(StrEnum):
    """What became of a result offered to :func:`attempt_apply_progress`."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"  # the provider's revision already stored
    STALE = "stale"  # older than what is stored
    FOREIGN = "foreign"  # about another learner or package: never stored


def learner_get_or_create(*, user: AbstractBaseUser) -> Learner:
    learner, _ = Learner.objects.get_or_create(user=user)
    return learner


def enrollment_create(
    *, learner: Learner, course: Course, enrolled_by: AbstractBaseUser | None = None
) -> Enrollment:
    enrollment, _ = Enrollment.objects.get_or_create(
        learner=learner, course=course, defaults={"enrolled_by": enrolled_by}
    )
    return enrollment


def enrollment_create_many(
    *, course: Course, identifiers: list[str], enrolled_by: AbstractBaseUser
) -> tuple[list[Enrollment], list[str]]:
    """Enrol the users named by username or e-mail; returns (enrolments, names not found)."""
    enrollments, unknown = [], []
    users = get_user_model().objects
    for identifier in dict.fromkeys(i.strip() for i in identifiers if i.strip()):
        user = users.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).first()
        if user is None:
            unknown.append(identifier)
            continue
        learner = learner_get_or_create(user=user)
        enrollments.append(
            enrollment_create(learner=learner, course=course, enrolled_by=enrolled_by)
        )
    return enrollments, unknown


def _playable_package(course: Course) -> Package:
    """The newest package imported into the course's current provider and ready there."""
    package = (
        course.packages.filter(provider=course.provider, status=Package.Status.READY)
        .order_by("-version")
        .first()
    )
    if package is None:
        raise LaunchUnavailable("This course has no playable package yet.")
    return package


def _new_attempt_refusal(course: Course, attempts: list[Attempt]) -> str | None:
    """Why the course's attempt policy refuses a new attempt now, or None."""
    if (
        any(a.is_open for a in attempts)
        and course.new_attempt_rule != Course.NewAttemptRule.ANY_TIME
    ):
        return "Finish your current attempt before starting a new one."
    if course.max_attempts and len(attempts) >= course.max_attempts:
        return f"You have used all {course.max_attempts} attempts for this course."
    return None


class PlayAction(StrEnum):
    """What Play does now, said before it is pressed (attempt_start's rule)."""

    START = "Start"
    RESUME = "Resume"
    START_AGAIN = "Start again"
    REVIEW = "Review"


def attempt_play_action(*, enrollment: Enrollment, attempts: list[Attempt]) -> PlayAction:
    """``attempts``: the enrolment's. Resume the open attempt; start the first or a next one
    when the course's policy allows it; otherwise the last one opens again, in review."""
    if any(a.is_open for a in attempts):
        return PlayAction.RESUME
    if not attempts:
        return PlayAction.START
    if _new_attempt_refusal(enrollment.course, attempts) is None:
        return PlayAction.START_AGAIN
    return PlayAction.REVIEW


def attempt_can_start_new(*, enrollment: Enrollment, attempts: list[Attempt]) -> bool:
    """Whether the learner may start another attempt now (``attempts``: the enrolment's)."""
    return bool(attempts) and _new_attempt_refusal(enrollment.course, attempts) is None


@transaction.atomic
def attempt_start(*, enrollment: Enrollment, force_new: bool = False) -> Attempt:
    """The attempt Play should launch: the open one, or a new one when none is open or the
    learner asks for one and the course's policy allows it. With no attempts left, the last
    one opens again (in review)."""
    # Lock the enrolment so two Play clicks cannot open two attempts (and so its stored result
    # is written by one transaction at a time).
    locked = enrollment_lock(enrollment.pk)
    course = enrollment.course
    attempts = list(enrollment.attempts.order_by("number"))
    open_attempt = next((a for a in reversed(attempts) if a.is_open), None)
    if open_attempt and not force_new:
        return open_attempt
    refusal = _new_attempt_refusal(course, attempts)
    if refusal:
        if attempts and not force_new:
            return attempts[-1]
        raise AttemptNotAllowed(refusal)
    package = _playable_package(course)
    if open_attempt:
        Attempt.objects.filter(pk=open_attempt.pk).update(is_open=False)
    attempt = Attempt.objects.create(
        enrollment=enrollment,
        package=package,
        number=(attempts[-1].number + 1) if attempts else 1,
        provider=package.provider,
    )
    _enrollment_result_store(locked, [*map(AttemptFacts.of, attempts), AttemptFacts.of(attempt)])
    return attempt


def attempt_launch(*, attempt: Attempt, context: LaunchContext) -> Launch:
    """Mint a fresh launch URL through the attempt's provider, and record the launch. The URL
    is returned, never stored.

    ``attempt`` needs ``enrollment__learner__user`` and ``package`` loaded."""
    if not attempt.package.is_ready:
        raise LaunchUnavailable("This course's package is not ready to play yet.")
    Attempt.objects.filter(pk=attempt.pk).update(launch_count=F("launch_count") + 1)
    attempt.refresh_from_db(fields=["launch_count"])
    launch = get_provider(attempt.provider).launch(attempt_ref(attempt), context)
    now = timezone.now()
    changes = {"last_accessed_at": now, "exited_at": None}
    if attempt.first_accessed_at is None:
        changes["first_accessed_at"] = now
    if launch.registered and attempt.registered_at is None:
        changes["registered_at"] = now
    with transaction.atomic():
        locked = enrollment_lock(attempt.enrollment_id)
        Attempt.objects.filter(pk=attempt.pk).update(**changes)
        _enrollment_result_store(locked, _attempt_facts(attempt.enrollment_id))
        panel_changed(attempt_id=attempt.pk)
    for name, value in changes.items():
        setattr(attempt, name, value)
    return launch


# --- The one writer of results ---------------------------------------------------------------

#: A local commit moves the attempt's last access on only when it is older than this: pages
#: show it to the minute, and most commits then write nothing to the enrolment's result.
ACCESS_RESOLUTION = timedelta(minutes=1)


def _attempt_facts(enrollment_id: int) -> list[AttemptFacts]:
    rows = Attempt.objects.filter(enrollment_id=enrollment_id).order_by()
    return [AttemptFacts(**row) for row in rows.values(*AttemptFacts.FIELDS)]


def _enrollment_result_store(enrollment: Enrollment, attempts: list[AttemptFacts]) -> bool:
    """Write the enrolment's result from all its attempts, if it changed (call it in the
    transaction that holds :func:`~enrollments.result_lock.enrollment_lock`)."""
    values = result_values(attempts, grading_method=enrollment.course.grading_method)
    changes = {name: value for name, value in values.items() if getattr(enrollment, name) != value}
    if changes:
        update_row(Enrollment, enrollment.pk, changes)
        for name, value in changes.items():
            setattr(enrollment, name, value)
        results.results_changed(course_id=enrollment.course_id)
    return bool(changes)


def _refusal(
    current: dict[str, Any], learner_id: str, progress: Progress, order: tuple[int, int] | None
) -> ApplyOutcome:
    if progress.learner_id and progress.learner_id != learner_id:
        return ApplyOutcome.FOREIGN
    if progress.package_remote_id and progress.package_remote_id != current[PACKAGE_REMOTE_ID]:
        return ApplyOutcome.FOREIGN
    if order is not None and order <= (current["commit_launch"], current["commit_sequence"]):
        return ApplyOutcome.STALE
    revision, stored_revision = progress.revision, current["remote_revision"]
    if revision is not None and stored_revision is not None:
        if revision == stored_revision:
            return ApplyOutcome.UNCHANGED
        if revision < stored_revision:
            return ApplyOutcome.STALE
    stored_updated = current["remote_updated_at"]
    if (
        progress.updated_at is not None
        and stored_updated is not None
        and progress.updated_at < stored_updated
    ):
        return ApplyOutcome.STALE
    return ApplyOutcome.APPLIED


def _result_changes(
    current: dict[str, Any], progress: Progress, order: tuple[int, int] | None, now: datetime
) -> dict[str, Any]:
    """The attempt's columns that ``progress`` changes."""
    new = {
        "completion": progress.completion.value,
        "success": progress.success.value,
        "score_scaled": progress.score.scaled,
        "score_raw": progress.score.raw,
        "score_min": progress.score.min,
        "score_max": progress.score.max,
    }
    if progress.seconds is not None:
        new["seconds_tracked"] = progress.seconds
    if progress.activities_total is not None:
        new["activities_completed"] = progress.activities_completed
        new["activities_total"] = progress.activities_total
    if progress.updated_at is not None:
        new["remote_updated_at"] = progress.updated_at
    if progress.revision is not None:
        new["remote_revision"] = progress.revision
    if order is not None:
        new["commit_launch"], new["commit_sequence"] = order
        last = current["last_accessed_at"]
        if last is None or now - last >= ACCESS_RESOLUTION:
            new["last_accessed_at"] = now
    if progress.completion is Completion.COMPLETED:
        # Ends the attempt, unless the learner suspended it (then it resumes: a launch that
        # completed the course and then suspended it opens it again).
        new["is_open"] = progress.suspended
        new["completed_at"] = current["completed_at"] or progress.completed_at or now
        new["completion_seen_at"] = current["completion_seen_at"] or now
    changes = {name: value for name, value in new.items() if current.get(name, object()) != value}
    if progress.raw:
        changes["provider_result"] = dict(progress.raw)
    changes["last_synced_at"] = now
    return changes


#: What the writer does on every write whether or not the result changed.
_BOOKKEEPING = frozenset({"last_synced_at", "provider_result", "commit_launch", "commit_sequence"})


#: The attempt's columns :func:`attempt_progress_is_new` compares (a caller reads them fresh).
PROGRESS_FIELDS = (
    "is_open",
    "completion",
    "success",
    "score_scaled",
    "score_raw",
    "score_min",
    "score_max",
    "seconds_tracked",
    "activities_completed",
    "activities_total",
    "last_accessed_at",
    "completed_at",
    "completion_seen_at",
)


def attempt_progress_is_new(*, attempt: Attempt, progress: Progress) -> bool:
    """Whether storing the local run-time's ``progress`` would change what anyone reads (the
    result, the time, the last access at its resolution). ``attempt`` must be fresh: read under
    the caller's lock (its :data:`PROGRESS_FIELDS`). Lets the local player's commits skip the
    writer's locks when nothing changed (most commits carry only a bookmark or suspend data)."""
    current = {name: getattr(attempt, name) for name in PROGRESS_FIELDS}
    changes = _result_changes(current, progress, (0, 0), timezone.now())
    return bool(changes.keys() - _BOOKKEEPING)


def attempt_apply_progress(
    *,
    attempt: Attempt,
    progress: Progress,
    source: str,
    order: tuple[int, int] | None = None,
    locked: LockedEnrollment | None = None,
) -> ApplyOutcome:
    """Store a normalised result on the attempt: the one writer of results, whatever their
    source (a local commit, a notification, a refresh). The enrolment's stored result is
    written in the same transaction. ``locked``: the attempt's enrolment (and maybe its
    attempts) when the caller's transaction already holds its lock (the local commit takes it
    with its own); locked and read here otherwise.

    A result about another learner or package is never stored; one older than what is stored
    (by the local player's ``order``, the provider's revision or its ``updated_at``) changes
    nothing, so replays and out-of-order deliveries are harmless.
    """
    # No savepoint of its own: a failure here fails the caller's transaction as a whole.
    with atomic_writes():
        enrollment = locked.enrollment if locked else enrollment_lock(attempt.enrollment_id)
        if locked and locked.attempts is not None:
            rows = locked.attempts
        else:
            rows = enrollment_attempts(attempt.enrollment_id)
        current = next(row for row in rows if row["pk"] == attempt.pk)
        outcome = _refusal(current, enrollment.learner.external_id, progress, order)
        if outcome is not ApplyOutcome.APPLIED:
            level = logging.WARNING if outcome is ApplyOutcome.FOREIGN else logging.INFO
            logger.log(level, "Ignored %s %s result for attempt %s", outcome, source, attempt.pk)
            return outcome
        now = timezone.now()
        changes = _result_changes(current, progress, order, now)
        update_row(Attempt, attempt.pk, {**changes, "updated_at": now})
        current.update(changes)
        facts = [AttemptFacts(**{name: row[name] for name in AttemptFacts.FIELDS}) for row in rows]
        _enrollment_result_store(enrollment, facts)
        panel_changed(attempt_id=attempt.pk)
    for name, value in {**changes, "updated_at": now}.items():
        setattr(attempt, name, value)
    return ApplyOutcome.APPLIED


# --- Remote results: reads within the provider's budget --------------------------------------


def _settle_facts(attempt: Attempt) -> SettleFacts:
    provider = get_provider(attempt.provider)
    return SettleFacts(
        remote=provider.remote,
        exit_window_seconds=provider.exit_settle_seconds,
        completion=attempt.completion,
        success=attempt.success,
        score_scaled=attempt.score_scaled,
        completion_seen_at=attempt.completion_seen_at,
        exited_at=attempt.exited_at,
    )


def attempt_awaits_results(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Whether a remote attempt's result may still change without the learner: it runs, its
    score may follow its completion, or it was left and the provider's exit window is open."""
    facts = _settle_facts(attempt)
    now = now or timezone.now()
    return (
        facts.remote
        and not settling.settled(facts, now=now)
        and not settling.gave_up(facts, now=now)
    )


def _read(attempt: Attempt, *, quick: bool) -> ApplyOutcome:
    """Read the attempt's result from its provider and store it (the budget already granted),
    then, with a worker, keep a completion without its score settling."""
    provider = get_provider(attempt.provider)
    progress = provider.fetch_progress(attempt_ref(attempt), quick=quick)
    outcome = attempt_apply_progress(
        attempt=attempt, progress=progress, source=f"{provider.identifier} refresh"
    )
    if attempt.completion == Completion.COMPLETED and attempt_awaits_results(attempt=attempt):
        attempt_settle_later(attempt_id=str(attempt.pk))
    return outcome


def attempt_refresh(*, attempt: Attempt, force: bool = False, quick: bool = False) -> ApplyOutcome:
    """Bring a remote attempt's result up to date from its provider, within the provider's read
    budget (:mod:`enrollments.read_budget`).

    ``force``: an explicit request (a notification, an instructor's click), served first; when
    the budget is used up it raises :class:`~enrollments.read_budget.ReadBudgetExhausted`
    (a provider error: the notification is delivered again later). Otherwise a refresh, read
    only in the attempt's turn (UNCHANGED when it is not)."""
    provider = get_provider(attempt.provider)
    if not provider.remote:
        return ApplyOutcome.UNCHANGED
    kind = ReadKind.NOTIFICATION if force else ReadKind.REFRESH
    grant = read_acquire(provider=provider.identifier, attempt_id=str(attempt.pk), kind=kind)
    if not grant.granted:
        if force:
            raise ReadBudgetExhausted(grant.retry_after)
        return ApplyOutcome.UNCHANGED
    return _read(attempt, quick=quick)


def _attempt_for_read(attempt_id: Any) -> Attempt | None:
    return (
        Attempt.objects.select_related("enrollment__learner__user", "package")
        .defer("provider_result")
        .filter(pk=attempt_id)
        .first()
    )


def attempt_read_granted(*, attempt_id: Any, quick: bool = False) -> ApplyOutcome | None:
    """Read an attempt whose read the budget already granted (a queued refresh)."""
    attempt = _attempt_for_read(attempt_id)
    return _read(attempt, quick=quick) if attempt else None


def attempt_request_refresh(*, attempt_id: Any, provider: str) -> bool:
    """A progress poll of a remote attempt whose result may still change: refresh it if it is
    the attempt's turn within the provider's budget. With a worker the read is only queued;
    without one (the embedded default) the poll reads once, quickly, and a failure waits for
    a later turn. Returns whether a read was granted."""
    grant = read_acquire(provider=provider, attempt_id=str(attempt_id), kind=ReadKind.REFRESH)
    if not grant.granted:
        return False
    if broker_configured():
        from .tasks import attempt_refresh_task  # tasks import this module

        attempt_refresh_task.delay(str(attempt_id))
        return True
    try:
        attempt_read_granted(attempt_id=attempt_id, quick=True)
    except ProviderError as err:
        logger.warning("Refresh of attempt %s failed: %s", attempt_id, err)
    return True


def attempt_settle_later(*, attempt_id: str, countdown: float | None = None) -> bool:
    """With a worker, read the attempt again in its next turn until its result settles (see
    :mod:`enrollments.settling`); one chain per attempt. Without one, the panel's polls do it."""
    from .tasks import attempt_settle_task  # tasks import this module

    countdown = settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS if countdown is None else countdown
    key, seconds = f"attempt-settle:{attempt_id}", max(1, math.ceil(countdown))
    # While the cache is down no chain starts: the panel's polls settle the attempt.
    if not cache_call("settle chain", lambda: cache.add(key, 1, timeout=seconds), False):
        return False
    return run_later(attempt_settle_task, attempt_id, countdown=countdown)


def attempt_settle_step(*, attempt_id: str) -> float | None:
    """One step of settling on the worker: read the attempt if it is its turn. Returns the
    seconds until the next step, or None when no window is open (its result is final, or the
    attempt is being played again: the panel's polls refresh it then)."""

    def deadline_of(attempt: Attempt | None) -> datetime | None:
        if attempt is None:
            return None
        return settling.next_change(_settle_facts(attempt), now=timezone.now())

    attempt = _attempt_for_read(attempt_id)
    if deadline_of(attempt) is None:
        return None
    grant = read_acquire(
        provider=attempt.provider, attempt_id=str(attempt.pk), kind=ReadKind.REFRESH
    )
    if grant.granted:
        try:
            _read(attempt, quick=False)
        except ProviderError as err:
            logger.warning("Refresh of attempt %s failed: %s", attempt_id, err)
        attempt = _attempt_for_read(attempt_id)
    deadline = deadline_of(attempt)
    wait = grant.retry_after or settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
    if deadline is None or timezone.now() + timedelta(seconds=wait) > deadline:
        return None  # settled, or the next turn comes after the window has closed
    return wait


def attempt_record_exit(*, attempt: Attempt, when: datetime | None = None) -> None:
    """The learner left the player (the provider's exit page loaded): results may lag, so
    refreshes go on through the provider's exit window (on the worker when there is one, else
    driven by the progress panel's polls)."""
    Attempt.objects.filter(pk=attempt.pk).update(exited_at=when or timezone.now())
    attempt.refresh_from_db(fields=["exited_at"])
    panel_changed(attempt_id=attempt.pk)
    if get_provider(attempt.provider).remote:
        attempt_id = str(attempt.pk)
        transaction.on_commit(lambda: attempt_settle_later(attempt_id=attempt_id, countdown=0))


# --- Stored results for data written behind the application's back --------------------------

REBUILD_BATCH = 1000


def course_results_rebuild(*, course: Course) -> int:
    """Recompute the stored result (and the learners' names) of every enrolment of ``course``
    from its attempts, in SQL (see :mod:`enrollments.results`). Each batch locks its
    enrolments first, so a result written meanwhile is never overwritten with an older one.
    Returns the number of enrolments whose row changed."""
    changed, after = 0, 0
    names = ("learner_last_name", "learner_first_name", "learner_username", "learner_email")
    sources = ("new_last_name", "new_first_name", "new_username", "new_email")
    while True:
        with transaction.atomic():
            batch = list(
                Enrollment.objects.select_for_update()
                .filter(course=course, pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:REBUILD_BATCH]
            )
            if not batch:
                results.results_changed(course_id=course.pk)
                return changed
            after = batch[-1]
            rows = results.result_queryset(course=course).filter(pk__in=batch)
            updated = []
            for row in rows:
                new = {name: getattr(row, f"new_{name}") for name in RESULT_FIELDS}
                new |= {
                    name: getattr(row, source) for name, source in zip(names, sources, strict=True)
                }
                if any(getattr(row, name) != value for name, value in new.items()):
                    for name, value in new.items():
                        setattr(row, name, value)
                    updated.append(row)
            Enrollment.objects.bulk_update(updated, [*RESULT_FIELDS, *names])
            changed += len(updated)


def results_rebuild(*, courses: QuerySet[Course] | None = None) -> int:
    """:func:`course_results_rebuild` for each course (all by default)."""
    return sum(
        course_results_rebuild(course=course)
        for course in (courses if courses is not None else Course.objects.all()).order_by("pk")
    )


def learner_names_changed(*, user: AbstractBaseUser) -> None:
    """Copy a user's names into their enrolments (the gradebook sorts and searches them)."""
    Enrollment.objects.filter(learner__user=user).update(
        learner_last_name=user.last_name,
        learner_first_name=user.first_name,
        learner_username=user.get_username(),
        learner_email=user.email,
    )


def enrollment_result_refresh(*, enrollment_id: int) -> None:
    """Recompute one enrolment's stored result from its attempts (after an attempt was deleted
    by staff, or written behind the application's back)."""
    with transaction.atomic():
        try:
            locked = enrollment_lock(enrollment_id)
        except Enrollment.DoesNotExist:
            return  # deleted with its enrolment
        _enrollment_result_store(locked, _attempt_facts(enrollment_id))
