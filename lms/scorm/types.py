"""Value objects returned by providers. Raw provider JSON never leaves a provider module
except as the ``raw`` mapping kept for the record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class Score:
    """``scaled`` is always 0..1, whatever scale the source used; raw/min/max as reported."""

    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None

    @property
    def percent(self) -> float | None:
        return None if self.scaled is None else round(self.scaled * 100, 1)


@dataclass(frozen=True)
class Progress:
    """One attempt's normalised result, as a provider (or the local runtime) reports it."""

    completion: Completion = Completion.UNKNOWN
    success: Success = Success.UNKNOWN
    score: Score = field(default_factory=Score)
    seconds: float | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_completed(self) -> bool:
        return self.completion is Completion.COMPLETED


@dataclass(frozen=True)
class Launch:
    """A freshly minted launch URL. Used exactly as returned and never stored.

    ``expires_at`` is when a player opened from this URL stops working (its token runs
    out), so a long-open player page must be renewed before then; None when the session,
    once started, does not expire.
    """

    url: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ImportResult:
    """Where a package's import into its provider stands."""

    state: ImportState
    remote_id: str = ""
    remote_version: str = ""
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.READY, ImportState.FAILED)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
