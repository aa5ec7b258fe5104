"""A SCORM 2004 manifest's sequencing as scorm-again 3.4.3 reads it: its ``sequencing`` setting.

``sequencing_config`` turns the default organisation into the ``SequencingSettings`` object that
``new Scorm2004API({sequencing: ...})`` takes (node_modules/scorm-again/dist/types/types/
sequencing_types.d.ts), plus what our player must set itself. The shape::

    {
      "activityTree": Activity,               # the organisation; clusters have "children"
      "objectivesGlobalToSystem": bool,       # adlseq attribute on the organisation, default true
      "sharedDataGlobalToSystem": bool,       # adlcp attribute on the organisation, default true
      "launches": {leaf id: Launch data},
    }

scorm-again reads neither ``*GlobalToSystem`` flag nor ``launches``: they are the player's (the
flags scope the global objective and shared data stores it keeps across attempts).

    Activity = {
      "id", "title", "isVisible"?,
      "sequencingControls": {flow, choice?, choiceExit?, forwardOnly?, useCurrentAttempt...Info?,
                             rollupObjectiveSatisfied?, rollupProgressCompletion?,
                             objectiveMeasureWeight?, preventActivation?, constrainChoice?,
                             selectionTiming?, selectCount?, randomizationTiming?,
                             randomizeChildren?},
      "deliveryControls"?: {tracked?, completionSetByContent?, objectiveSetByContent?},
      "sequencingRules"?: {preConditionRules?, exitConditionRules?, postConditionRules?:
                           [{action, conditionCombination?, conditions: [{condition,
                             operator?: "not", referencedObjective?,
                             parameters?: {threshold}}]}]},
      "rollupRules"?: {rules: [{action, consideration?, minimumCount?, minimumPercent? (0..100),
                               conditionCombination?, conditions: [{condition, operator?}]}]},
      "rollupConsiderations"?: {requiredForSatisfied?, ..., measureSatisfactionIfActive?},
      "attemptLimit"?, "attemptAbsoluteDurationLimit"?, "activityAbsoluteDurationLimit"?,
      "beginTimeLimit"?, "endTimeLimit"?, "timeLimitAction"?,
      "primaryObjective"?: Objective, "objectives"?: [Objective],
      "completionThreshold"?: {completedByMeasure?, minProgressMeasure?, progressWeight?},
      "hideLmsUi"?: [token], "sharedDataMaps"?: [{targetID, readSharedData?, writeSharedData}],
      "auxiliaryResources"?: [{resourceId, purpose}],
      "children"?: [Activity],
    }
    Objective = {"objectiveID", "satisfiedByMeasure"?, "minNormalizedMeasure"?, "mapInfo"?: [
      {targetObjectiveID, <imsss:mapInfo flags>, <adlseq:mapInfo flags>}]}

    Launch data = {
      "href": str,                       # resource href + the item's parameters
      "scormType": "sco" | "asset",
      "dataFromLMS": str | None,         # cmi.launch_data
      "timeLimitAction": str | None,     # cmi.time_limit_action (None: its default)
      "attemptAbsoluteDurationLimit": str | None,   # cmi.max_time_allowed
      "scaledPassingScore": float | None,           # cmi.scaled_passing_score (-1..1)
      "completionThreshold": float | None,          # cmi.completion_threshold
      "objectiveIds": [str],             # cmi.objectives.n.id, primary first
    }

None in the launch data means the manifest leaves that cmi element uninitialised (a GetValue
answers 403), as ADL's DMB and DMI tests expect. On delivery scorm-again itself sets
cmi.completion_threshold (from completedByMeasure/minProgressMeasure only; it writes "" otherwise,
so a 3rd edition threshold must be set after that step) and creates cmi.objectives from the
activity's objectives (applyActivityLaunchData, seedCurrentActivityObjectives); it sets
none of cmi.launch_data, cmi.max_time_allowed, cmi.time_limit_action and
cmi.scaled_passing_score, which the player must set before the SCO's Initialize.

What scorm-again reads, and so how values are written (dist/scorm2004.js, 3.4.3):

- Only keys ``ActivityTreeBuilder.createActivity`` reads are emitted, with the enum spellings of
  RuleConditionType, RuleActionType, RollupActionType, RollupConditionType and
  RollupConsiderationType. A default is written only where scorm-again's differs from IMS SS's:
  ``flow`` (SequencingControls defaults it to true; IMS SS to false) and ``writeSharedData``
  (createActivity defaults it to false; adlcp:map to true).
- ``reorderChildren`` is the IMS SS control but scorm-again's flag of that name is the
  "already randomised" state: the control is written as ``randomizeChildren``.
- ``minimumPercent`` is compared with a 0..100 percentage (RollupRuleEvaluator); the manifest's
  0..1 value is scaled. ``measureThreshold`` becomes ``parameters.threshold``. The rollup
  condition ``activityProgressKnown`` is spelled ``progressKnown``.
- ``attemptLimit="0"`` means no limit, but scorm-again counts any attempt as exceeding a limit of
  0 (Activity.hasAttemptLimitExceeded), so it is left out. Durations that scorm-again's
  CMITimespan pattern refuses would throw in the Activity setters and are left out.
- A primary objective without ``objectiveID`` gets the id " " (one space). createActivity's
  mergeObjectiveSettings drops an objective whose id is falsy, and on delivery
  seedCurrentActivityObjectives creates a cmi.objectives row for every id that does not trim to
  "" (getSeedableObjectiveId): so the objective reaches the sequencer but not cmi.objectives, as
  RTE 4.2.17 requires (ADL's CM-02a and RU-11 expect cmi.objectives._count 0 there).
- One mapInfo entry per target objective merges imsss:mapInfo and adlseq:mapInfo. scorm-again
  defaults every read flag to true, so the flags of a kind the manifest does not map are written
  false: an entry has ``writeSatisfiedStatus`` exactly when an imsss:mapInfo declared it, and
  ``writeRawScore`` exactly when an adlseq:mapInfo did.
- Sequencing collections are resolved here rather than passed as ``collections`` +
  ``sequencingIdRef``: scorm-again merges a collection's controls attribute by attribute,
  appends its rollup rules and objectives to the item's, and drops its limit conditions,
  delivery controls and completion threshold (sanitizeSequencingCollections), none of which is
  the CAM's rule (see ``_definition``).

Identifiers are normalised as their schema types say: xs:ID / xs:IDREF are collapsed
(``xmltree.identifier``); objective and shared-data identifiers are xs:anyURI, also collapsed,
and then compared as the IRIs they denote (see ``_uri_identifier``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from .xmltree import child, children, collapse, identifier, in_namespace, local_name, text

NAMELESS_PRIMARY = " "  # an objectiveID no normalised id can equal (see the module docstring)

_RULE_CONDITIONS = frozenset(
    {
        "satisfied",
        "objectiveStatusKnown",
        "objectiveMeasureKnown",
        "objectiveMeasureGreaterThan",
        "objectiveMeasureLessThan",
        "completed",
        "activityProgressKnown",
        "attempted",
        "attemptLimitExceeded",
        "timeLimitExceeded",
        "outsideAvailableTimeRange",
        "always",
    }
)
_RULE_KINDS = {  # element -> (settings key, the actions its schema type allows)
    "preConditionRule": (
        "preConditionRules",
        frozenset({"skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"}),
    ),
    "exitConditionRule": ("exitConditionRules", frozenset({"exit"})),
    "postConditionRule": (
        "postConditionRules",
        frozenset({"exitParent", "exitAll", "retry", "retryAll", "continue", "previous"}),
    ),
}
# RollupConditionType spells IMS SS's activityProgressKnown "progressKnown". It has no
# timeLimitExceeded or outsideAvailableTimeRange: RollupCondition.evaluate answers false for them.
_ROLLUP_CONDITIONS = {
    "satisfied": "satisfied",
    "objectiveStatusKnown": "objectiveStatusKnown",
    "objectiveMeasureKnown": "objectiveMeasureKnown",
    "completed": "completed",
    "activityProgressKnown": "progressKnown",
    "attempted": "attempted",
    "attemptLimitExceeded": "attemptLimitExceeded",
    "timeLimitExceeded": "timeLimitExceeded",
    "outsideAvailableTimeRange": "outsideAvailableTimeRange",
}
_ROLLUP_ACTIONS = frozenset({"satisfied", "notSatisfied", "completed", "incomplete"})
_CHILD_ACTIVITY_SETS = frozenset({"all", "any", "none", "atLeastCount", "atLeastPercent"})
_COMBINATIONS = frozenset({"all", "any"})
_TIMINGS = frozenset({"never", "once", "onEachNewAttempt"})
_CONSIDERATIONS = frozenset({"always", "ifAttempted", "ifNotSkipped", "ifNotSuspended"})
_HIDE_LMS_UI = frozenset(
    {"continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll"}
)
_TIME_LIMIT_ACTIONS = frozenset(
    {"exit,message", "exit,no message", "continue,message", "continue,no message"}
)
_CONTROL_MODE = (
    "choice",
    "choiceExit",
    "flow",
    "forwardOnly",
    "useCurrentAttemptObjectiveInfo",
    "useCurrentAttemptProgressInfo",
)
_DELIVERY_CONTROLS = ("tracked", "completionSetByContent", "objectiveSetByContent")
_IMSSS_MAP_FLAGS = {  # flag -> IMS SS default
    "readSatisfiedStatus": True,
    "readNormalizedMeasure": True,
    "writeSatisfiedStatus": False,
    "writeNormalizedMeasure": False,
}
_ADLSEQ_MAP_FLAGS = {  # 4th edition's extended maps: flag -> adlseq default
    "readRawScore": True,
    "readMinScore": True,
    "readMaxScore": True,
    "readCompletionStatus": True,
    "readProgressMeasure": True,
    "writeRawScore": False,
    "writeMinScore": False,
    "writeMaxScore": False,
    "writeCompletionStatus": False,
    "writeProgressMeasure": False,
}
# scorm-again's CMITimespan (seconds with at most two decimals); the Activity setters throw on
# anything else, which would stop the whole API from being built.
_TIMESPAN = re.compile(
    r"P(?:[.,0-9]+Y)?(?:[.,0-9]+M)?(?:[.,0-9]+W)?(?:[.,0-9]+D)?"
    r"(?:T?(?:[.,0-9]+H)?(?:[.,0-9]+M)?(?:[0-9]+(?:\.[0-9]{1,2})?S)?)?"
)
_XSD_DURATION = re.compile(
    r"P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?",
    re.ASCII,
)

_Definition = dict[tuple[str, str], list[Element]]


@dataclass(frozen=True)
class Launch:
    """What the manifest says about launching a leaf item."""

    href: str  # resource href + the item's parameters, relative to the package root
    is_sco: bool


def sequencing_config(
    root: Element, *, organisation: Element, launches: Mapping[str, Launch]
) -> dict[str, Any]:
    """The ``sequencing`` setting of scorm-again for ``organisation``, plus our launch data.

    ``launches`` maps the identifier of each launchable leaf item to its launch; the returned
    ``launches`` has an entry for each of them.
    """
    builder = _Builder(_collections(root), launches)
    return {
        "activityTree": builder.activity(organisation),
        "objectivesGlobalToSystem": _global_to_system(organisation, "objectivesGlobalToSystem"),
        "sharedDataGlobalToSystem": _global_to_system(organisation, "sharedDataGlobalToSystem"),
        "launches": builder.launches,
    }


def _collections(root: Element) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for collection in children(root, "sequencingCollection"):
        for sequencing in children(collection, "sequencing"):
            found.setdefault(identifier(sequencing, "ID"), sequencing)
    return found


def _global_to_system(organisation: Element, name: str) -> bool:
    value = next((v for k, v in organisation.attrib.items() if local_name(k) == name), None)
    flag = _boolean(value)
    return True if flag is None else flag


class _Builder:
    def __init__(self, collections: dict[str, Element], launches: Mapping[str, Launch]) -> None:
        self._collections = collections
        self._launches = launches
        self.launches: dict[str, dict[str, Any]] = {}

    def activity(self, element: Element) -> dict[str, Any]:
        definition = self._definition(element)
        activity_id = identifier(element)
        settings: dict[str, Any] = {
            "id": activity_id,
            "title": text(child(element, "title")),
        }
        visible = _boolean(element.get("isvisible"))
        if visible is not None:
            settings["isVisible"] = visible
        settings["sequencingControls"] = _controls(definition)
        _put(
            settings,
            "deliveryControls",
            _flags(_first(definition, "deliveryControls"), _DELIVERY_CONTROLS),
        )
        _put(settings, "sequencingRules", _sequencing_rules(_first(definition, "sequencingRules")))
        rollup = _rollup_rules(_first(definition, "rollupRules"))
        _put(settings, "rollupRules", {"rules": rollup} if rollup else None)
        _put(settings, "rollupConsiderations", _rollup_considerations(definition))
        settings.update(_limit_conditions(_first(definition, "limitConditions")))
        primary, objectives, objective_ids = _objectives(definition)
        _put(settings, "primaryObjective", primary)
        _put(settings, "objectives", objectives)
        threshold = child(element, "completionThreshold")
        _put(settings, "completionThreshold", _completion_threshold(threshold))
        _put(settings, "hideLmsUi", _hide_lms_ui(element))
        _put(settings, "sharedDataMaps", _shared_data_maps(child(element, "data")))
        _put(settings, "auxiliaryResources", _auxiliary_resources(definition))
        time_limit_action = _time_limit_action(element)
        _put(settings, "timeLimitAction", time_limit_action)
        items = children(element, "item")
        if items:
            settings["children"] = [self.activity(item) for item in items]
        elif (launch := self._launches.get(activity_id)) is not None:
            self.launches[activity_id] = {
                "href": launch.href,
                "scormType": "sco" if launch.is_sco else "asset",
                "dataFromLMS": _raw(child(element, "dataFromLMS", ignore_case=True)),
                "timeLimitAction": time_limit_action,
                "attemptAbsoluteDurationLimit": settings.get("attemptAbsoluteDurationLimit"),
                "scaledPassingScore": _scaled_passing_score(primary),
                "completionThreshold": _completion_threshold_value(threshold),
                "objectiveIds": objective_ids,
            }
        return settings

    def _definition(self, element: Element) -> _Definition:
        """The item's sequencing definition elements, by namespace and name.

        SCORM 2004 CAM, <imsss:sequencing> (its IDRef attribute) and <imsss:sequencingCollection>:
        an item's or organisation's sequencing may reference a reusable <sequencing> of the
        collection by IDRef; the referenced information applies to the activity, and what the
        item defines itself overrides it. The override is by whole element, as ADL's tests
        expect: in CM-03b the organisation's <controlMode choice="false" flow="true"/> drops the
        collection's forwardOnly="true" (Previous still works), and in OB-06 the item's
        <imsss:objectives> replaces the collection's while the collection's <adlseq:objectives>
        still applies.
        """
        own = child(element, "sequencing")
        if own is None:
            return {}
        referenced = self._collections.get(identifier(own, "IDRef")) if own.get("IDRef") else None
        combined: _Definition = {}
        for source in (referenced, own):
            if source is None:
                continue
            defined: _Definition = {}
            for part in source:
                if isinstance(part.tag, str):
                    defined.setdefault(_key(part), []).append(part)
            combined.update(defined)
        return combined


def _key(element: Element) -> tuple[str, str]:
    # imsss:objectives and adlseq:objectives share a local name but are different elements.
    return ("adlseq" if in_namespace(element, "adlseq") else "imsss", local_name(element.tag))


def _first(definition: _Definition, name: str, kind: str = "imsss") -> Element | None:
    found = definition.get((kind, name))
    return found[0] if found else None


def _put(settings: dict[str, Any], key: str, value: Any) -> None:
    if value:
        settings[key] = value


def _controls(definition: _Definition) -> dict[str, Any]:
    controls: dict[str, Any] = {"flow": False}  # IMS SS's default; scorm-again's is true
    controls.update(_flags(_first(definition, "controlMode"), _CONTROL_MODE))
    rollup = _first(definition, "rollupRules")
    controls.update(_flags(rollup, ("rollupObjectiveSatisfied", "rollupProgressCompletion")))
    weight = _decimal(rollup.get("objectiveMeasureWeight") if rollup is not None else None, 0, 1)
    if weight is not None:
        controls["objectiveMeasureWeight"] = weight
    constrained = _first(definition, "constrainedChoiceConsiderations", "adlseq")
    controls.update(_flags(constrained, ("preventActivation", "constrainChoice")))
    randomization = _first(definition, "randomizationControls")
    if randomization is not None:
        for name in ("selectionTiming", "randomizationTiming"):
            timing = _token(randomization.get(name), _TIMINGS)
            if timing is not None:
                controls[name] = timing
        count = _integer(randomization.get("selectCount"))
        if count is not None:
            controls["selectCount"] = count
        reorder = _boolean(randomization.get("reorderChildren"))
        if reorder is not None:
            controls["randomizeChildren"] = reorder
    return controls


def _sequencing_rules(rules: Element | None) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for rule in rules if rules is not None else ():
        kind = _RULE_KINDS.get(local_name(rule.tag))
        if kind is None:
            continue
        key, actions = kind
        action_element = child(rule, "ruleAction")
        action = _token(
            action_element.get("action") if action_element is not None else None, actions
        )
        if action is None:
            continue  # without a known action the rule would do something else than written
        settings: dict[str, Any] = {"action": action}
        conditions = child(rule, "ruleConditions")
        combination = _token(
            conditions.get("conditionCombination") if conditions is not None else None,
            _COMBINATIONS,
        )
        if combination is not None:
            settings["conditionCombination"] = combination
        settings["conditions"] = [
            _rule_condition(condition)
            for condition in children(conditions, "ruleCondition")
            if _token(condition.get("condition"), _RULE_CONDITIONS) is not None
        ]
        found.setdefault(key, []).append(settings)
    return found


def _rule_condition(condition: Element) -> dict[str, Any]:
    settings: dict[str, Any] = {"condition": collapse(condition.get("condition", ""))}
    if _token(condition.get("operator"), frozenset({"not"})):
        settings["operator"] = "not"
    referenced = _uri_identifier(condition.get("referencedObjective"))
    if referenced:
        settings["referencedObjective"] = referenced
    threshold = _decimal(condition.get("measureThreshold"), -1, 1)
    if threshold is not None:
        settings["parameters"] = {"threshold": threshold}
    return settings


def _rollup_rules(rules: Element | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for rule in children(rules, "rollupRule"):
        action_element = child(rule, "rollupAction")
        action = _token(
            action_element.get("action") if action_element is not None else None, _ROLLUP_ACTIONS
        )
        if action is None:
            continue
        settings: dict[str, Any] = {"action": action}
        consideration = _token(rule.get("childActivitySet"), _CHILD_ACTIVITY_SETS)
        if consideration is not None:
            settings["consideration"] = consideration
        count = _integer(rule.get("minimumCount"))
        if count is not None:
            settings["minimumCount"] = count
        percent = _decimal(rule.get("minimumPercent"), 0, 1, scale=100)
        if percent is not None:
            settings["minimumPercent"] = percent  # scorm-again compares a 0..100 percentage
        conditions = child(rule, "rollupConditions")
        combination = _token(
            conditions.get("conditionCombination") if conditions is not None else None,
            _COMBINATIONS,
        )
        if combination is not None:
            settings["conditionCombination"] = combination
        settings["conditions"] = []
        for condition in children(conditions, "rollupCondition"):
            name = _ROLLUP_CONDITIONS.get(collapse(condition.get("condition", "")))
            if name is None:
                continue
            entry: dict[str, Any] = {"condition": name}
            if _token(condition.get("operator"), frozenset({"not"})):
                entry["operator"] = "not"
            settings["conditions"].append(entry)
        found.append(settings)
    return found


def _rollup_considerations(definition: _Definition) -> dict[str, Any]:
    element = _first(definition, "rollupConsiderations", "adlseq")
    if element is None:
        return {}
    found: dict[str, Any] = {}
    for name in (
        "requiredForSatisfied",
        "requiredForNotSatisfied",
        "requiredForCompleted",
        "requiredForIncomplete",
    ):
        value = _token(element.get(name), _CONSIDERATIONS)
        if value is not None:
            found[name] = value
    found.update(_flags(element, ("measureSatisfactionIfActive",)))
    return found


def _limit_conditions(element: Element | None) -> dict[str, Any]:
    """The limits scorm-again reads; it has no setting for the two experienced-duration limits."""
    if element is None:
        return {}
    found: dict[str, Any] = {}
    attempts = _integer(element.get("attemptLimit"))
    if attempts:  # 0 means no limit, which scorm-again would read as "no attempt allowed"
        found["attemptLimit"] = attempts
    for name in ("attemptAbsoluteDurationLimit", "activityAbsoluteDurationLimit"):
        duration = _timespan(element.get(name))
        if duration is not None:
            found[name] = duration
    for name in ("beginTimeLimit", "endTimeLimit"):
        moment = collapse(element.get(name, ""))
        if moment:
            found[name] = moment
    return found


def _objectives(
    definition: _Definition,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[str]]:
    """The primary objective, the others, and the ids to create in cmi.objectives.

    RTE 4.2.17: cmi.objectives holds the activity's objectives that have an objectiveID; their
    order need not follow the manifest's, but ADL's CM-03b expects the primary first.
    """
    declared = _first(definition, "objectives")
    ids: list[str] = []
    maps: dict[str, dict[str, dict[str, Any]]] = {}  # objective id -> target -> entry
    primary: dict[str, Any] | None = None
    objectives: list[dict[str, Any]] = []
    primary_element = child(declared, "primaryObjective")
    elements = [primary_element] if primary_element is not None else []
    for element in [*elements, *children(declared, "objective")]:
        objective_id = _uri_identifier(element.get("objectiveID"))
        is_primary = element is primary_element
        if not objective_id:
            if not is_primary:
                continue  # the schema requires it; scorm-again would drop the objective
            objective_id = NAMELESS_PRIMARY
        else:
            ids.append(objective_id)
        settings: dict[str, Any] = {"objectiveID": objective_id}
        by_measure = _boolean(element.get("satisfiedByMeasure"))
        if by_measure is not None:
            settings["satisfiedByMeasure"] = by_measure
        minimum = _decimal(_raw(child(element, "minNormalizedMeasure")), -1, 1)
        if minimum is not None:
            settings["minNormalizedMeasure"] = minimum
        targets = maps.setdefault(objective_id, {})
        for info in children(element, "mapInfo"):
            _merge_map(targets, info, _IMSSS_MAP_FLAGS, _ADLSEQ_MAP_FLAGS)
        if is_primary:
            primary = settings
        else:
            objectives.append(settings)
    # 4th edition: adlseq:objective extends the imsss objective with the same objectiveID.
    for extension in children(_first(definition, "objectives", "adlseq"), "objective"):
        objective_id = _uri_identifier(extension.get("objectiveID"))
        if objective_id not in maps:
            continue  # the CAM requires a matching imsss objective
        for info in children(extension, "mapInfo"):
            _merge_map(maps[objective_id], info, _ADLSEQ_MAP_FLAGS, _IMSSS_MAP_FLAGS)
    for settings in [*([primary] if primary else []), *objectives]:
        entries = maps[settings["objectiveID"]]
        if entries:
            settings["mapInfo"] = list(entries.values())
    return primary, objectives, list(dict.fromkeys(ids))


def _merge_map(
    targets: dict[str, dict[str, Any]],
    info: Element,
    declared: Mapping[str, bool],
    other: Mapping[str, bool],
) -> None:
    target = _uri_identifier(info.get("targetObjectiveID"))
    if not target:
        return
    entry = targets.get(target)
    if entry is None:
        # Not mapped by the other kind (yet): switch off the reads scorm-again defaults to true.
        entry = {"targetObjectiveID": target}
        entry.update({flag: False for flag, default in other.items() if default})
        targets[target] = entry
    for flag, default in declared.items():
        value = _boolean(info.get(flag))
        entry[flag] = default if value is None else value


def _completion_threshold(element: Element | None) -> dict[str, Any]:
    """4th edition's attributes; 3rd edition's element text only seeds cmi.completion_threshold."""
    if element is None:
        return {}
    found: dict[str, Any] = _flags(element, ("completedByMeasure",))
    for name in ("minProgressMeasure", "progressWeight"):
        value = _decimal(element.get(name), 0, 1)  # scorm-again's setters throw outside 0..1
        if value is not None:
            found[name] = value
    return found


def _completion_threshold_value(element: Element | None) -> float | None:
    if element is None:
        return None
    if _boolean(element.get("completedByMeasure")):
        minimum = _decimal(element.get("minProgressMeasure"), 0, 1)
        return 1.0 if minimum is None else minimum
    return _decimal(_raw(element), 0, 1)


def _hide_lms_ui(item: Element) -> list[str]:
    return [
        token
        for presentation in children(item, "presentation")
        for interface in children(presentation, "navigationInterface")
        for hide in children(interface, "hideLMSUI")
        if (token := _token(_raw(hide), _HIDE_LMS_UI)) is not None
    ]


def _shared_data_maps(data: Element | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for mapping in children(data, "map"):
        target = _uri_identifier(mapping.get("targetID"))
        if not target:
            continue
        entry: dict[str, Any] = {"targetID": target}
        read = _boolean(mapping.get("readSharedData"))
        if read is not None:
            entry["readSharedData"] = read
        write = _boolean(mapping.get("writeSharedData"))
        entry["writeSharedData"] = True if write is None else write  # scorm-again defaults false
        found.append(entry)
    return found


def _auxiliary_resources(definition: _Definition) -> list[dict[str, str]]:
    return [
        {"resourceId": resource_id, "purpose": purpose}
        for resource in children(_first(definition, "auxiliaryResources"), "auxiliaryResource")
        if (resource_id := collapse(resource.get("auxiliaryResourceID", "")))
        and (purpose := resource.get("purpose", "").strip())
    ]


def _time_limit_action(item: Element) -> str | None:
    return _token(_raw(child(item, "timeLimitAction")), _TIME_LIMIT_ACTIONS, collapse_value=False)


def _scaled_passing_score(primary: dict[str, Any] | None) -> float | None:
    """cmi.scaled_passing_score: set only when the primary objective is satisfied by measure."""
    if not primary or not primary.get("satisfiedByMeasure"):
        return None
    return primary.get("minNormalizedMeasure", 1.0)  # IMS SS default


def _flags(element: Element | None, names: tuple[str, ...]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for name in names:
        value = _boolean(element.get(name)) if element is not None else None
        if value is not None:
            found[name] = value
    return found


def _raw(element: Element | None) -> str | None:
    """An element's text as written (xs:string preserves whitespace); None if absent."""
    return None if element is None else (element.text or "")


