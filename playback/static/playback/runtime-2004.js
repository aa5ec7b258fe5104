/*
 * SCORM 2004: one scorm-again Scorm2004API for the whole sequencing session (its activity tree,
 * rules, rollup and navigation are the library's). The player starts or resumes the session,
 * delivers each activity scorm-again chooses into a fresh frame with that activity's data as
 * the LMS holds it now, follows the learner's navigation, and commits what the run-time
 * reports: the activity's CMI, the root's rolled-up result, the sequencing state.
 *
 * Where scorm-again 3.4.3 falls short of the books, it is corrected here (see the notes).
 */
(function (LmsPlayer) {
  "use strict";

  // 3.4.3 takes SetValue/GetValue on a container element ("cmi", "adl.nav", "cmi.score"...) as
  // an assignment to the model object itself: it answers true and breaks the run-time. The RTE
  // book's answer is false with error 401 (undefined element) for a SetValue and "" with 401
  // for a GetValue.
  var CONTAINER = new RegExp(
    "^(cmi|adl|adl\\.nav|adl\\.data(\\.\\d+)?|adl\\.nav\\.request_valid(\\.(choice|jump))?" +
      "|cmi\\.(score|objectives|interactions|learner_preference|comments_from_learner|comments_from_lms)" +
      "|cmi\\.objectives\\.\\d+(\\.score)?|cmi\\.comments_from_(learner|lms)\\.\\d+" +
      "|cmi\\.interactions\\.\\d+(\\.(objectives|correct_responses)(\\.\\d+)?)?)$"
  );

  function guardContainers(api) {
    var setValue = api.SetValue;
    var getValue = api.GetValue;
    api.SetValue = function (element, value) {
      if (api.isInitialized() && !api.isTerminated() && CONTAINER.test(String(element))) {
        api.lastErrorCode = "401";
        return "false";
      }
      return setValue.call(api, element, value);
    };
    api.GetValue = function (element) {
      if (api.isInitialized() && !api.isTerminated() && CONTAINER.test(String(element))) {
        api.lastErrorCode = "401";
        return "";
      }
      return getValue.call(api, element);
    };
  }

  // RTE data-model rules 3.4.3 gets wrong (ADL's DMI case), checked before its own:
  // - a collection member beyond _count is not there: GetValue fails with 301 (RTE 3.1.7.6),
  //   where 3.4.3 answers 403 or an empty value;
  // - an empty characterstring is a value (cmi.location, cmi.suspend_data, a learner's
  //   comment's location: no minimum length; cmi.learner_preference.language: no preference),
  //   where 3.4.3 refuses it (406) and then reads it as never set (403); so is a delivery speed
  //   of 0 (real, range 0..*, RTE 4.2.13), which 3.4.3 refuses (407);
  // - the shared data stores (adl.data) are the ones the manifest declares: the SCO cannot add
  //   one (351, where 3.4.3 appends it), and a store written empty holds nothing (403, as
  //   emptyStoresUnset below for the SCOs delivered after);
  // - an identifier that is a URN follows RFC 2141 (long_identifier_type, RTE 4.1.1.6), and a
  //   timeinterval puts its hours, minutes and seconds after a "T" (ISO 8601), where 3.4.3
  //   accepts "urn:" or "P1Y6M14D4H15M6.34S"; a time is within 1970-2038 with at most two
  //   decimals of a second.
  var COLLECTION = /^(cmi\.(?:objectives|interactions|comments_from_learner|comments_from_lms)|adl\.data)\.(\d+)\.(?:(objectives|correct_responses)\.(\d+)\.)?/;
  var MAX_VALUE_LENGTH = 64000;
  // An interaction's responses may be longer (providers/local/runtime.py MAX_RESPONSE_LENGTH).
  var MAX_RESPONSE_LENGTH = 128000;
  var RESPONSE = /^cmi\.interactions\.\d+\.(?:learner_response|correct_responses\.\d+\.pattern)$/;
  var EMPTY_ALLOWED = { "cmi.location": "_location", "cmi.suspend_data": "_suspend_data" };
  var PREFERENCES = {
    "cmi.learner_preference.language": /^$/,
    "cmi.learner_preference.delivery_speed": /^(?:0+(?:\.0*)?|\.0+)$/
  };
  var SHARED_DATA = /^adl\.data\.(\d+)\./;
  var SHARED_STORE = /^adl\.data\.\d+\.store$/;
  var COMMENT_LOCATION = /^cmi\.comments_from_learner\.(\d+)\.location$/;
  var TIME_ELEMENT = /^cmi\.(?:comments_from_learner|interactions)\.\d+\.timestamp$/;
  // time (second,10,0): 1970 to 2038, each part only after the one before, at most two
  // decimals of a second, a zone only after a time (RTE 4.1.1.7).
  var TIME =
    /^(?:19[7-9]\d|20[0-2]\d|203[0-8])(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3])(?::[0-5]\d(?::[0-5]\d(?:\.\d{1,2})?)?)?(?:Z|[+-](?:[01]\d|2[0-3])(?::[0-5]\d)?)?)?)?)?$/;
  var IDENTIFIER = /^cmi\.(?:objectives\.\d+|interactions\.\d+(?:\.objectives\.\d+)?)\.id$/;
  var URN = /^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#]+$/i;
  var TIMEINTERVAL_ELEMENT = /^cmi\.(?:session_time|interactions\.\d+\.latency)$/;
  var TIMEINTERVAL = /^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;

  function memberMissing(api, element) {
    var match = COLLECTION.exec(element);
    if (!match) return false;
    var members = membersOf(api, match);
    return !members || Number(match[3] ? match[4] : match[2]) >= members.length;
  }

  // The members' array that a collection element's last index is in (null when not there).
  function membersOf(api, match) {
    var top = match[1] === "adl.data" ? api.adl && api.adl.data : api.cmi[match[1].slice(4)];
    var members = top && top.childArray;
    if (!members || !match[3]) return members || null;
    var member = members[Number(match[2])];
    var nested = member && member[match[3]];
    return (nested && nested.childArray) || null;
  }

  function dataModelRules(api) {
    var setValue = api.SetValue;
    var getValue = api.GetValue;
    var running = function () {
      return api.isInitialized() && !api.isTerminated();
    };
    api.GetValue = function (element) {
      if (running() && memberMissing(api, String(element))) {
        api.lastErrorCode = "301";
        return "";
      }
      var value = getValue.call(api, element);
      if (running() && value === "" && String(api.lastErrorCode) === "0" && SHARED_STORE.test(element)) {
        api.lastErrorCode = "403";
      }
      return value;
    };
    // cmi.interactions' own rules (interactions-2004.js), checked first: a value they let
    // through is kept as set() keeps any other.
    var interactions = LmsPlayer.interactionRules2004 ? LmsPlayer.interactionRules2004(api) : null;
    api.SetValue = function (element, value) {
      var name = String(element);
      if (interactions && running()) {
        return interactions(name, value, function (checked) {
          return set(name, checked);
        });
      }
      return set(name, value);
    };
    function set(name, value) {
      // Beyond an element's smallest permitted maximum the LMS may keep less (RTE 4.1.1): no
      // value is kept longer than the server stores (providers/local/runtime.py
      // MAX_VALUE_LENGTH), so one overlong value cannot get the whole commit refused.
      var longest = RESPONSE.test(name) ? MAX_RESPONSE_LENGTH : MAX_VALUE_LENGTH;
      if (typeof value === "string" && value.length > longest) {
        value = value.slice(0, longest);
      }
      if (running() && typeof value === "string") {
        var comment = value === "" && COMMENT_LOCATION.exec(name);
        var holder = EMPTY_ALLOWED[name]
          ? api.cmi.content
          : comment && api.cmi.comments_from_learner.childArray[Number(comment[1])];
        if (value === "" && holder) {
          holder[EMPTY_ALLOWED[name] || "_location"] = "";
          api._setCMIElements.add(name);
          api.lastErrorCode = "0";
          return "true";
        }
        if (PREFERENCES[name] && PREFERENCES[name].test(value)) {
          api.cmi.learner_preference["_" + name.split(".")[2]] = value;
          api._setCMIElements.add(name);
          api.lastErrorCode = "0";
          return "true";
        }
        var shared = SHARED_DATA.exec(name);
        if (shared && api.adl && api.adl.data && Number(shared[1]) >= api.adl.data.childArray.length) {
          api.lastErrorCode = "351";
          return "false";
        }
        var badUrn = IDENTIFIER.test(name) && /^urn:/i.test(value) && !URN.test(value);
        var badInterval = TIMEINTERVAL_ELEMENT.test(name) && !TIMEINTERVAL.test(value);
        var badTime = TIME_ELEMENT.test(name) && !TIME.test(value);
        if (badUrn || badInterval || badTime) {
          api.lastErrorCode = "406";
          return "false";
        }
      }
      // A refused SetValue creates no member: 3.4.3 appends the new one before it checks the
      // value (ADL DMI: an empty or duplicate id leaves cmi.objectives.n behind, read as "").
      var match = COLLECTION.exec(name);
      var members = match && membersOf(api, match);
      var count = members ? members.length : 0;
      var result = setValue.call(api, name, value);
      if (result !== "true" && members && members.length > count) members.length = count;
      return result;
    }
  }

  // A shared data store written empty holds nothing: the SCOs delivered after it read it as
  // not initialised (403), as ADL's LMS test expects of adl.data.n.store (DDM: tarID_3, set to
  // "" by Activity 1, answers 403 in Activity 2). 3.4.3 counts any write as initialising it.
  function emptyStoresUnset(api) {
    var data = api.adl && api.adl.data;
    if (!data || typeof data.configure !== "function") return;
    var container = Object.getPrototypeOf(data);
    if (container.adlEmptyUnset) return;
    container.adlEmptyUnset = true;
    var forget = function (stores) {
      Object.keys(stores || {}).forEach(function (id) {
        if (stores[id] === "") delete stores[id];
      });
    };
    ["configure", "refreshStores"].forEach(function (name) {
      var original = container[name];
      if (typeof original !== "function") return;
      container[name] = function () {
        forget(arguments[name === "configure" ? 1 : 0]);
        return original.apply(this, arguments);
      };
    });
  }

  // Where scorm-again 3.4.3's sequencing departs from the SN book, as ADL's LMS conformance test
  // shows (tests/e2e/test_adl_conformance.py names the cases).
  function fixSequencing(api, options) {
    function leafCompletion(activity) {
      if (activity.completedByMeasure) {
        var primary = activity.primaryObjective;
        var measure = activity.progressMeasureStatus
          ? activity.progressMeasure
          : primary && primary.progressMeasureStatus
            ? primary.progressMeasure
            : null;
        if (measure === null) return "unknown";
        return measure >= activity.minProgressMeasure ? "completed" : "incomplete";
      }
      var status = activity.completionStatus;
      return status === "not attempted" ? "unknown" : status;
    }

    function firstRuleCondition(activity) {
      var rules = activity.sequencingRules;
      var sets = rules
        ? [rules.preConditionRules, rules.exitConditionRules, rules.postConditionRules]
        : [];
      for (var i = 0; i < sets.length; i++) {
        for (var j = 0; j < (sets[i] || []).length; j++) {
          if (sets[i][j].conditions.length) return sets[i][j].conditions[0];
        }
      }
      for (var k = 0; k < activity.children.length; k++) {
        var found = firstRuleCondition(activity.children[k]);
        if (found) return found;
      }
      return null;
    }

    // A rollup rule's conditions on one child: true, false or null (unknown), and combined with
    // Kleene's logic (RB.1.4.1). A condition on a status the child does not know is unknown.
    function rollupConditions(child, rule) {
      var values = rule.conditions.map(function (condition) {
        var known = true;
        switch (condition.condition) {
          case "satisfied":
            known = child.objectiveSatisfiedStatusKnown || child.successStatus !== "unknown";
            break;
          case "objectiveMeasureGreaterThan":
          case "objectiveMeasureLessThan":
            known = Boolean(child.objectiveMeasureStatus);
            break;
          case "completed":
            // A child's progress from an earlier attempt of its parent does not count
            // (progressInfoAvailableInCurrentParentAttempt, RU-04bc): 3.4.3's evaluate says so.
            if (!child.children.length && child.progressInfoAvailableInCurrentParentAttempt !== false) {
              // A leaf's completion as its rules see it (leafCompletion): by its measure when
              // completed by measure, a measure read from a global objective included (CO-03:
              // Activity 6 reads 0.55 against a minimum of 0.5 and is completed, so its cluster
              // rolls up satisfied and is skipped). 3.4.3 looks at its completion status only.
              var completion = leafCompletion(child);
              if (completion === "unknown") return null;
              return condition.operator === "not" ? completion !== "completed" : completion === "completed";
            }
            known = child.completionStatus !== "unknown" && child.completionStatus !== "not attempted";
            break;
        }
        return known ? Boolean(condition.evaluate(child)) : null;
      });
      if (!values.length) return true;
      var all = rule.conditionCombination !== "any";
      if (values.indexOf(!all) !== -1) return !all;
      return values.indexOf(null) !== -1 ? null : all;
    }

    var process = api._sequencing.overallSequencingProcess.sequencingProcess;
    var SequencingResult = process.sequencingRequestProcess("none").constructor;
    // Exit Sequencing Request Process (SB.2.11): at the root, once its attempt has ended, the
    // sequencing session ends; 3.4.3 raises SB.2.11-1 there instead and the session never ends
    // when a post-condition exits the root (OB-08a, OB-09a: exitParent, then an Exit request).
    Object.getPrototypeOf(process.exitHandler).handleExit = function (current) {
      var result = new SequencingResult();
      if (!current) result.exception = "SB.2.11-1";
      else if (current.isActive) result.exception = "SB.2.11-2";
      else if (!current.parent) result.endSequencingSession = true;
      return result;
    };
    // A Terminate without a navigation request ends nothing yet: the attempt on the activity
    // ends when the learner's next navigation request is processed (OP.1), so its exit and
    // post-condition rules apply then (CM-08: Continue, then the post-condition's Exit All;
    // CM-09cb: a choice, then the post-condition's Continue). 3.4.3 processes an Exit request
    // at once. What the SCO reported is the activity's tracking data from its Terminate on, as
    // the Suspend All termination takes it (CM-11: the learner leaves, comes back, and the
    // activity's objective carries what the SCO set).
    var service = api._sequencingService;
    var termination = api._sequencing.overallSequencingProcess.terminationHandler;
    var prepare = service.prepareNavigationRequest;
    var withoutRequest = false;
    service.prepareNavigationRequest = function (request) {
      if (withoutRequest && request === "exit") return null;
      return prepare.apply(service, arguments);
    };
    // An abandoned attempt counts nothing its SCO reported: Abandon and Abandon All end the
    // attempt without the End Attempt Process (TB.2.3), so no run-time data reaches the
    // activity's tracking status. The player rolls the SCO's reports up as they arrive
    // (autoRollupOnCMIChange), so the activity and the global objectives are put back as they
    // were when the SCO initialised, and the tree rolled up again (SX-04b: Activity 1, passed
    // then abandoned, is not skipped as satisfied when the root is chosen).
    var sequencingProcess = api._sequencing.overallSequencingProcess;
    var atInitialize = null;
    var initialize = api.lmsInitialize;
    api.lmsInitialize = api.Initialize = function () {
      var result = initialize.apply(api, arguments);
      var current = api._sequencing.getCurrentActivity();
      atInitialize = null;
      if (result === "true" && current && !current.children.length) {
        var globals = {};
        sequencingProcess.getGlobalObjectiveMap().forEach(function (entry, id) {
          globals[id] = Object.assign({}, entry);
        });
        atInitialize = { activity: current, state: current.getSuspensionState(), globals: globals };
      }
      return result;
    };
    function undoReports(saved) {
      var activity = saved.activity;
      var state = Object.assign({}, saved.state, {
        isActive: activity.isActive,
        isSuspended: activity.isSuspended,
        activityAttemptActive: activity.activityAttemptActive,
        attemptCount: activity.attemptCount
      });
      delete state.children;
      activity.restoreSuspensionState(state);
      var map = sequencingProcess.getGlobalObjectiveMap();
      Array.from(map.keys()).forEach(function (id) {
        if (saved.globals[id]) Object.assign(map.get(id), saved.globals[id]);
        else map.delete(id);
      });
      sequencingProcess.rollupProcess.overallRollupProcess(activity, map);
    }
    var finish = api.lmsFinish;
    api.lmsFinish = api.Terminate = function () {
      // cmi.exit "time-out" ends the learner's attempt on the whole course: the LMS processes
      // an Exit All navigation request (RTE 4.2.7; DMB). 3.4.3 does so only for "logout".
      var exit = api.isInitialized() && !api.isTerminated() && api.cmi.getExitValueInternal && api.cmi.getExitValueInternal();
      if (exit === "time-out") {
        api.adl.nav.request = "exitAll";
      }
      var pending = api.adl && api.adl.nav ? api.adl.nav.request : "";
      var saved = atInitialize;
      if (
        (pending === "abandon" || pending === "abandonAll") &&
        saved &&
        saved.activity === api._sequencing.getCurrentActivity() &&
        api.isInitialized() &&
        !api.isTerminated()
      ) {
        undoReports(saved);
      }
      var ended = !pending || pending === "_none_";
      withoutRequest = ended;
      var result;
      try {
        result = finish.apply(api, arguments);
      } finally {
        withoutRequest = false;
      }
      var current = api._sequencing.getCurrentActivity();
      if (ended && result === "true" && current && current.isActive && !current.children.length) {
        termination._rteDataTransferService.transferRteData(current);
        termination.rollupProcess.syncTerminatedActivityObjectives(
          current,
          termination.globalObjectiveMap
        );
      }
      return result;
    };
    // Rollup Rule Check Subprocess (RB.1.4, RB.1.4.1): a child whose status is unknown
    // contributes "unknown", not "false": "none of the children satisfied" does not hold while
    // some are not attempted yet (RU-05a). 3.4.3 counts them as false. Only tracked children
    // contribute (checkChildForRollupSubprocess leaves the others out).
    var evaluator = Object.getPrototypeOf(
      api._sequencing.overallSequencingProcess.rollupProcess.ruleEvaluator
    );
    evaluator.evaluateRollupRule = function (activity, rule) {
      var filter = this.childFilter;
      var kind = { satisfied: "objective", notSatisfied: "objective" }[rule.action] || "progress";
      var bag = [];
      activity.getAvailableChildren().forEach(function (child) {
        if (filter.checkChildForRollupSubprocess(child, kind, rule.action)) {
          bag.push(rollupConditions(child, rule));
        }
      });
      var count = function (value) {
        return bag.filter(function (each) {
          return each === value;
        }).length;
      };
      // An empty bag (no tracked child included) holds for "all" and "none" (RB.1.4 step
      // 1.2.4/1.2.6 look for what would refute them; RU-11: untracked children only).
      switch (rule.consideration) {
        case "all":
          return count(true) === bag.length;
        case "any":
          return count(true) > 0;
        case "none":
          return count(false) === bag.length;
        case "atLeastCount":
          return count(true) >= rule.minimumCount;
        case "atLeastPercent":
          return bag.length > 0 && (count(true) / bag.length) * 100 >= rule.minimumPercent;
        default:
          return false;
      }
    };
    // Objective Rollup Process (SN 4.6.5, RB.1.2): by measure when the rolled-up objective is
    // satisfied by measure; else by the rules when the activity has a satisfied or not
    // satisfied rollup rule, and then by those alone (the default rules apply to a pair of
    // actions only when neither is defined); else by the default rules. 3.4.3 falls back on
    // the defaults whenever no rule fires (RU-05b: its "all children satisfied" default makes
    // a cluster satisfied that its own rule leaves unknown).
    var objectives = Object.getPrototypeOf(
      api._sequencing.overallSequencingProcess.rollupProcess.objectiveProcessor
    );
    objectives.objectiveRollupProcess = function (activity) {
      var rules = activity.rollupRules.rules;
      var result;
      if (activity.primaryObjective && activity.primaryObjective.satisfiedByMeasure) {
        result = this.objectiveRollupUsingMeasure(activity);
      } else if (
        rules.some(function (rule) {
          return rule.action === "satisfied" || rule.action === "notSatisfied";
        })
      ) {
        result = this.objectiveRollupUsingRules(activity, rules);
      } else {
        result = this.objectiveRollupUsingDefault(activity);
      }
      if (result !== null) {
        activity.objectiveSatisfiedStatus = result;
        this.syncPrimaryObjectiveFromActivity(activity);
      }
    };
    // An activity that is not tracked has no tracking status (SN 3.13.1): a rule on its
    // completion reads as unknown, as 3.4.3 already does for its objective (RU-10: an untracked
    // cluster rolls up to "completed" and must not exit by it; CO-05a: an untracked cluster
    // whose objective reads a known completion from a global objective is not skipped).
    var condition = firstRuleCondition(api._sequencing.activityTree.root);
    if (condition && !condition.constructor.prototype.adlUntracked) {
      var rule = condition.constructor.prototype;
      var evaluate = rule.evaluate;
      rule.adlUntracked = true;
      rule.evaluate = function (activity) {
        var progress = /^(completed|activityCompleted|progressKnown|activityProgressKnown)$/;
        if (
          activity.sequencingControls &&
          activity.sequencingControls.tracked === false &&
          progress.test(this.condition)
        ) {
          return "unknown";
        }
        // A leaf's completion, for its rules: by its progress measure when completed by
        // measure (CO-04a/b: a completion read from a global objective does not count then),
        // else as reported, a read completion included; "not attempted" is no status (CM-06,
        // SX-12c: a SCO that left its completion unknown). 3.4.3 takes "not attempted" as
        // known.
        if (
          progress.test(this.condition) &&
          !this.referencedObjective &&
          !activity.children.length
        ) {
          var completion = leafCompletion(activity);
          var value = /Known$/.test(this.condition)
            ? completion !== "unknown"
            : completion === "unknown"
              ? "unknown"
              : completion === "completed";
          if (value === "unknown") return value;
          return this.operator === "not" ? !value : value;
        }
        return evaluate.call(this, activity);
      };
    }
    // Measure Rollup Process (RB.1.1): every tracked child counts its Objective Measure Weight,
    // whether it has a measure yet or not, and the measure is the weighted mean over all of
    // them; 3.4.3 divides by the weights of the children that have a measure only, and weighs
    // them by made-up factors (0.8 if not completed, attempt penalties: MS-06).
    var measures = Object.getPrototypeOf(
      api._sequencing.overallSequencingProcess.rollupProcess.measureProcessor
    );
    measures.measureRollupProcess = function (activity) {
      var total = 0;
      var counted = 0;
      var contributing = [];
      activity.getAvailableChildren().forEach(function (child) {
        if (child.sequencingControls.tracked === false) return;
        var weight = child.sequencingControls.objectiveMeasureWeight;
        counted += weight;
        // A child not attempted yet in the parent's current attempt has no measure for it
        // (Use Current Attempt Objective Information), but it still weighs (MS-05a).
        var known = child.objectiveInfoAvailableInCurrentParentAttempt !== false;
        if (known && child.objectiveMeasureStatus && child.objectiveNormalizedMeasure !== null) {
          total += child.objectiveNormalizedMeasure * weight;
          contributing.push(child);
        }
      });
      if (!contributing.length || counted <= 0) {
        activity.objectiveMeasureStatus = false;
        return [];
      }
      activity.objectiveNormalizedMeasure = total / counted;
      activity.objectiveMeasureStatus = true;
      return this.identifyActivityClusters(contributing);
    };
    // Objective Rollup Using Measure (RB.1.2.a): an active activity whose Measure Satisfaction
    // If Active is false is not judged by its measure yet (MS-06).
    var byMeasure = objectives.objectiveRollupUsingMeasure;
    objectives.objectiveRollupUsingMeasure = function (activity) {
      if (activity.isActive && !activity.rollupConsiderations.measureSatisfactionIfActive) {
        return null;
      }
      return byMeasure.call(this, activity);
    };
    // Overall Rollup Process (RB.1.5): the path rolled up starts at the activity itself, so a
    // cluster whose attempt ends is judged again (by its measure once it is no longer active:
    // MS-06); 3.4.3 starts at its parent.
    var rollup = Object.getPrototypeOf(api._sequencing.overallSequencingProcess.rollupProcess);
    var overallRollup = rollup.overallRollupProcess;
    rollup.overallRollupProcess = function (activity, globalObjectives) {
      if (activity.children.length) {
        this.measureProcessor.measureRollupProcess(activity);
        this.measureProcessor.completionMeasureRollupProcess(activity);
        this.objectiveProcessor.objectiveRollupProcess(activity);
        this.progressProcessor.activityProgressRollupProcess(activity);
        if (globalObjectives) {
          this.globalObjectiveSynchronizer.syncGlobalObjectivesReadPhase(activity, globalObjectives);
        }
      }
      return overallRollup.apply(this, arguments);
    };
    // End Attempt Process (UP.4): the LMS marks a leaf completed only when its content said
    // nothing of its completion; a SCO that set cmi.completion_status, even to "unknown", has
    // (CM-06: no "progress known" retry; CO-13a: the global objective stays unknown). 3.4.3
    // takes "unknown" as silence.
    // An "unknown" it set stays unknown (SX-12c: "skip if not completed" does not skip it).
    var ending = Object.getPrototypeOf(termination);
    var endAttempt = ending.endAttempt;
    ending.endAttempt = function (activity) {
      var controls = activity.sequencingControls;
      if (activity.children.length && activity.isActive) {
        // A cluster's attempt ending changes none of its status (UP.4): 3.4.3 turns an
        // unknown completion into "incomplete" (RU-19b: "exit if progress known" must not
        // fire on a cluster whose last child left its completion unknown).
        var before = activity.completionStatus;
        var ended = endAttempt.apply(this, arguments);
        if ((before === "unknown" || before === "not attempted") && activity.completionStatus === "incomplete") {
          activity.completionStatus = before;
          this.rollupProcess.overallRollupProcess(activity, this.globalObjectiveMap);
        }
        return ended;
      }
      var data = activity.isActive && !activity.children.length && this.getCMIData && this.getCMIData();
      if (!data || controls.completionSetByContent) return endAttempt.apply(this, arguments);
      // What the SCO's data makes of the completion: by the measure of the activity or its
      // primary objective when completed by measure (CO-09; unknown without one: CO-04c), else
      // as it said, "unknown" included (CO-13a). An unknown one stays unknown through the
      // attempt's end ("not attempted" is how 3.4.3 spells it without making it "incomplete").
      // A completed-by-measure activity whose SCO gave a measure only through its primary
      // objective (cmi.objectives.n.progress_measure) is judged by it too, whether or not the
      // SCO set cmi.completion_status (CO-10: 0.3 against a minimum of 0.15 is "completed";
      // 3.4.3 takes the objective's completion as it read it from the global objective).
      this._rteDataTransferService.transferRteData(activity);
      var reported = leafCompletion(activity);
      var byMeasure = activity.completedByMeasure && reported !== "unknown";
      if (!data.completion_status_was_set && !byMeasure) return endAttempt.apply(this, arguments);
      // cmi.completion_status, when the SCO set it, is the activity's completion and its
      // primary objective's, whatever the SCO also set on the primary objective's
      // cmi.objectives entry (RTE 4.2.4, 4.2.17; CO-13a: "unknown" here, "completed" there,
      // and the global objective stays unknown). 3.4.3 lets the objective's entry win.
      // "not attempted" is a known progress, not completed (SX-06: "if not completed, retry"
      // retries it; CO-12b: its cluster reads "incomplete" from the global objective).
      if (!activity.completedByMeasure) {
        var said = data.completion_status;
        reported =
          said === "completed" ? said : said === "incomplete" || said === "not attempted" ? "incomplete" : "unknown";
      }
      if (reported === "unknown") activity.completionStatus = "not attempted";
      var globals = this.globalObjectiveMap;
      var primary = activity.primaryObjective;
      var targets = primary
        ? (primary.mapInfo || []).filter(function (map) {
            return map.writeCompletionStatus;
          })
        : [];
      // The completion the activity ends with, and what its write maps give its global
      // objectives: a known one is written; an unknown one writes nothing (SN 3.10.3, Objective
      // Completion Status is written only when Attempt Progress Status is true), so the global
      // objective keeps what it had.
      var before = {};
      targets.forEach(function (map) {
        var entry = globals.get(map.targetObjectiveID);
        if (entry) before[map.targetObjectiveID] = [entry.completionStatus, entry.completionStatusKnown];
      });
      var settle = function () {
        activity.completionStatus = reported;
        activity.attemptProgressStatus = reported !== "unknown";
        if (primary) primary.completionStatus = reported;
        targets.forEach(function (map) {
          var entry = globals.get(map.targetObjectiveID);
          if (!entry) return;
          var kept = before[map.targetObjectiveID] || ["unknown", false];
          entry.completionStatus = reported === "unknown" ? kept[0] : reported;
          entry.completionStatusKnown = reported === "unknown" ? kept[1] : true;
        });
      };
      // 3.4.3's endAttempt transfers the SCO's data again (a completed-by-measure activity
      // without a measure comes back "unknown"), turns "unknown" into "incomplete", writes that
      // to the global objectives and has every activity read them before this wrapper could
      // correct it (CO-04c: Activity 2 reads "incomplete" and is not skipped for "not activity
      // progress known"). The write is corrected as it happens, before the read.
      var rollupProcess = this.rollupProcess;
      rollupProcess.syncTerminatedActivityObjectives = function (ended) {
        var written = Object.getPrototypeOf(rollupProcess).syncTerminatedActivityObjectives.apply(
          rollupProcess,
          arguments
        );
        if (ended === activity) settle();
        return written;
      };
      var result;
      controls.completionSetByContent = true;
      try {
        result = endAttempt.apply(this, arguments);
      } finally {
        controls.completionSetByContent = false;
        delete rollupProcess.syncTerminatedActivityObjectives;
      }
      if (activity.completionStatus !== reported) {
        settle();
        this.rollupProcess.overallRollupProcess(activity, globals);
      }
      return result;
    };
    // RTE-to-SN data transfer: cmi.progress_measure is the activity's attempt completion amount
    // and its primary objective's progress measure, what the objective's write maps give the
    // global objective (CO-10: Activity 1 reads 0.39 after Activity 2 set cmi.progress_measure
    // 0.39). 3.4.3 then overwrites the primary objective's measure with its cmi.objectives
    // entry, which still holds what the SCO was given at launch (0.3).
    var transfer = Object.getPrototypeOf(termination._rteDataTransferService);
    var transferRteData = transfer.transferRteData;
    transfer.transferRteData = function (activity) {
      var result = transferRteData.apply(this, arguments);
      var data = this.context.getCMIData && this.context.getCMIData();
      var measure = data && data.progress_measure !== "" ? parseFloat(data && data.progress_measure) : NaN;
      if (!isNaN(measure) && activity.primaryObjective) {
        // The activity's copy too: setting its completion copies it onto the primary objective.
        activity.progressMeasure = measure;
        activity.progressMeasureStatus = true;
        activity.primaryObjective.progressMeasure = measure;
        activity.primaryObjective.progressMeasureStatus = true;
      }
      return result;
    };
    // Objective map writes when an attempt ends (SN 3.10.3): an objective's progress measure
    // goes to the global objectives it writes to. 3.4.3 writes only satisfaction and measure
    // then, and the tree-wide synchronisation that follows reads each global objective into
    // the objective before writing, so the ended attempt's measure is lost to what the
    // objective read at launch (CO-10: Activity 2's cmi.progress_measure 0.39 replaced by 0.3).
    var rollupPrototype = Object.getPrototypeOf(termination.rollupProcess);
    var writeTerminated = rollupPrototype.syncTerminatedActivityObjectives;
    rollupPrototype.syncTerminatedActivityObjectives = function (activity, globals) {
      var written = writeTerminated.apply(this, arguments);
      if (globals && this.globalObjectiveSynchronizer.canWriteGlobalObjectives(activity)) {
        activity.getAllObjectives().forEach(function (objective) {
          if (!objective.progressMeasureStatus) return;
          (objective.mapInfo || []).forEach(function (map) {
            var entry = map.writeProgressMeasure && globals.get(map.targetObjectiveID || objective.id);
            if (entry) {
              entry.progressMeasure = objective.progressMeasure;
              entry.progressMeasureKnown = true;
            }
          });
        });
      }
      return written;
    };
    // Activity Progress Rollup Using Measure (RB.1.3a): a cluster completed by measure whose
    // primary objective reads its progress measure from a global objective is judged by what
    // it reads, the global objective's measure standing for the activity's attempt completion
    // amount, as ADL's sequencer reads it (CO-12d: Activity 1 reads 0.95 from Activity 2's write
    // and is completed, where its children's weighted mean is 0.475). 3.4.3 judges the mean.
    var progressProcessor = Object.getPrototypeOf(
      api._sequencing.overallSequencingProcess.rollupProcess.progressProcessor
    );
    var progressByMeasure = progressProcessor.activityProgressRollupUsingMeasure;
    progressProcessor.activityProgressRollupUsingMeasure = function (activity) {
      var primary = activity.primaryObjective;
      if (activity.completedByMeasure && activity.children.length && primary) {
        var map = sequencingProcess.getGlobalObjectiveMap();
        (primary.mapInfo || []).forEach(function (info) {
          var entry = info.readProgressMeasure && map.get(info.targetObjectiveID || primary.id);
          if (entry && entry.progressMeasureKnown) {
            activity.attemptCompletionAmount = entry.progressMeasure;
            activity.attemptCompletionAmountStatus = true;
          }
        });
      }
      return progressByMeasure.apply(this, arguments);
    };
    // With objectivesGlobalToSystem false the global objectives belong to one experience of the
    // content organization (CAM, adlseq:objectivesGlobalToSystem): a retry of the root begins
    // another, so they are unknown again before its flow looks at them (RU-13d: the root,
    // retried because the global objective it reads is failed, skips Activity 1, attempted and
    // its objective unknown, and delivers Activity 6). 3.4.3 keeps them across the retry.
    var retryHandler = process.retryHandler;
    var handleRetry = retryHandler.handleRetry;
    retryHandler.handleRetry = function (current) {
      if (
        options.objectivesGlobalToSystem === false &&
        current &&
        !current.parent &&
        current.children.length &&
        !current.isActive &&
        !current.isSuspended
      ) {
        forgetGlobalObjectives(current);
      }
      return handleRetry.apply(this, arguments);
    };
    function forgetGlobalObjectives(root) {
      var map = sequencingProcess.getGlobalObjectiveMap();
      map.forEach(function (entry) {
        Object.assign(entry, {
          satisfiedStatus: false,
          satisfiedStatusKnown: false,
          normalizedMeasure: 0,
          normalizedMeasureKnown: false,
          progressMeasure: 0,
          progressMeasureKnown: false,
          completionStatus: "unknown",
          completionStatusKnown: false,
          rawScore: "",
          rawScoreKnown: false,
          minScore: "",
          minScoreKnown: false,
          maxScore: "",
          maxScoreKnown: false
        });
      });
      (function forget(activity) {
        activity.getAllObjectives().forEach(function (objective) {
          (objective.mapInfo || []).forEach(function (info) {
            if (!map.has(info.targetObjectiveID || objective.id)) return;
            var state = {};
            if (info.readSatisfiedStatus) state.satisfiedStatusKnown = false;
            if (info.readNormalizedMeasure) state.normalizedMeasureKnown = false;
            objective.applyReadMappedState(state);
            if (info.readCompletionStatus) objective.completionStatus = "unknown";
            if (info.readProgressMeasure) objective.progressMeasureStatus = false;
            if (objective.isPrimary) objective.applyToActivity(activity);
          });
        });
        activity.children.forEach(forget);
      })(root);
    }
    // Choice Sequencing Request Process (SB.2.9): the target must pass the Check Activity
    // Process (UP.5), which looks at its limit conditions and "disabled" rules only; a skip
    // rule applies when flow passes an activity, not when the learner or a SCO chooses it
    // (CM-04c: Activity 11, skipped "if attempted", is chosen again and flows into Activity
    // 12). 3.4.3's check refuses a target whose skip rule holds (SB.2.9-5).
    var choiceHandler = Object.getPrototypeOf(process.choiceHandler);
    var handleChoice = choiceHandler.handleChoice;
    var traversal = Object.getPrototypeOf(process.traversalService);
    var checkActivity = traversal.checkActivityProcess;
    var chosen = null;
    // A chosen cluster is entered by the Flow Subprocess (SB.2.9 step 13, SB.2.3), whose
    // traversal applies each activity's skip rules (SB.2.2): nothing skipped is delivered, and
    // the flow goes on past it (CM-04b/CM-04c: choosing Activity 10 flows past Activity 11,
    // skipped "if attempted", to Activity 14). 3.4.3 goes down to the first leaf without them.
    choiceHandler.handleChoice = function (targetId) {
      var target = this.activityTree.getActivity(targetId) || null;
      var result;
      chosen = target;
      // 3.4.3's own way into a chosen cluster (choiceFlowSubprocess) is not asked: the Flow
      // Subprocess below decides.
      this.choiceFlowSubprocess = function (activity) {
        return activity;
      };
      try {
        result = handleChoice.apply(this, arguments);
      } finally {
        chosen = null;
        delete this.choiceFlowSubprocess;
      }
      if (target && target.children.length && result.deliveryRequest === "deliver" && !result.exception) {
        var flow = this.traversalService.findFirstDeliverableActivityResult(target);
        if (flow.deliverable && flow.identifiedActivity) {
          result.targetActivity = flow.identifiedActivity;
        } else {
          result.deliveryRequest = "doNotDeliver";
          result.targetActivity = null;
          result.exception = "SB.2.9-9";
        }
      }
      return result;
    };
    traversal.checkActivityProcess = function (activity) {
      if (activity !== chosen) return checkActivity.apply(this, arguments);
      chosen = null; // the target's own check only, not the flow into it that follows
      if (!activity.isAvailable) return false;
      // Limit Conditions Check (UP.1): an active or suspended activity violates none.
      if (!activity.isActive && !activity.isSuspended && this.ruleEngine.checkLimitConditions(activity)) return false;
      var rules = activity.sequencingRules ? activity.sequencingRules.preConditionRules : [];
      var evaluated = this.getActivityForEvaluation(activity);
      return !rules.some(function (rule) {
        return rule.action === "disabled" && rule.evaluate(evaluated) === true;
      });
    };
    // Overall Rollup Process after a global objective changes (SN 4.6, ADL's sequencer rolls up
    // every activity that reads a changed global objective): a leaf completed by measure whose
    // read progress measure now completes it changes its parent's rollup, though 3.4.3 counts
    // only a changed status as a change (CO-03: the cluster of a leaf that reads 0.55 against a
    // minimum of 0.5 rolls up "satisfied if all children completed").
    var mapping = rollup.processGlobalObjectiveMapping;
    var mappingDepth = 0;
    rollup.processGlobalObjectiveMapping = function (activity, globals) {
      var before = [];
      (function collect(node) {
        if (!node.children.length) {
          if (node.completedByMeasure) before.push([node, leafCompletion(node)]);
        } else {
          node.children.forEach(collect);
        }
      })(activity);
      mappingDepth++;
      var changed;
      try {
        changed = mapping.apply(this, arguments);
      } finally {
        mappingDepth--;
      }
      if (!mappingDepth) {
        var self = this;
        before.forEach(function (pair) {
          var node = pair[0];
          if (node.parent && !node.isActive && leafCompletion(node) !== pair[1]) {
            self.overallRollupProcess(node, globals);
          }
        });
      }
      return changed;
    };
    // Flow Tree Traversal (SB.2.1) backward into a forwardOnly cluster enters it forward, at its
    // first child; running off its end in that flow (everything in it skipped), the traversal
    // turns backward again from the cluster, whose previous activity is next (the previous
    // traversal direction, SB.2.1 step 3.1; CM-03b: Previous from Activity 8 past Activity 4's
    // skipped children to Activity 3). 3.4.3 stops at the cluster's end (SB.2.8-3).
    var backwardFlow = 0;
    var flowSubprocess = traversal.flowSubprocess;
    traversal.flowSubprocess = function (from, direction) {
      if (direction !== "backward") return flowSubprocess.apply(this, arguments);
      backwardFlow++;
      try {
        return flowSubprocess.apply(this, arguments);
      } finally {
        backwardFlow--;
      }
    };
    var continueFlow = traversal.continueFlowActivityTraversal;
    traversal.continueFlowActivityTraversal = function (from, mode, skipChildren, boundary) {
      if (
        backwardFlow &&
        mode === "forward" &&
        boundary &&
        boundary.sequencingControls.forwardOnly &&
        !this.flowTreeTraversalSubprocess(from, mode, skipChildren, boundary).activity
      ) {
        return continueFlow.call(this, boundary, "backward", true, null);
      }
      return continueFlow.apply(this, arguments);
    };
    // Flow Tree Traversal (SB.2.1 step 4.2) backward from a first child goes on from its
    // parent, which may not move backward either when its own parent is Forward Only (CM-07e:
    // no Previous from Activity 5, the first child of Activity 4 inside forwardOnly Activity
    // 2). 3.4.3 checks the Forward Only of the activity's own parent only.
    var traverseBackward = traversal.traverseBackward;
    traversal.traverseBackward = function (from, skipChildren) {
      var result = traverseBackward.apply(this, arguments);
      if (!result.activity || (from.children.length && !skipChildren)) return result;
      for (var node = from; node.parent && !this.activityTree.getPreviousSibling(node); node = node.parent) {
        if (node.parent.parent && node.parent.parent.sequencingControls.forwardOnly) {
          return { activity: null, endSequencingSession: false, exception: "SB.2.1-4" };
        }
      }
      return result;
    };
    // Choice Sequencing Request Process (SB.2.9 steps 7-11, as ADL's sequencer applies them):
    // what lies between the current activity and the target. 3.4.3 checks instead, at each
    // ancestor of the target, Forward Only, Constrain Choice and Prevent Activation between the
    // current and target branches, and never applies the Choice Activity Traversal Subprocess
    // (SB.2.4): a Stop Forward Traversal rule blocks nothing, and a target on a forwardOnly
    // cluster's earlier branch is refused from anywhere inside it (CM-07e: Activity 3 from
    // Activity 5; CM-07f: Activities 2 and 3 from Activity 1).
    // - Case #1, the current activity: nothing lies between.
    // - Case #2, a sibling: each activity from the current one up to the target (exclusive) is
    //   traversed, forward unless a Stop Forward Traversal rule holds on it, backward unless
    //   the parent is Forward Only (SB.2.4).
    // - Case #3, below the current cluster: each ancestor of the target up to the current
    //   activity is traversed forward, and none is an inactive cluster preventing activation.
    // - Case #4, an ancestor: no activity on the way up to it has Choice Exit false.
    // - Case #5, elsewhere: no activity on the way up to the common ancestor has Choice Exit
    //   false; the lowest of them with Constrain Choice limits the target to the activity next
    //   to it (or before it, for a target before it) and that activity's descendants (CM-07d:
    //   from Activity 6, Activity 15 deep inside Activity 9, next to constrained Activity 4;
    //   CM-16: with constrainChoice on the root, the common ancestor, nothing is limited); a
    //   target forward is reached through its ancestors up to the common ancestor, each
    //   traversed forward, the target itself not (CM-07e: Activity 4, whose own Stop Forward
    //   Traversal rule holds, is chosen from Activity 1); no inactive ancestor of the target
    //   below the common ancestor prevents activation (CM-17a: a target beside the current
    //   activity is not such a choice, and flows into its cluster).
    var preorder = function (root) {
      var order = [];
      (function visit(node) {
        order.push(node);
        node.children.forEach(visit);
      })(root);
      return order;
    };
    var before = function (one, other) {
      var order = preorder(api._sequencing.activityTree.root);
      return order.indexOf(one) < order.indexOf(other);
    };
    // Choice Flow Tree Traversal (SB.2.9.2): the activity next to (or before) ``activity``,
    // going up to its ancestors' siblings, without entering clusters.
    var beside = function (activity, forward) {
      for (var node = activity; node && node.parent; node = node.parent) {
        var siblings = node.parent.getAvailableChildren();
        var other = siblings[siblings.indexOf(node) + (forward ? 1 : -1)];
        if (other) return other;
      }
      return null;
    };
    var contains = function (ancestor, activity) {
      for (var node = activity; node; node = node.parent) if (node === ancestor) return true;
      return false;
    };
    var commonAncestor = function (from, to) {
      for (var node = from.children.length ? from : from.parent; node; node = node.parent) {
        if (contains(node, to)) return node;
      }
      return null;
    };
    var ruleHolds = function (activity, action) {
      var rules = activity.sequencingRules ? activity.sequencingRules.preConditionRules : [];
      return rules.some(function (rule) {
        return rule.action === action && rule.evaluate(activity) === true;
      });
    };
    // Choice Activity Traversal Subprocess (SB.2.4).
    var traversable = function (activity, forward) {
      if (forward) return !ruleHolds(activity, "stopForwardTraversal");
      return Boolean(activity.parent) && !activity.parent.sequencingControls.forwardOnly;
    };
    var prevents = function (activity) {
      return !activity.isActive && Boolean(activity.sequencingControls.preventActivation);
    };
    var choicePathAllowed = function (current, target) {
      if (!current || !target || current === target) return true;
      var common = commonAncestor(current, target);
      if (!common) return false;
      var forward = before(current, target);
      var walk;
      if (current.parent && current.parent === target.parent) {
        var siblings = current.parent.getAvailableChildren();
        var index = siblings.indexOf(current);
        var end = siblings.indexOf(target);
        if (index === -1 || end === -1) return false;
        for (; index !== end; index += forward ? 1 : -1) {
          if (!traversable(siblings[index], forward)) return false;
        }
        return true;
      }
      if (common === current) {
        for (walk = target.parent; walk && walk !== common; walk = walk.parent) {
          if (!traversable(walk, true) || prevents(walk)) return false;
        }
        return traversable(common, true);
      }
      if (common === target) {
        for (walk = current.parent; walk && walk !== common; walk = walk.parent) {
          if (walk.sequencingControls.choiceExit === false) return false;
        }
        return true;
      }
      var constrained = null;
      for (walk = current.parent; walk && walk !== common; walk = walk.parent) {
        if (walk.sequencingControls.choiceExit === false) return false;
        if (!constrained && walk.sequencingControls.constrainChoice) constrained = walk;
      }
      if (constrained) {
        var next = beside(constrained, before(constrained, target));
        if (!next || !contains(next, target)) return false;
      }
      for (walk = target.parent; walk && walk !== common; walk = walk.parent) {
        if ((forward && !traversable(walk, true)) || prevents(walk)) return false;
      }
      return !forward || traversable(common, true);
    };
    // The Navigation Request Process (NB.2.1) of 3.4.3 checks the same (choiceValidity below
    // answers with it before the sequencing request): its own forwardOnly and constrained
    // branches give way to the rule above, and a Stop Forward Traversal rule does not disable
    // the activity it is on (CM-07f: Activity 1 is chosen from Activity 2), only the traversal
    // through it.
    var validity = sequencingProcess.navigationValidityService;
    var validityProto = validity && Object.getPrototypeOf(validity);
    while (validityProto && !Object.prototype.hasOwnProperty.call(validityProto, "validateConstrainChoice")) {
      validityProto = Object.getPrototypeOf(validityProto);
    }
    if (validityProto) {
      validityProto.validateConstrainChoice = function (current, target) {
        return choicePathAllowed(current, target)
          ? { valid: true, exception: null }
          : { valid: false, exception: "NB.2.1-11" };
      };
      validityProto.isActivityDisabled = function (activity) {
        if (!activity.isAvailable || activity.isHiddenFromChoice) return true;
        return ruleHolds(activity, "disabled") || ruleHolds(activity, "hiddenFromChoice");
      };
      // Navigation Request Process (NB.2.1 step 7.1): Previous is refused by the Forward Only of
      // the current activity's parent alone. A higher cluster's Forward Only is the backward
      // traversal's to apply, where it would leave a cluster among that one's children
      // (traverseBackward above). 3.4.3 refuses Previous under any Forward Only ancestor (CM-07e:
      // from Activity 6, Activity 5 before it in Activity 4, inside forwardOnly Activity 2).
      validityProto.validateForwardOnlyConstraints = function (current) {
        return current.parent && current.parent.sequencingControls.forwardOnly
          ? { valid: false, exception: "NB.2.1-8" }
          : { valid: true, exception: null };
      };
    }
    // The same for the Previous Sequencing Request Process (SB.2.8), which has no Forward Only
    // check of its own: 3.4.3 checks every ancestor there twice, as the request is validated
    // and as it is handled.
    var parentForwardOnly = function (activity) {
      return Boolean(activity.parent && activity.parent.sequencingControls.forwardOnly);
    };
    Object.getPrototypeOf(process.flowHandler).checkForwardOnlyViolation = function (activity) {
      return parentForwardOnly(activity) ? "SB.2.9-5" : null;
    };
    Object.getPrototypeOf(process.constraintValidator).checkForwardOnlyViolation = function (activity) {
      return parentForwardOnly(activity)
        ? { valid: false, exception: "SB.2.9-5" }
        : { valid: true, exception: null };
    };
    // The same rule where the Choice Sequencing Request Process checks it.
    var constraints = Object.getPrototypeOf(process.constraintValidator);
    var pathToRoot = constraints.validatePathToRoot;
    constraints.validatePathToRoot = function (target) {
      var saved = [];
      for (var node = target.parent; node; node = node.parent) {
        saved.push([node.sequencingControls, node.sequencingControls.preventActivation]);
        node.sequencingControls.preventActivation = false;
      }
      try {
        return pathToRoot.apply(this, arguments);
      } finally {
        saved.forEach(function (pair) {
          pair[0].preventActivation = pair[1];
        });
      }
    };
    constraints.validateAncestorConstraints = function (current, target) {
      return choicePathAllowed(current, target)
        ? { valid: true, exception: null }
        : { valid: false, exception: "SB.2.9-8" };
    };
    // A child whose completion is "not attempted" has no Attempt Progress Status (2nd Ed.
    // addendum: "not attempted" is not mapped to tracking information): it is unknown to
    // rollup, as "unknown" is (RU-19b).
    var childFilter = Object.getPrototypeOf(
      api._sequencing.overallSequencingProcess.rollupProcess.childFilter
    );
    // Check Child for Rollup (RB.1.4.2): "ifNotSkipped" leaves a child out when its skip
    // rules hold now (RU-15b: a failed, attempted child skipped "if not satisfied and
    // attempted"); 3.4.3 looks at whether a traversal once skipped it.
    var checkChild = childFilter.checkChildForRollupSubprocess;
    var considerations = {
      satisfied: "requiredForSatisfied",
      notSatisfied: "requiredForNotSatisfied",
      completed: "requiredForCompleted",
      incomplete: "requiredForIncomplete"
    };
    childFilter.checkChildForRollupSubprocess = function (child, type, action) {
      var setting = considerations[action];
      // "ifAttempted" and "ifNotSuspended" look at the child's Activity Progress Status, which
      // a cluster has once its rollup knows its completion; 3.4.3 reads the attempt progress
      // flag only its leaves set, and leaves out an attempted, completed cluster (T-01b: the
      // completed pretest counts for its module, which is then completed and exited).
      if (
        setting &&
        (child[setting] === "ifAttempted" || child[setting] === "ifNotSuspended") &&
        child.children.length &&
        !child.attemptProgressStatus &&
        (child.completionStatus === "completed" || child.completionStatus === "incomplete")
      ) {
        child.attemptProgressStatus = true;
        try {
          return checkChild.apply(this, arguments);
        } finally {
          child.attemptProgressStatus = false;
        }
      }
      if (!setting || child[setting] !== "ifNotSkipped") return checkChild.apply(this, arguments);
      var skipped = child.wasSkipped;
      var included;
      child.wasSkipped = false;
      try {
        included = checkChild.apply(this, arguments);
      } finally {
        child.wasSkipped = skipped;
      }
      var rules = child.sequencingRules ? child.sequencingRules.preConditionRules : [];
      return (
        included &&
        !rules.some(function (rule) {
          return rule.action === "skip" && rule.evaluate(child) === true;
        })
      );
    };
    var completionKnown = childFilter.isChildCompletionStatusKnownForRollup;
    childFilter.isChildCompletionStatusKnownForRollup = function (child) {
      return child.completionStatus !== "not attempted" && completionKnown.call(this, child);
    };
    // Limit Conditions Check Process (UP.1): an activity that is active or suspended, or not
    // tracked, violates no limit (its attempt is under way). 3.4.3 checks an active cluster's
    // attempt limit against the attempt it is in, so nothing inside a cluster limited to one
    // attempt can be delivered after its first child (T-01a, T-01b).
    var validator = Object.getPrototypeOf(api._sequencing.overallSequencingProcess.deliveryValidator);
    var checkLimits = validator.checkLimitConditions;
    validator.checkLimitConditions = function (activity) {
      if (activity.isActive || activity.isSuspended) return true;
      if (activity.sequencingControls.tracked === false) return true;
      return checkLimits.call(this, activity);
    };
    // Check Activity Process (UP.5) on the way to the delivered activity (DB.1.1): a Disabled
    // rule refuses it as a limit does, so nothing inside a disabled cluster is delivered (ADL's
    // table of contents disables its whole subtree). 3.4.3 looks at availability and limits.
    var checkOnPath = validator.checkActivity;
    validator.checkActivity = function (activity) {
      return checkOnPath.apply(this, arguments) && !ruleHolds(activity, "disabled");
    };
    // Choice Exit (SN 3.2.1, ADL's table of contents): while an activity whose choiceExit is
    // false is active, no choice may leave it, and it is not chosen itself: only the activities
    // below the lowest such activity are offered (CM-07a: at Activity 6, a leaf with choiceExit
    // false, nothing is). 3.4.3's Navigation Request Process offers the activity itself.
    var choiceExitAllows = function (current, target) {
      for (var node = current; node; node = node.parent) {
        if (node.isActive && node.sequencingControls.choiceExit === false) {
          return target !== node && contains(node, target);
        }
      }
      return true;
    };
    // Whether a choice of ``targetId`` made now would deliver something: the one answer for the
    // table of contents and for adl.nav.request_valid.choice.{target=...}. The library's own
    // processes are asked in the order a choice meets them (OP.1): the Navigation Request
    // Process (NB.2.1) on the state as it is, then, as after the Exit that ends the current
    // activity's attempt, the Choice Sequencing Request Process (SB.2.9, a chosen cluster
    // flowed into) and the Delivery Request Process (DB.1.1) for the activity it identifies
    // (CM-07c: Activity 2, its one attempt used, is not offered; nor the root, whose flow stops
    // at Activity 2). The probe changes nothing: the skip marks its flows leave are put back.
    // 3.4.3 answers from its validity of the navigation request alone, for the table of
    // contents computed before the delivered activity is current.
    var navigation = sequencingProcess.navigationValidityService;
    var delivery = sequencingProcess.deliveryHandler;
    var choiceValidity = function (targetId) {
      var tree = api._sequencing.activityTree;
      var target = tree.getActivity(targetId);
      if (!target) return false;
      var current = tree.currentActivity;
      if (!choiceExitAllows(current, target)) return false;
      if (!navigation.validateRequest("choice", targetId).valid) return false;
      var activities = tree.getAllActivities();
      var skipped = activities.map(function (activity) {
        return activity.wasSkipped;
      });
      var ending = current && current.isActive && !current.children.length ? current : null;
      if (ending) ending.isActive = false;
      try {
        var result = process.choiceHandler.handleChoice(targetId, current);
        var identified = !result.exception && result.deliveryRequest === "deliver" ? result.targetActivity : null;
        return Boolean(identified) && delivery.processDeliveryRequest(identified).valid;
      } catch (error) {
        return false;
      } finally {
        if (ending) ending.isActive = true;
        activities.forEach(function (activity, index) {
          activity.wasSkipped = skipped[index];
        });
      }
    };
    sequencingProcess.predictChoiceEnabled = choiceValidity;
  }

  // reset() keeps the previous SCO's launch data (3.4.3): what the LMS gives this SCO comes
  // next; the rest reads as not initialised, or as its default (ADL DMB: a scaled passing score
  // the manifest does not give answers 403).
  function clearLaunchData(api) {
    api.cmi.scaled_passing_score = "";
    api.cmi.max_time_allowed = "";
    api.cmi.launch_data = "";
    api.cmi.time_limit_action = "continue,no message";
  }

  function leaves(node, found) {
    found = found || [];
    if (!node.children || !node.children.length) found.push(node.id);
    (node.children || []).forEach(function (child) {
      leaves(child, found);
    });
    return found;
  }

  function activityIds(node, found) {
    found = found || [];
    found.push(node.id);
    (node.children || []).forEach(function (child) {
      activityIds(child, found);
    });
    return found;
  }

  function Runtime2004(config, env) {
    this.config = config;
    this.env = env; // {queue, ui, frame, post, exit, say}
    this.tree = config.sequencing.activityTree;
    this.rootId = this.tree.id;
    this.singleLeaf = leaves(this.tree).length === 1;
    this.activityIds = activityIds(this.tree);
    this.current = null;
    this.delivery = 0;
    this.loading = false;
    this.leaving = false;
    this.ended = false;
    this.validity = null;
    this.renderQueued = false;
    this.deliveredSinceRequest = false;
  }

  Runtime2004.prototype.start = function () {
    var self = this;
    var listeners = {
      onActivityDelivery: function (activity) {
        self.deliveredSinceRequest = true;
        // Fired inside the previous SCO's Terminate or processNavigationRequest: deliver after.
        window.setTimeout(function () {
          self.deliver(activity.id);
        }, 0);
      },
      onNavigationValidityUpdate: function (update) {
        self.validity = update;
        // Fired by each of the SCO's SetValue calls: the table of contents, which asks the
        // sequencer about every activity, is drawn once the SCO yields.
        if (self.renderQueued) return;
        self.renderQueued = true;
        window.setTimeout(function () {
          self.renderQueued = false;
          self.render();
        }, 0);
      },
      onSequencingSessionEnd: function (data) {
        if (self.restoring) return; // the Suspend All that lets a closed session resume
        self.sessionOver = true;
        window.setTimeout(function () {
          self.end(data && data.reason);
        }, 0);
      }
    };
    var api = new window.Scorm2004API({
      logLevel: 5,
      autocommit: true,
      autocommitSeconds: 15,
      lmsCommitUrl: "lms",
      httpService: {
        reportsRequestCompletion: false,
        processHttpRequest: function (url, params, immediate) {
          self.commit({ terminate: Boolean(immediate) });
          return { result: "true", errorCode: 0 };
        },
        updateSettings: function () {}
      },
      // Roll the tree up as the SCO reports, not only when its attempt ends: the course's
      // result (and the learner's panel) follows the content as it goes.
      sequencing: { activityTree: this.tree, eventListeners: listeners, autoRollupOnCMIChange: true }
    });
    guardContainers(api);
    dataModelRules(api);
    emptyStoresUnset(api);
    fixSequencing(api, { objectivesGlobalToSystem: (this.config.globals || {}).objectivesGlobal !== false });
    // The learner's navigation request, made while the SCO runs, is the one processed when the
    // SCO terminates, whatever the SCO sets on its way out (ADL CM-09ab, CM-09bb, CM-09cb).
    var terminate = api.Terminate;
    api.lmsFinish = api.Terminate = function () {
      if (self.learnerRequest) api.adl.nav.request = self.learnerRequest;
      var service = api._sequencingService;
      service.lastSequencingResult = null;
      self.deliveredSinceRequest = false;
      var result = terminate.apply(api, arguments);
      // 3.4.3 accepts a choice of the current, suspended activity and delivers nothing (DMB:
      // the SCO suspends and chooses itself, and must come back with entry "resume").
      var outcome = service.lastSequencingResult;
      if (
        !self.deliveredSinceRequest &&
        outcome &&
        outcome.deliveryRequest === "deliver" &&
        outcome.targetActivity &&
        outcome.targetActivity.id === self.current
      ) {
        self.deliveredSinceRequest = true;
        window.setTimeout(function () {
          self.deliver(self.current);
        }, 0);
      }
      return result;
    };
    this.api = api;
    window.API_1484_11 = api;
    var restored = false;
    if (this.config.state) {
      restored = api.deserializeSequencingState(this.config.state);
    }
    var globals = this.config.globals || {};
    if (globals.objectivesGlobal && Object.keys(globals.objectives || {}).length) {
      api.restoreGlobalObjectiveSnapshot(globals.objectives);
    }
    if (globals.dataGlobal && api.adl && typeof api.adl.restoreSharedDataSnapshot === "function") {
      api.adl.restoreSharedDataSnapshot(globals.data || {});
    }
    var started;
    if (restored) {
      // A session left without Suspend All (the window closed) must be suspended before it
      // can resume: the learner comes back where they were, as after a Suspend All.
      started = api.processNavigationRequest("resumeAll");
      if (!started) {
        this.restoring = true;
        api.processNavigationRequest("suspendAll");
        this.restoring = false;
        started = api.processNavigationRequest("resumeAll");
      }
    }
    if (!started) {
      started = api.processNavigationRequest("start");
    }
    if (!started) {
      // Without flow at the root the sequencer cannot start by itself (SN 4.6.2): the learner
      // chooses where to begin. A package with one activity needs no choosing.
      var launchable = Object.keys(this.config.activities);
      if (launchable.length === 1) {
        started = api.processNavigationRequest("choice", launchable[0]);
      }
      if (!started) {
        this.env.say("Choose where to begin in the course's contents.");
        this.render();
      }
    }
    window.addEventListener("pagehide", function () {
      self.leave();
    });
  };

  Runtime2004.prototype.running = function () {
    return this.api.isInitialized() && !this.api.isTerminated();
  };

  Runtime2004.prototype.deliver = function (id) {
    var self = this;
    var activity = this.config.activities[id];
    if (this.current) {
      this.commit({}); // the previous activity's state after the navigation's rollup
    }
    if (this.departed) return; // the learner is leaving: nothing more is delivered
    this.current = id;
    this.atTerminate = null;
    this.loading = true;
    var delivery = ++this.delivery;
    this.render();
    this.env.queue
      .flushed()
      .then(function () {
        return self.env.post("activity", { activity: id });
      })
      .then(function (answer) {
        if (delivery !== self.delivery) return; // another delivery has started since
        self.api.reset(undefined, { preserveListeners: true });
        clearLaunchData(self.api);
        self.api.loadFromFlattenedJSON(answer.data, "");
        self.loading = false;
        self.env.say(self.config.notice || "");
        self.env.frame.show(self.env.contentUrl(activity.href), activity.title);
        self.render();
      })
      .catch(function () {
        self.loading = false;
        self.env.say("This activity could not be loaded. Please reload the page.", true);
      });
  };

  // scorm-again 3.4.3 gives a cluster a measure of 0 when the children that have one all weigh 0
  // (MeasureProcessor.measureRollupProcess, dist/scorm2004.js:13898, takes the 0 that
  // calculateComplexWeightedMeasure answers for a total weight of 0, line 14045). The Measure
  // Rollup Process (SN RB.1.1) leaves the measure unknown then: the root has a score only when
  // one of its children that weighs more than 0 (objectiveMeasureWeight, default 1) has one.
  Runtime2004.prototype.rootHasMeasure = function () {
    var api = this.api;
    return (this.tree.children || []).some(function (child) {
      var weight = (child.sequencingControls || {}).objectiveMeasureWeight;
      var data = api.getActivityTrackingData(child.id) || {};
      return (weight === undefined || weight > 0) && typeof data.score === "number";
    });
  };

  Runtime2004.prototype.result = function () {
    var root = this.api.getActivityTrackingData(this.rootId) || {};
    var result = {
      completion: root.completionStatus || "unknown",
      success: root.successStatus || "unknown",
      scaled: typeof root.score === "number" && this.rootHasMeasure() ? root.score : null
    };
    // The learner's course card: how many of the course's activities sequencing holds completed.
    var api = this.api;
    var leaves = Object.keys(this.config.activities || {});
    result.activities = {
      completed: leaves.filter(function (id) {
        return (api.getActivityTrackingData(id) || {}).completionStatus === "completed";
      }).length,
      total: leaves.length
    };
    if (this.singleLeaf && this.current) {
      ["raw", "min", "max"].forEach(function (part) {
        var value = parseFloat(this.api.cmi.score[part]);
        result[part] = isFinite(value) ? value : null;
      }, this);
    }
    return result;
  };

  Runtime2004.prototype.globals = function (state) {
    var globals = this.config.globals || {};
    if (!globals.objectivesGlobal && !globals.dataGlobal) return null;
    var parsed = JSON.parse(state);
    return {
      objectives: globals.objectivesGlobal ? parsed.globalObjectiveMap || {} : {},
      data: globals.dataGlobal ? parsed.sharedData || {} : {}
    };
  };

  // After Terminate, scorm-again adds cmi.session_time to cmi.total_time and resets it to
  // "PT0H0M0S" (CMISession.accumulateSessionTime, dist/scorm2004.js:29001, called by lmsFinish
  // after the terminate commit), and the LMS takes a session's time from cmi.session_time. The
  // SCO's data cannot change once it has terminated: the activity's later commits (after the
  // navigation's rollup, at the session's end) send it as it was at Terminate.
  Runtime2004.prototype.cmiSnapshot = function (options) {
    if (this.atTerminate && !options.terminate && this.api.isTerminated()) return this.atTerminate;
    var cmi = this.api.getFlattenedCMI();
    // An activity left suspended by a Suspend All keeps its data and resumes, as after
    // cmi.exit "suspend" (RTE 4.2.8; ADL DMB suspends all without setting cmi.exit).
    var activity = this.api._sequencing.activityTree.getActivity(this.current);
    if (activity && activity.isSuspended) cmi["cmi.exit"] = "suspend";
    if (options.terminate) this.atTerminate = cmi;
    return cmi;
  };

  Runtime2004.prototype.entry = function (options) {
    var state = this.api.serializeSequencingState();
    var result = this.result();
    // Left with Suspend All: the attempt resumes on the next launch, even if completed (SB.2.6).
    result.suspended = Boolean(this.api._sequencing.activityTree.suspendedActivity);
    return {
      activity: this.current,
      delivery: this.delivery,
      cmi: this.cmiSnapshot(options),
      result: result,
      state: state,
      globals: this.globals(state),
      end: Boolean(options.end)
    };
  };

  Runtime2004.prototype.commit = function (options) {
    if (!this.current || this.loading || this.config.review) return;
    var entry = this.entry(options);
    if (this.leaving) {
      this.env.queue.beacon(entry);
    } else {
      this.env.queue.commit(entry);
    }
  };

  // The learner's navigation from the player's controls.
  Runtime2004.prototype.navigate = function (request, target) {
    var self = this;
    if (this.ended || this.loading) return;
    this.deliveredSinceRequest = false;
    if (this.running()) {
      // The SCO must end first: its own Terminate carries the request.
      this.learnerRequest = request === "choice" ? "{target=" + target + "}choice" : request;
      this.api.adl.nav.request = this.learnerRequest;
      this.env.frame.unload(function () {
        if (self.running()) self.api.Terminate(""); // it did not terminate on unload
        self.learnerRequest = null;
        self.afterRequest();
      });
      return;
    }
    var accepted = this.api.processNavigationRequest(request, target);
    if (accepted && !this.deliveredSinceRequest && request === "choice" && target === this.current) {
      // 3.4.3 accepts a choice of the suspended current activity and delivers nothing.
      this.deliveredSinceRequest = true;
      this.deliver(target);
    }
    this.afterRequest();
    this.render();
  };

  // A valid request can still deliver nothing: a Continue into an activity that a pre-condition
  // rule disables ends the current attempt, then the sequencing request fails (SB.2.2-2; OP.1
  // leaves what follows to the LMS). The learner is told, rather than left before an empty frame.
  Runtime2004.prototype.afterRequest = function () {
    if (!this.deliveredSinceRequest && !this.sessionOver) {
      this.env.say(
        "The course's rules do not let you go there yet. " +
          "Choose an activity in the course's contents."
      );
    }
  };

  Runtime2004.prototype.render = function () {
    var v = this.validity || {};
    var enabled = {};
    // navigate() ignores requests while an activity's data loads: the controls say so.
    var closed = this.ended || this.loading;
    // Each activity a choice request would deliver from now, asked again at every render (after
    // each delivery, with the delivered activity current, and each change of the tracking
    // status): fixSequencing's choiceValidity, as adl.nav.request_valid.choice answers the SCO.
    var process = this.api && this.api._sequencing.overallSequencingProcess;
    this.activityIds.forEach(function (id) {
      enabled[id] = Boolean(process) && !closed && process.predictChoiceEnabled(id);
    });
    this.env.ui.render({
      current: this.current,
      enabled: enabled,
      canContinue: !closed && Boolean(v.continue),
      canPrevious: !closed && Boolean(v.previous) && this.previousFlows(),
      hidden: v.hideLmsUi || [],
      concealed: this.api ? hiddenFromChoice(this.api._sequencing.activityTree.root) : []
    });
  };

  // Previous is offered when the Previous Sequencing Request Process (SB.2.8) would deliver
  // something: its backward flow from the current activity (SB.2.3) finds an activity it may
  // deliver, as ADL's LMS validates the request before showing it (CM-04b: from Activity 15 the
  // flow backward enters Activity 8, whose flow is off, and stops). 3.4.3's validity says valid
  // whenever the current activity has something before it. The probe runs the library's own
  // flow, its skip marks put back afterwards.
  Runtime2004.prototype.previousFlows = function () {
    var sequencing = this.api && this.api._sequencing;
    var current = sequencing && sequencing.getCurrentActivity();
    if (!current) return true;
    var traversal = sequencing.overallSequencingProcess.sequencingProcess.traversalService;
    var activities = sequencing.activityTree.getAllActivities();
    var skipped = activities.map(function (activity) {
      return activity.wasSkipped;
    });
    try {
      var flow = traversal.flowSubprocess(current, "backward");
      return Boolean(flow && flow.deliverable);
    } catch (error) {
      return true; // the library's own validity stands
    } finally {
      activities.forEach(function (activity, index) {
        activity.wasSkipped = skipped[index];
      });
    }
  };

  // The activities a "hidden from choice" pre-condition rule hides now (SN 3.4.2): the table
  // of contents leaves them out (ADL MS-07). 3.4.3's validity update has no such state.
  function hiddenFromChoice(activity, found) {
    found = found || [];
    var rules = activity.sequencingRules ? activity.sequencingRules.preConditionRules : [];
    var hidden = rules.some(function (rule) {
      return rule.action === "hiddenFromChoice" && rule.evaluate(activity) === true;
    });
    if (hidden) found.push(activity.id);
    activity.children.forEach(function (child) {
      hiddenFromChoice(child, found);
    });
    return found;
  }

  Runtime2004.prototype.end = function (reason) {
    var self = this;
    if (this.ended) return;
    this.ended = true;
    this.render();
    this.env.frame.discard();
    if (this.current && !this.config.review) {
      this.env.queue.commit(this.entry({ end: true }));
    }
    this.env.exit(reason);
  };

  // The page is going away: whatever is not stored yet goes by beacon. The SCO's own unload
  // handler may still terminate (its final commit then follows by beacon too).
  Runtime2004.prototype.leave = function () {
    if (this.ended) return;
    if (this.departed) return this.env.queue.beacon(); // what a slow server has not taken yet
    this.leaving = true;
    if (this.current && !this.loading && !this.config.review) {
      this.env.queue.beacon(this.entry({}));
    }
  };

  // The learner leaves by a link of the player page: the SCO is unloaded first, so content that
  // terminates on unload does it now and its data goes the ordinary way; then the state it
  // leaves (the sequencing state after its Terminate included) is sent as when the window
  // closes, and done() runs once the server has stored it all.
  Runtime2004.prototype.depart = function (done) {
    var self = this;
    if (this.ended || this.departed || this.config.review) return done();
    this.departed = true;
    this.env.frame.unload(function () {
      self.commit({}); // the CMI and the sequencing state as they are now, terminated or not
      self.env.queue.flushed().then(done);
    });
  };

  LmsPlayer.Runtime2004 = Runtime2004;
})((window.LmsPlayer = window.LmsPlayer || {}));
