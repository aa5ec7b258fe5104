"""Read interactions and objectives out of a local attempt's stored CMI data.

The local player stores each activity's CMI (``{<sco identifier>: <that SCO's CMI>}``, see
:func:`playback.selectors.attempts_cmi`) flattened (``{"cmi.interactions.0.id": ...}``, scorm-again's ``flattened``
format); nested JSON (collections as objects keyed "0", "1", ... or ``{"childArray": [...]}``)
is read too. SCORM 1.2 and 2004 name some elements differently. Content is untrusted:
anything of an unexpected shape reads as nothing rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Interaction:
    id: str
    description: str
    type: str
    learner_response: str
    correct_responses: tuple[str, ...]
    result: str
    timestamp: str
    latency: str
    weighting: str

    @property
    def is_correct(self) -> bool | None:
        """True/False for the two judged results; None for neutral, unanticipated or numeric."""
        result = self.result.lower()
        if result == "correct":
            return True
        if result in ("incorrect", "wrong"):  # 2004 / 1.2
            return False
        return None


@dataclass(frozen=True)
class Objective:
    id: str
    description: str
    status: str
    score: str


@dataclass(frozen=True)
class ScoReport:
    identifier: str
    interactions: tuple[Interaction, ...]
    objectives: tuple[Objective, ...]

    @property
    def is_empty(self) -> bool:
        return not self.interactions and not self.objectives


def _text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _items(collection: Any) -> list[Mapping[str, Any]]:
    """The members of a CMI collection, in index order, whichever shape it was written in."""
    if isinstance(collection, Mapping):
        if "childArray" in collection:
            return _items(collection["childArray"])
        indexed = []
        for key, value in collection.items():
            if isinstance(key, str) and key.isdigit() and isinstance(value, Mapping):
                indexed.append((int(key), value))
        return [value for _, value in sorted(indexed, key=lambda item: item[0])]
    if isinstance(collection, list):
        return [value for value in collection if isinstance(value, Mapping)]
    return []


def _readable_pattern(pattern: str) -> str:
    # SCORM 2004 joins the parts of one response with the reserved "[,]" delimiter.
    return pattern.replace("[,]", ", ")


def _interaction(data: Mapping[str, Any]) -> Interaction:
    patterns = tuple(
        _readable_pattern(_text(item.get("pattern")))
        for item in _items(data.get("correct_responses"))
    )
    return Interaction(
        id=_text(data.get("id")),
        description=_text(data.get("description")),
        type=_text(data.get("type")),
        # 2004 says learner_response; 1.2 says student_response.
        learner_response=_readable_pattern(
            _text(data.get("learner_response", data.get("student_response")))
        ),
        correct_responses=tuple(p for p in patterns if p),
        result=_text(data.get("result")),
        timestamp=_text(data.get("timestamp", data.get("time"))),  # 1.2 records only a time of day
        latency=_text(data.get("latency")),
        weighting=_text(data.get("weighting")),
    )


def _objective_score(score: Any) -> str:
    if not isinstance(score, Mapping):
        return ""
    scaled = _text(score.get("scaled"))
    if scaled:
        try:
            return f"{float(scaled) * 100:.1f}%"
        except ValueError:
            return scaled
    raw, maximum = _text(score.get("raw")), _text(score.get("max"))
    if raw and maximum:
        return f"{raw} / {maximum}"
    return raw


def _objective_status(data: Mapping[str, Any]) -> str:
    # 1.2 has one "status"; 2004 splits it into success and completion, where a known success
    # says more.
    success = _text(data.get("success_status"))
    if success and success != "unknown":
        return success
    completion = _text(data.get("completion_status"))
    if completion and completion != "unknown":
        return completion
    return _text(data.get("status")) or success or completion


def _objective(data: Mapping[str, Any]) -> Objective:
    return Objective(
        id=_text(data.get("id")),
        description=_text(data.get("description")),
        status=_objective_status(data),
        score=_objective_score(data.get("score")),
    )


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"cmi.interactions.0.id": "q1"}`` -> ``{"interactions": {"0": {"id": "q1"}}}``."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")[1:]  # drop the leading "cmi"
        node = nested
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # a scalar and a branch under one name: skip it
                break
            node = child
        else:
            if parts:
                node.setdefault(parts[-1], value)
    return nested


def _sco_cmi(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        return {}
    if any(isinstance(key, str) and key.startswith("cmi.") for key in data):
        return _unflatten(
            {k: v for k, v in data.items() if isinstance(k, str) and k.startswith("cmi.")}
        )
    # Tolerate the object being stored with its "cmi" wrapper.
    inner = data.get("cmi")
    return inner if isinstance(inner, Mapping) else data


def interactions_from_cmi(data: Any) -> list[Interaction]:
    """The interactions of one SCO's CMI object (1.2 or 2004)."""
    return [_interaction(item) for item in _items(_sco_cmi(data).get("interactions"))]


def objectives_from_cmi(data: Any) -> list[Objective]:
    """The objectives of one SCO's CMI object (1.2 or 2004)."""
    return [_objective(item) for item in _items(_sco_cmi(data).get("objectives"))]


def sco_reports(scos: Any) -> list[ScoReport]:
    """One report per SCO of an attempt's stored CMI by SCO, in stored order."""
    if not isinstance(scos, Mapping):
        return []
    return [
        ScoReport(
            identifier=str(identifier),
            interactions=tuple(interactions_from_cmi(data)),
            objectives=tuple(objectives_from_cmi(data)),
        )
        for identifier, data in scos.items()
        if isinstance(data, Mapping)
    ]
