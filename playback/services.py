"""What playback writes: the local player's run-time data, and what providers tell us.

Results themselves are always stored through :func:`enrollments.services.attempt_apply_progress`,
the one writer of attempt results, in the same transaction as the run-time data here.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Func, JSONField, Sum, Value
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from courses.models import Package
from courses.refs import package_ref
from enrollments.models import Attempt
from enrollments.selectors import attempt_get_for_provider
from enrollments.services import (
    PROGRESS_FIELDS,
    ApplyOutcome,
    attempt_apply_progress,
    attempt_progress_is_new,
    attempt_refresh,
)
from providers import get_provider
from providers.exceptions import ProviderNotFound
from providers.local.runtime import (
    Commit,
    InvalidCommit,
    activity_progress,
    attempt_progress,
    read_commit,
    session_seconds,
    session_time_element,
)
from providers.local.tokens import LaunchClaims
from providers.types import (
    DispatchRequest,
    Launch,
    LaunchContext,
    LearnerRef,
    Notification,
    Progress,
)

from .models import ActivityState, AttemptRuntime, Dispatch, LearnerGlobalState
from .selectors import PackagePlay, package_play

logger = logging.getLogger(__name__)


class StaleCommit(Exception):
    """An older commit arrived after a newer one was stored; nothing is stored."""


class PreviewUnavailable(Exception):
    """The package cannot be previewed (yet)."""


class LaunchClosed(Exception):
    """The launch has ended, or the attempt was closed in a later launch: its token may write no
    more; nothing is stored."""


def _seconds_total(attempt: Attempt, changed: ActivityState) -> float:
    other = (
        ActivityState.objects.filter(attempt=attempt)
        .exclude(pk=changed.pk)
        .aggregate(before=Sum("seconds_before"), session=Sum("seconds_session"))
    )
    return (other["before"] or 0.0) + (other["session"] or 0.0) + changed.seconds


def _rolled_up_12(attempt: Attempt, play: PackagePlay, changed: ActivityState) -> Progress:
    """SCORM 1.2: the attempt's result from every SCO's stored data (one query, none for a
    package of one SCO)."""
    records = {changed.activity: changed}
    if len(play.activities) > 1:
        records = {s.activity: s for s in ActivityState.objects.filter(attempt=attempt)}
        records[changed.activity] = changed
    return attempt_progress(
        activity_progress(
            scorm12=True,
            activity=activity,
            cmi=records[key].cmi if key in records else {},
            seconds=records[key].seconds if key in records else 0.0,
        )
        for key, activity in play.activities.items()
        if activity.is_sco
    )


def _store_globals(learner_id: int, play: PackagePlay, commit: Commit) -> None:
    """The learner's global objectives and shared data the commit reports, where the manifest
    makes them global to the system; only what changed is written."""
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    # The run-time's snapshot holds every global the learner has; this package writes its own.
    if play.objectives_global:
        kind = LearnerGlobalState.Kind.OBJECTIVE
        wanted |= {
            (kind, key): value
            for key, value in commit.objectives.items()
            if key in play.objectives_written
        }
    if play.data_global:
        kind = LearnerGlobalState.Kind.DATA
        wanted |= {
            (kind, key): {"value": value}
            for key, value in commit.shared_data.items()
            if key in play.data_written
        }
    if not wanted:
        return
    stored = {
        (row.kind, row.key): row
        for row in LearnerGlobalState.objects.filter(
            learner_id=learner_id, key__in={key for _, key in wanted}
        )
    }
    for (kind, key), value in wanted.items():
        row = stored.get((kind, key))
        if row is None:
            LearnerGlobalState.objects.create(
                learner_id=learner_id, kind=kind, key=key, value=value
            )
        elif row.value != value:
            row.value = value
            row.save(update_fields=["value", "updated_at"])


#: The attempt's columns a commit reads under its lock (the writer's inputs, and whether the
#: launch may still write).
_COMMIT_FIELDS = list(PROGRESS_FIELDS)


class NoSuchAttempt(Exception):
    """The launch's attempt does not exist, or is not its learner's; nothing is stored."""


class _Merged(Func):
    """A JSON object with the keys of another set over its own (PostgreSQL's ``jsonb ||``): the
    commit's changes are merged into the stored CMI by the database, which neither sends the
    document to the app nor takes it back."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = JSONField()


def _activity_state(
    attempt: Attempt, play: PackagePlay, activity: str
) -> tuple[ActivityState, bool]:
    """The activity's stored state under the caller's lock, and whether it was just created.
    On PostgreSQL with SCORM 2004 its CMI is not read: only the session time element, as
    ``stored_session_time`` (the merge is done by the database, see :func:`_state_save`)."""
    # One row at most (unique): no sort, which by default joins the attempt for its ordering.
    rows = ActivityState.objects.filter(attempt=attempt, activity=activity).order_by()
    if _merged_in_database(play):
        element = session_time_element(scorm12=False)
        state = rows.defer("cmi").annotate(stored_session_time=KeyTransform(element, "cmi")).first()
    else:
        state = rows.first()
    if state is not None:
        return state, False
    return ActivityState.objects.create(attempt=attempt, activity=activity), True


def _merged_in_database(play: PackagePlay) -> bool:
    # SCORM 1.2 rolls the result up here from the whole CMI, so it reads it anyway; SQLite's
    # json_patch would drop the null values a commit may carry.
    return not play.scorm12 and connection.vendor == "postgresql"


def _state_save(state: ActivityState, play: PackagePlay, commit: Commit, created: bool) -> None:
    """Store the commit's changes to the activity's CMI and its session time: only what changed
    travels to the database (on PostgreSQL, for SCORM 2004)."""
    fields = ["seconds_before", "seconds_session", "session_launch", "session_delivery"]
    if created or not _merged_in_database(play):
        state.cmi = {**state.cmi, **commit.changes}
        if commit.changes:
            state.seconds_session = session_seconds(scorm12=play.scorm12, cmi=state.cmi)
        state.save(update_fields=[*fields, "cmi", "updated_at"])
        return
    update: dict[str, Any] = {}
    if commit.changes:
        element = session_time_element(scorm12=False)
        session = {element: getattr(state, "stored_session_time", None)} | commit.changes
        state.seconds_session = session_seconds(scorm12=False, cmi=session)
        update["cmi"] = _Merged(F("cmi"), Value(commit.changes, output_field=JSONField()))
    ActivityState.objects.filter(pk=state.pk).update(
        **{name: getattr(state, name) for name in fields}, **update, updated_at=timezone.now()
    )


def local_commit(*, claims: LaunchClaims, payload: object) -> ApplyOutcome:
    """Store one commit of the browser's run-time, in one transaction: the changes to one
    activity's CMI, the sequencing state, the learner's global objectives and shared data, and
    the attempt's result (SCORM 2004: as its sequencing rolled it up in the browser; SCORM 1.2:
    rolled up here from every SCO) when it changed.

    Commits are ordered by (launch, sequence): an older one is refused (a late request from an
    old tab, a delayed beacon) and changes nothing. A launch that has ended, or an attempt that
    was closed in a later launch, takes no more commits. Raises
    :class:`~providers.local.runtime.InvalidCommit`, :class:`StaleCommit`,
    :class:`LaunchClosed` and :class:`NoSuchAttempt`.

    The commit is the run-time's hot path: the attempt is read once, under the run-time row's
    lock (with its learner checked in the same query), and only what changed is written.
    """
    with transaction.atomic():
        # The run-time row's lock orders the attempt's commits; the attempt is read after it.
        runtime = (
            AttemptRuntime.objects.select_for_update()
            .defer("sequencing")  # up to 2 MB, written when a commit carries it, never read
            .filter(attempt_id=claims.attempt_id)
            .order_by()  # one row at most: no sort (the default one joins the attempt)
            .first()
        )
        attempt = (
            Attempt.objects.select_related("package", "enrollment")
            .only(
                *_COMMIT_FIELDS,
                "package__sha256",
                "enrollment__learner_id",
            )
            .filter(pk=claims.attempt_id, enrollment__learner__external_id=claims.learner_id)
            .order_by()
            .first()
        )
        if attempt is None:
            raise NoSuchAttempt(f"No attempt {claims.attempt_id} of this learner.")
        play = package_play(package_id=attempt.package_id, sha256=attempt.package.sha256)
        commit = read_commit(payload, scorm12=play.scorm12)
        if not claims.records:  # a review launch shows a closed attempt; it records nothing
            return ApplyOutcome.UNCHANGED
        if commit.activity not in play.activities:
            raise InvalidCommit("The commit names an activity that is not in this package.")
        if runtime is None:  # the attempt's first commit
            runtime, _ = AttemptRuntime.objects.select_for_update().get_or_create(attempt=attempt)
            attempt.refresh_from_db(fields=_COMMIT_FIELDS)  # read before this lock
        order = (claims.launch, commit.sequence)
        if claims.launch <= runtime.ended_launch or (
            not attempt.is_open and runtime.closed_launch != claims.launch
        ):
            raise LaunchClosed(f"Launch {claims.launch} of attempt {attempt.pk} is closed.")
        if order <= (runtime.commit_launch, runtime.commit_sequence):
            raise StaleCommit(f"Commit {order} is older than the stored one.")
        state, created = _activity_state(attempt, play, commit.activity)
        if (state.session_launch, state.session_delivery) != (claims.launch, commit.delivery):
            # A new delivery of the activity: the previous session's time is kept.
            state.seconds_before += state.seconds_session
            state.seconds_session = 0.0
            state.session_launch, state.session_delivery = claims.launch, commit.delivery
        _state_save(state, play, commit, created)
        if play.scorm12:
            progress = _rolled_up_12(attempt, play, state)
        elif commit.result is not None:
            seconds = (
                state.seconds  # no other activity has any time
                if len(play.activities) == 1
                else _seconds_total(attempt, state)
            )
            progress = dataclasses.replace(commit.result, seconds=seconds)
        else:
            progress = None
        outcome = ApplyOutcome.UNCHANGED
        if progress is not None and attempt_progress_is_new(attempt=attempt, progress=progress):
            outcome = attempt_apply_progress(
                attempt=attempt, progress=progress, source="local commit", order=order
            )
        runtime.commit_launch, runtime.commit_sequence = order
        runtime.current_activity = commit.activity
        fields = ["commit_launch", "commit_sequence", "current_activity", "updated_at"]
        if commit.state is not None:
            runtime.sequencing = commit.state
            fields.append("sequencing")
        if commit.end:
            runtime.ended_launch = max(runtime.ended_launch, claims.launch)
            fields.append("ended_launch")
        if not attempt.is_open and runtime.closed_launch is None:
            runtime.closed_launch = claims.launch
            fields.append("closed_launch")
        elif attempt.is_open and runtime.closed_launch is not None:  # suspended: open again
            runtime.closed_launch = None
            fields.append("closed_launch")
        runtime.save(update_fields=fields)  # the sequencing state only when it changed
        _store_globals(attempt.enrollment.learner_id, play, commit)
    return outcome


def notification_receive(*, provider: str, notification: Notification) -> ApplyOutcome:
    """A provider says an attempt's result changed: read it back from the provider (the
    notification is a hint, never the truth) and store it.

    Raises :class:`~providers.exceptions.NotificationRefused` for anything not genuine, and
    :class:`~providers.exceptions.ProviderError` when the result cannot be read now (the
    provider delivers again, and polling catches up meanwhile).
    """
    remote_id = get_provider(provider).read_notification(notification)
    attempt = (
        attempt_get_for_provider(provider=provider, remote_id=remote_id) if remote_id else None
    )
    if attempt is None:
        # Not one of ours: nothing to do, and a 4xx would only make the provider send it again.
        logger.info("%s notification about %.80r ignored", provider, remote_id)
        return ApplyOutcome.FOREIGN
    try:
        return attempt_refresh(attempt=attempt, force=True, quick=True)
    except ProviderNotFound:
        # The provider no longer has it: sending the notification again would not help.
        logger.info("%s notification about %s: the provider no longer has it", provider, remote_id)
        return ApplyOutcome.FOREIGN


def dispatch_create(
    *, package: Package, request: DispatchRequest, created_by: AbstractBaseUser | None = None
) -> Dispatch:
    """Create a dispatch of a ready package on its provider, and record it."""
    provider = get_provider(package.provider)
    if not (provider.supports_dispatches and package.is_ready and package.remote_id):
        raise ValidationError(
            {
                "package": "Only a package that is ready on a provider with dispatches can be dispatched."
            }
        )
    dispatch = Dispatch(
        package=package,
        provider=package.provider,
        label=request.label,
        destination=request.destination,
        registration_limit=request.registration_limit,
        expires_at=timezone.now() + timedelta(hours=request.expires_in_hours)
        if request.expires_in_hours
        else None,
        allowed_domains=list(request.allowed_domains),
        created_by=created_by,
    )
    # Validate what we can before the remote record exists.
    dispatch.full_clean(exclude=["remote_id", "dispatch_url", "status"])
    remote = provider.create_dispatch(package_ref(package), request)
    dispatch.remote_id, dispatch.dispatch_url, dispatch.status = (
        remote.id,
        remote.url,
        remote.status,
    )
    dispatch.save()
    logger.info("%s dispatch %s created for package %s", provider.identifier, remote.id, package.pk)
    return dispatch


# Previews ---------------------------------------------------------------------------------


def package_preview_launch(
    *, package: Package, viewer: AbstractBaseUser, context: LaunchContext
) -> Launch:
    """A launch URL that plays ``package`` for a staff member on its provider with nothing
    recorded: no attempt, no result, no gradebook row. Raises the provider's errors."""
    if not package.is_ready:
        raise PreviewUnavailable("Only a package that is ready can be previewed.")
    person = LearnerRef(
        id=f"staff-{viewer.pk}",
        first_name=getattr(viewer, "first_name", ""),
        last_name=getattr(viewer, "last_name", ""),
        username=viewer.get_username(),
    )
    return get_provider(package.provider).preview(package_ref(package), person, context)