def _uri_identifier(value: str | None) -> str:
    """An objective or shared-data identifier (xs:anyURI), as ADL's LMS test compares them.

    The schema collapses whitespace; the identifier is then the IRI the escaped form denotes:
    ADL's OB-12a declares objectiveID=" ob%20j%201 " and expects cmi.objectives.n.id "ob j 1",
    and matches referencedObjective="ob%20%20%20j%20%201" to it (OB-02a, OB-02b and OB-11a
    match global objective ids padded the same ways).
    """
    if not value:
        return ""
    return collapse(unquote(collapse(value)))


def _token(
    value: str | None, allowed: frozenset[str], *, collapse_value: bool = True
) -> str | None:
    if value is None:
        return None
    value = collapse(value) if collapse_value else value.strip()
    return value if value in allowed else None


def _boolean(value: str | None) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(collapse(value or ""))


def _integer(value: str | None) -> int | None:
    value = collapse(value or "").lstrip("+")
    return int(value) if value.isascii() and value.isdigit() else None


def _decimal(value: str | None, low: float, high: float, *, scale: int = 1) -> float | None:
    try:
        number = Decimal(collapse(value or ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    result = float(number * scale)
    return result if math.isfinite(result) else None


def _timespan(value: str | None) -> str | None:
    """An xs:duration scorm-again accepts: seconds rounded to its two decimals, else None."""
    value = collapse(value or "")
    if not value or not _XSD_DURATION.fullmatch(value):
        return None
    if _TIMESPAN.fullmatch(value):
        return value
    match = re.fullmatch(r"(.*?)(\d+\.\d+)S", value, re.ASCII)
    if match is None:
        return None
    rounded = f"{Decimal(match.group(2)).quantize(Decimal('0.01')).normalize():f}"
    fixed = f"{match.group(1)}{rounded}S"
    return fixed if _TIMESPAN.fullmatch(fixed) else None
