"""What playback writes: the local player's run-time data, and what providers tell us.

Results themselves are always stored through :func:`enrollments.services.attempt_apply_progress`,
the one writer of attempt results, in the same transaction as the run-time data here.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.rows import NotWritten, batched_writes, guarded_writes, update_row, write_row
from courses.models import Package
from courses.refs import package_ref
from enrollments.models import Attempt
from enrollments.selectors import attempt_get_for_provider
from enrollments.services import (
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

from .commit_lock import (
    LockedAttempt,
    StoredSession,
    commit_lock,
    commit_read,
    merged_by_database,
)
from .models import (
    SUSPEND_DATA,
    ActivityState,
    AttemptRuntime,
    Dispatch,
    LearnerGlobalState,
    is_collection_element,
)
from .selectors import PackagePlay, package_play

logger = logging.getLogger(__name__)


_ACTIVITY_FIELDS = {field.attname: field for field in ActivityState._meta.concrete_fields}


class StaleCommit(Exception):
    """An older commit arrived after a newer one was stored; nothing is stored."""


class PreviewUnavailable(Exception):
    """The package cannot be previewed (yet)."""


class LaunchClosed(Exception):
    """The launch has ended, or the attempt was closed in a later launch: its token may write no
    more; nothing is stored."""


def _seconds_total(attempt: Attempt, activity: str, seconds: float) -> float:
    """The attempt's time: every other activity's sessions, as stored, and ``activity``'s
    ``seconds`` (its row may not be written yet: see :func:`local_commit`)."""
    total = (
        ActivityState.objects.filter(attempt=attempt)
        .exclude(activity=activity)
        .aggregate(seconds=Sum(F("seconds_before") + F("seconds_session")))
    )
    return (total["seconds"] or 0.0) + seconds


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
            cmi=records[key].data if key in records else {},
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


@functools.cache
def _activity_update(
    *, drop: bool, merge: bool, merge_collections: bool, columns: tuple[str, ...]
) -> str:
    """PostgreSQL: the activity row's UPDATE of this shape (see :func:`_activity_write`): the
    session time reported before dropped from the stored CMI (``jsonb - text``), the changes
    merged into it and into the collections (``jsonb ||``), the row's own columns set; its key
    last."""
    quote = connection.ops.quote_name
    cmi, collections = quote("cmi"), quote("collections")
    written = []
    if drop or merge:
        value = f"({cmi} - %s)" if drop else cmi
        written.append(f"{cmi} = ({value} || %s)" if merge else f"{cmi} = {value}")
    if merge_collections:
        written.append(f"{collections} = ({collections} || %s)")
    written += [f"{quote(_ACTIVITY_FIELDS[name].column)} = %s" for name in columns]
    table, key = quote(ActivityState._meta.db_table), quote(ActivityState._meta.pk.column)
    # The models' names only: every value is a parameter.
    return f"UPDATE {table} SET {', '.join(written)} WHERE {key} = %s"  # noqa: S608


def _session_times(
    before: float, session: float, *, new_session: bool, commit: Commit, scorm12: bool
) -> tuple[float, float]:
    """The activity's seconds of earlier sessions and of this one after ``commit``. A new
    delivery is a new session: the previous one's time is kept, and the session time it
    reported no longer counts (the new one's is only what it reports itself)."""
    if new_session:
        before, session = before + session, 0.0
    if session_time_element(scorm12=scorm12) in commit.changes:
        session = session_seconds(scorm12=scorm12, cmi=commit.changes)
    return before, session


def _split_changes(
    changes: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A commit's changes as those to the CMI document, to the collections and to the row's
    own columns (the suspend data): see :class:`~playback.models.ActivityState`."""
    document: dict[str, Any] = {}
    collections: dict[str, Any] = {}
    columns: dict[str, Any] = {}
    for name, value in changes.items():
        if name == SUSPEND_DATA:
            columns["suspend_data"] = value
        elif is_collection_element(name):
            collections[name] = value
        else:
            document[name] = value
    return document, collections, columns


def _activity_read_and_write(
    attempt: Attempt, *, scorm12: bool, launch: int, commit: Commit
) -> ActivityState:
    """Read the activity's state and CMI, apply the commit to them, write them back."""
    state = (
        ActivityState.objects.filter(attempt=attempt, activity=commit.activity)
        .order_by()  # one row at most (unique): no sort, which by default joins the attempt
        .first()
    ) or ActivityState(attempt=attempt, activity=commit.activity)
    new_session = (state.session_launch, state.session_delivery) != (launch, commit.delivery)
    state.seconds_before, state.seconds_session = _session_times(
        state.seconds_before,
        state.seconds_session,
        new_session=new_session,
        commit=commit,
        scorm12=scorm12,
    )
    written = ["seconds_before", "seconds_session", "updated_at"]
    if new_session:  # the previous session's reported time goes with it
        state.cmi.pop(session_time_element(scorm12=scorm12), None)
        state.session_launch, state.session_delivery = launch, commit.delivery
        written += ["cmi", "session_launch", "session_delivery"]
    changes, collections, columns = _split_changes(commit.changes)
    for name, value in columns.items():
        setattr(state, name, value)
        written.append(name)
    if changes:
        state.cmi = {**state.cmi, **changes}
        written.append("cmi")
    if collections:
        state.collections = {**state.collections, **collections}
        written.append("collections")
    # Only what changed: the documents are the row's bulk.
    state.save(update_fields=set(written) if state.pk else None)
    return state


def _activity_seconds(stored: StoredSession, *, launch: int, commit: Commit) -> tuple[float, float]:
    """SCORM 2004: the activity's seconds of earlier sessions and of this one after
    ``commit``, from its row as read with the attempt."""
    return _session_times(
        stored.seconds_before,
        stored.seconds_session,
        new_session=(stored.launch, stored.delivery) != (launch, commit.delivery),
        commit=commit,
        scorm12=False,
    )


def _activity_write(stored: StoredSession, *, launch: int, commit: Commit) -> None:
    """SCORM 2004 on PostgreSQL: :func:`_activity_read_and_write` in one UPDATE of the row
    read with the attempt, the changes merged into the CMI by the database (the stored
    document neither read nor sent back; its statement made once per shape, as
    :mod:`core.rows` does; sent with the commit's batch)."""
    new_session = (stored.launch, stored.delivery) != (launch, commit.delivery)
    before, session = _activity_seconds(stored, launch=launch, commit=commit)
    changes, collections, written = _split_changes(commit.changes)
    written |= {
        "seconds_before": before,
        "seconds_session": session,
        "session_launch": launch,
        "session_delivery": commit.delivery,
        "updated_at": timezone.now(),
    }
    params: list[Any] = []
    if new_session:  # the previous session's reported time goes with it
        params.append(session_time_element(scorm12=False))
    if changes:
        params.append(_ACTIVITY_FIELDS["cmi"].get_db_prep_save(changes, connection))
    if collections:
        params.append(_ACTIVITY_FIELDS["collections"].get_db_prep_save(collections, connection))
    params += [
        _ACTIVITY_FIELDS[name].get_db_prep_save(value, connection)
        for name, value in written.items()
    ]
    sql = _activity_update(
        drop=new_session,
        merge=bool(changes),
        merge_collections=bool(collections),
        columns=tuple(written),
    )
    write_row((ActivityState._meta.db_table, stored.state_id), sql, [*params, stored.state_id])


def local_commit(*, claims: LaunchClaims, payload: object) -> ApplyOutcome:
    """Store one commit of the browser's run-time, in one transaction: the changes to one
    activity's CMI, the sequencing state, the learner's global objectives and shared data, and
    the attempt's result (SCORM 2004: as its sequencing rolled it up in the browser; SCORM 1.2:
    rolled up here from every SCO) when it changed.

    Commits are ordered by (launch, sequence): an older one is refused (a late request from an
    old tab, a delayed beacon) and changes nothing. A launch that has ended, or an attempt that
    was closed in a later launch, takes no more commits. Raises
    :class:`~providers.local.runtime.InvalidCommit`, :class:`StaleCommit`,
    :class:`LaunchClosed` and :class:`~playback.commit_lock.NoSuchAttempt`.

    The commit is the run-time's hot path, and each statement a round trip. A SCORM 2004 commit
    on PostgreSQL is first tried without locks (:func:`_commit_unlocked`): two statements, its
    read and its writes, made only if nothing it read changed meanwhile. Otherwise, and for
    the rest, it takes the locks (:func:`_commit_locked`).
    """
    if _unlocked_first(payload):
        outcome = _commit_unlocked(claims, payload)
        if outcome is not None:
            return outcome
    return _commit_locked(claims, payload)


def _unlocked_first(payload: object) -> bool:
    """Whether to try the commit without locks: on PostgreSQL, outside a transaction, for a
    commit that reports a rolled-up result (SCORM 2004's; a SCORM 1.2 commit reads its SCOs'
    data) and no global objectives or shared data (their rows are other attempts' too). A
    forged payload only chooses the way: each stores the same."""
    return (
        merged_by_database()
        and not connection.in_atomic_block
        and isinstance(payload, dict)
        and payload.get("result") is not None
        and not payload.get("globals")
    )


def _commit_unlocked(claims: LaunchClaims, payload: dict) -> ApplyOutcome | None:
    """The commit as :func:`_commit_locked` stores it, without its locks or its transaction:
    one statement reads what the locks would have (and the versions of the rows they would
    have locked), one makes every write, only if those rows are still as read
    (:func:`core.rows.guarded_writes`). None when it must take the locks: the rows changed,
    storing it would read more (the enrolment's other attempts, an activity's first row), or
    it would be refused (decided under the locks, as is everything stored)."""
    found = commit_read(claims, payload.get("activity"))
    if found is None:
        return None
    read = found.read
    play = package_play(package_id=read.attempt.package_id, sha256=read.package_sha256)
    if play.scorm12 or read.session is None:
        return None
    try:
        commit = _commit_accepted(claims, payload, play, read)
    except (LaunchClosed, StaleCommit):
        return None
    if commit is None:
        return ApplyOutcome.UNCHANGED
    try:
        with guarded_writes(*found.guard):
            return _commit_store(claims, read, play, commit)
    except NotWritten as reason:  # nothing of it is stored
        logger.debug("Commit of attempt %s made under the locks: %s", read.attempt.pk, reason)
        return None


def _commit_locked(claims: LaunchClaims, payload: object) -> ApplyOutcome:
    """The commit under the locks of its attempt's run-time row and its enrolment
    (:func:`~playback.commit_lock.commit_lock`), in a transaction: on PostgreSQL a SCORM 2004
    commit that changes the result is four round trips: BEGIN, the locks, the writes
    (:func:`core.rows.batched_writes`), COMMIT."""
    # The activity named is read with the lock; read_commit checks the name after.
    activity = payload.get("activity") if isinstance(payload, dict) else None
    refused: Exception | None = None
    outcome = ApplyOutcome.UNCHANGED
    with transaction.atomic(), batched_writes():
        locked = commit_lock(claims, activity)
        play = package_play(package_id=locked.attempt.package_id, sha256=locked.package_sha256)
        try:
            commit = _commit_accepted(claims, payload, play, locked)
        except (InvalidCommit, LaunchClosed, StaleCommit) as error:
            if locked.runtime_created:
                raise  # its run-time row is rolled back with it
            # Refused before anything is written: the transaction (its locks alone) ends with
            # COMMIT, here as good as a rollback, which would make psycopg forget every
            # statement its connection prepared (the worker's next commits would plan theirs
            # again). The block must end normally for that.
            refused = error
        else:
            if commit is not None:
                outcome = _commit_store(claims, locked, play, commit)
    if refused is not None:
        raise refused
    return outcome


def _commit_accepted(
    claims: LaunchClaims, payload: object, play: PackagePlay, locked: LockedAttempt
) -> Commit | None:
    """The commit read from ``payload`` if the launch may store it, None if it records nothing
    (a review launch); raises the refusals of :func:`local_commit`. Writes nothing."""
    runtime, attempt = locked.runtime, locked.attempt
    commit = read_commit(payload, scorm12=play.scorm12)
    if not claims.records:  # a review launch shows a closed attempt; it records nothing
        return None
    if commit.activity not in play.activities:
        raise InvalidCommit("The commit names an activity that is not in this package.")
    order = (claims.launch, commit.sequence)
    if claims.launch <= runtime.ended_launch or (
        not attempt.is_open and runtime.closed_launch != claims.launch
    ):
        raise LaunchClosed(f"Launch {claims.launch} of attempt {attempt.pk} is closed.")
    if order <= (runtime.commit_launch, runtime.commit_sequence):
        raise StaleCommit(f"Commit {order} is older than the stored one.")
    return commit


def _commit_store(
    claims: LaunchClaims, locked: LockedAttempt, play: PackagePlay, commit: Commit
) -> ApplyOutcome:
    """Store an accepted commit (see :func:`local_commit`): within its transaction and batch,
    or its guarded writes."""
    runtime, attempt = locked.runtime, locked.attempt
    order = (claims.launch, commit.sequence)
    progress = None
    # SCORM 2004 on PostgreSQL: the activity's row updated without being read (below).
    merged = None if play.scorm12 else locked.session
    if play.scorm12:
        state = _activity_read_and_write(attempt, scorm12=True, launch=claims.launch, commit=commit)
        progress = _rolled_up_12(attempt, play, state)
    else:
        if merged is not None:
            seconds = sum(_activity_seconds(merged, launch=claims.launch, commit=commit))
        else:  # elsewhere, or the activity's first commit
            seconds = _activity_read_and_write(
                attempt, scorm12=False, launch=claims.launch, commit=commit
            ).seconds
        if commit.result is not None:
            if len(play.activities) > 1:  # the other activities' time too
                if merged is not None:
                    seconds += merged.other_seconds
                else:
                    seconds = _seconds_total(attempt, commit.activity, seconds)
            progress = dataclasses.replace(commit.result, seconds=seconds)
    outcome = ApplyOutcome.UNCHANGED
    if progress is not None and attempt_progress_is_new(attempt=attempt, progress=progress):
        outcome = attempt_apply_progress(
            attempt=attempt,
            progress=progress,
            source="local commit",
            order=order,
            locked=locked.enrollment,
        )
    if merged is not None:
        # Only now: a statement sends the batch before it runs, and the writer's read of the
        # attempts above would have sent it alone.
        _activity_write(merged, launch=claims.launch, commit=commit)
    written: dict[str, Any] = {
        "commit_launch": claims.launch,
        "commit_sequence": commit.sequence,
        "current_activity": commit.activity,
    }
    if commit.state is not None:  # the sequencing state (up to 2 MB) only when it changed
        written["sequencing"] = commit.state
    if commit.end:
        written["ended_launch"] = max(runtime.ended_launch, claims.launch)
    if not attempt.is_open and runtime.closed_launch is None:
        written["closed_launch"] = claims.launch
    elif attempt.is_open and runtime.closed_launch is not None:  # suspended: open again
        written["closed_launch"] = None
    update_row(AttemptRuntime, runtime.pk, {**written, "updated_at": timezone.now()})
    _store_globals(locked.learner_id, play, commit)
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
