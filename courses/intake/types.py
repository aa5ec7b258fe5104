"""What the intake reports about a package that passed its checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoInfo:
    """A launchable item of the default organisation."""

    identifier: str  # the item's identifier
    title: str
    href: str  # launch URL relative to the package root, parameters included
    is_sco: bool  # False for assets, which never call the run-time API
    mastery_score: float | None  # 0..1
    data_from_lms: str
    position: int  # 1-based, depth-first order in the default organisation
    # SCORM 1.2 only (SCORM 2004 keeps these in its sequencing launch data):
    prerequisites: str = ""  # adlcp:prerequisites, an AICC script over item identifiers
    max_time_allowed: str = ""  # adlcp:maxtimeallowed, a CMITimespan
    time_limit_action: str = ""  # adlcp:timelimitaction


@dataclass(frozen=True)
class PackageInfo:
    sha256: str  # hex digest of the whole zip
    size: int  # bytes
    standard: str  # a courses.models.Package.Standard value
    title: str
    scos: tuple[ScoInfo, ...]
    manifest: dict[str, Any]  # JSON-serialisable summary of imsmanifest.xml
    # scorm-again's ``sequencing`` setting plus our launch data (courses.intake.sequencing);
    # {} for SCORM 1.2. JSON-serialisable.
    sequencing: dict[str, Any] = field(default_factory=dict)
