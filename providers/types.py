"""The value objects that cross the provider interface, both ways.

Providers take frozen dataclasses built by the services (a package, an attempt and its learner)
and return frozen dataclasses that carry every fact they learned (registered, remote ids, job
ids). They never see a model, so the layer imports no app of ours. Raw provider JSON leaves a
provider only as the ``raw`` mapping kept for the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import IO, Any


class Completion(StrEnum):
    UNKNOWN = "unknown"
    INCOMPLETE = "incomplete"
    COMPLETED = "completed"


class Success(StrEnum):
    UNKNOWN = "unknown"
    PASSED = "passed"
    FAILED = "failed"


class ImportState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


# Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageRef:
    """A package that passed the intake, as a provider sees it."""

    id: int  # ours, for log lines
    course_key: str  # the course's slug: a readable part of remote ids
    version: int
    standard: str  # "scorm12", "scorm2004_3"...
    filename: str
    size: int
    open: Callable[[], AbstractContextManager[IO[bytes]]] = field(repr=False, compare=False)
    uploaded_by: str = ""
    #: What the provider already knows of this package (a retried or advancing import).
    remote_id: str = ""
    remote_version: str = ""
    remote_job_id: str = ""
    #: The remote id of the course's latest earlier package on this provider, if any.
    earlier_remote_id: str = ""


@dataclass(frozen=True)
class LearnerRef:
    """A learner: providers see an opaque id, and a name only where they display one."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    username: str = ""  # shown by players when the learner has no name


@dataclass(frozen=True)
class AttemptRef:
    """One attempt: its id is the provider's registration / session id."""

    id: str
    learner: LearnerRef
    package: PackageRef
    registered: bool = False  # the provider was told of it on an earlier launch
    launch_number: int = 1  # this launch's number, 1 for the first
    review: bool = False  # a closed attempt shown again: nothing is recorded


@dataclass(frozen=True)
class LaunchContext:
    """URLs the LMS offers a launch. ``player_url`` is the LMS's own player, for providers
    whose content the LMS plays itself; ``results_url`` is where a provider may send
    notifications of new results."""

    exit_url: str
    results_url: str = ""
    player_url: str = ""


@dataclass(frozen=True)
class Notification:
    """A request a provider sent to the LMS (a postback, a webhook), as received."""

    body: bytes = field(repr=False)
    content_type: str
    headers: Mapping[str, str] = field(repr=False)
    form: Mapping[str, str] = field(default_factory=dict, repr=False)


# Outputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """``scaled`` is always 0..1, whatever scale the source used; raw/min/max as reported."""

    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Progress:
    """One attempt's normalised result, as a provider (or the local run-time) reports it.

    ``learner_id`` and ``package_remote_id`` are what the provider says the attempt belongs
    to (empty when it does not say), so a result is only stored on the attempt it is about.
    ``revision`` is the provider's own version counter of the result, when it keeps one.
    """

    completion: Completion = Completion.UNKNOWN
    success: Success = Success.UNKNOWN
    score: Score = field(default_factory=Score)
    seconds: float | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    revision: int | None = None
    learner_id: str = ""
    package_remote_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: How many of the course's activities (SCOs, assets) are completed, of how many; None
    #: when the source does not say.
    activities_completed: int | None = None
    activities_total: int | None = None
    #: The learner left with Suspend All (SCORM 2004): the attempt resumes on the next launch
    #: (SB.2.6), completed or not. A completed attempt that is not suspended ends.
    suspended: bool = False

    @property
    def is_completed(self) -> bool:
        return self.completion is Completion.COMPLETED


@dataclass(frozen=True)
class Launch:
    """A freshly minted launch URL. Used exactly as returned and never stored.

    ``expires_at`` is when a player opened from this URL stops working (its token runs
    out), so a long-open player page must be renewed before then; None when the session,
    once started, does not expire. ``registered`` says the provider now holds a record of
    the attempt (a fact the LMS records once).
    """

    url: str = field(repr=False)
    expires_at: datetime | None = None
    registered: bool = True


@dataclass(frozen=True)
class ImportResult:
    """Where a package's import into its provider stands, with the ids the provider gave it."""

    state: ImportState
    remote_id: str = ""
    remote_version: str = ""
    remote_job_id: str = ""
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.READY, ImportState.FAILED)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str


@dataclass(frozen=True)
class DispatchRequest:
    """A package handed to an external LMS: what the administrator chose."""

    label: str
    destination: str
    registration_limit: int | None = None
    expires_in_hours: int | None = None
    allowed_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteDispatch:
    id: str
    url: str
    status: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class HookRegistration:
    """A results hook the provider now sends to the LMS."""

    event: str
    id: str = ""
