/*
 * Test SCO for ADL's SCORM 2004 4th Edition LMS conformance scripts.
 *
 * Replaces the suite's Java applet: it reads the case's decoded script (adl-case.json, written
 * by tests/conformance/adl_cases.py), checks that the LMS delivered the activity the script
 * expects next, runs that delivery's calls against the LMS's API_1484_11 and judges each result
 * the way ADL's TestCaseEvaluator does. Results go to window.adlResult, to window.top by
 * postMessage ({type: "adl-result"}) and to localStorage (the whole run, for the harness).
 *
 * Plain ES5: no build step, and it must run in whatever frame the LMS puts it.
 */
(function () {
  "use strict";

  var STORAGE_PREFIX = "adl-sco:";
  var FORMAT = 1;

  // What the SCODepot variants of ADL's SequencingTest.htm do at the end (by file name).
  var VARIANTS = {
    "sequencingtest.htm": { terminate: "after" },
    "sequencingtestsingledoterminate.htm": { terminate: "unload" },
    "exitallonunload.htm": { terminate: "unload", unloadRequest: "exitAll" },
    "suspendallonunload.htm": { terminate: "unload", unloadRequest: "suspendAll" },
    "taract4onunload.htm": { terminate: "unload", unloadRequest: "{target=activity_4}choice" },
    "sequencingtest_sx09_exit.htm": { terminate: "after", expectRemoval: true },
    "sequencingtest_sx09_exitall.htm": { terminate: "after", expectRemoval: true },
    "sequencingtestfail.htm": { terminate: "none", mustNotBeDelivered: true },
    // The API package's asset: an asset makes no API call at all.
    "assetlaunchtest.htm": { terminate: "none" }
  };

  var result = null; // the current delivery's record (window.adlResult)
  var api = null;
  var terminated = false;

  // ---------------------------------------------------------------- API discovery (ADL APIWrapper)

  var findAPITries = 0;

  function findAPI(win) {
    // ADL's loop, with the cross-origin SecurityError a browser throws turned into "not found".
    try {
      while (win.API_1484_11 == null && win.parent != null && win.parent != win) {
        findAPITries++;
        if (findAPITries > 500) {
          note("Error finding API -- too deeply nested.");
          return null;
        }
        win = win.parent;
      }
      return win.API_1484_11;
    } catch (e) {
      note("API search stopped at a cross-origin window: " + e.name);
      return null;
    }
  }

  function getAPI() {
    var theAPI = findAPI(window);
    if (theAPI == null && window.opener != null && typeof window.opener != "undefined") {
      theAPI = findAPI(window.opener);
    }
    return theAPI;
  }

  // ---------------------------------------------------------------- reporting

  function note(text) {
    if (result) {
      result.notes.push(String(text));
    }
  }

  function fail(reason, detail) {
    var entry = { reason: reason };
    if (detail) {
      for (var key in detail) {
        if (Object.prototype.hasOwnProperty.call(detail, key)) {
          entry[key] = detail[key];
        }
      }
    }
    result.failures.push(entry);
    result.ok = false;
  }

  function render() {
    var status = document.getElementById("adl-status");
    if (!status) {
      return;
    }
    var text = (result.block || "Activity " + result.activity) + ": " + result.phase;
    text += result.ok ? ", no failure" : ", " + result.failures.length + " failure(s)";
    if (result.awaiting) {
      text += ". Next: " + result.awaiting;
    }
    status.textContent = text;
    var questions = document.getElementById("adl-ui");
    if (questions && result.phase === "ui") {
      renderQuestions(questions);
    }
  }

  function renderQuestions(container) {
    // For a human tester: one Yes/No pair per question, answered in order.
    var answers = [];
    var list = result.ui.questions;
    for (var i = 0; i < list.length; i++) {
      var row = document.createElement("p");
      row.textContent = list[i].key + (list[i].subject ? " @ " + list[i].subject : "") + " ";
      var choices = ["Y", "N"];
      for (var j = 0; j < choices.length; j++) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choices[j] === "Y" ? "Yes" : "No";
        button.onclick = (function (index, value) {
          return function () {
            answers[index] = value;
            var complete = answers.length === list.length;
            for (var k = 0; complete && k < list.length; k++) {
              complete = answers[k] === "Y" || answers[k] === "N";
            }
            if (complete) {
              container.textContent = "";
              answerUI(answers);
            }
          };
        })(i, choices[j]);
        row.appendChild(button);
      }
      container.appendChild(row);
    }
  }

  function publish(phase) {
    result.phase = phase;
    window.adlResult = result;
    persistResult();
    render();
    try {
      // The LMS page may live on another origin: only test data goes out, so "*" is fine.
      window.top.postMessage(JSON.parse(JSON.stringify(result)), "*");
    } catch (e) {
      note("postMessage to window.top failed: " + e.name);
    }
  }

  // ---------------------------------------------------------------- run state (content origin)

  function storageKey(doc) {
    return STORAGE_PREFIX + doc["case"] + ":" + doc.nonce;
  }

  function freshState() {
    return { position: 0, counters: {}, results: [] };
  }

  function loadState(doc) {
    // null when the content origin may not use localStorage (a third-party iframe in a browser
    // that blocks third-party storage), or when the harness keeps the run state
    // (options.state = "top"): the run state is then kept by window.top instead.
    if (doc.options && doc.options.state === "top") {
      return null;
    }
    try {
      var raw = window.localStorage.getItem(storageKey(doc));
      return raw ? JSON.parse(raw) : freshState();
    } catch (e) {
      return null;
    }
  }

  function askTopForState(doc, callback) {
    // {type: "adl-state-get"} -> the harness answers {type: "adl-state", nonce, state}.
    var done = false;
    var listener = function (event) {
      var data = event.data;
      if (!done && data && data.type === "adl-state" && data.nonce === doc.nonce) {
        done = true;
        window.removeEventListener("message", listener, false);
        callback(data.state || freshState());
      }
    };
    window.addEventListener("message", listener, false);
    window.top.postMessage({ type: "adl-state-get", "case": doc["case"], nonce: doc.nonce }, "*");
    window.setTimeout(function () {
      if (!done) {
        done = true;
        window.removeEventListener("message", listener, false);
        callback(null);
      }
    }, (doc.options && doc.options.stateTimeoutMs) || 3000);
  }

  var currentDoc = null;
  var currentState = null;
  var stateInTop = false;

  function saveState() {
    if (!currentDoc || !currentState) {
      return;
    }
    if (stateInTop) {
      window.top.postMessage(
        { type: "adl-state-put", "case": currentDoc["case"], nonce: currentDoc.nonce, state: currentState },
        "*"
      );
      return;
    }
    try {
      window.localStorage.setItem(storageKey(currentDoc), JSON.stringify(currentState));
    } catch (e) {
      note("localStorage write failed: " + e.name);
    }
  }

  function persistResult() {
    if (!currentState) {
      return;
    }
    var results = currentState.results;
    if (results.length && results[results.length - 1].uid === result.uid) {
      results[results.length - 1] = result;
    } else {
      results.push(result);
    }
    saveState();
  }

  // ---------------------------------------------------------------- launch parameters

  function launchParameters() {
    // lmsrtefunctions.js setParameters(): "?tc=<case>&act=<activity>" anywhere in the URL.
    var match = new RegExp("tc=([^&]+)\\&act=([^&^#]+)").exec(window.location.href);
    return match ? { tc: decodeURIComponent(match[1]), act: decodeURIComponent(match[2]) } : null;
  }

  function variant() {
    var path = window.location.pathname;
    var name = path.substring(path.lastIndexOf("/") + 1).toLowerCase();
    return VARIANTS[name] || VARIANTS["sequencingtest.htm"];
  }

  // ---------------------------------------------------------------- comparisons (TestCaseEvaluator)

  function adlReal(text) {
    var value = Number(text);
    return text === "" || isNaN(value) ? null : value;
  }

  function realEqual(a, b) {
    // RealRangeValidator.compare: floor to 6 decimals, then round to 6 decimals.
    var x = adlReal(a);
    var y = adlReal(b);
    if (x === null || y === null) {
      return false;
    }
    if (Math.floor(x * 1e6) / 1e6 === Math.floor(y * 1e6) / 1e6) {
      return true;
    }
    return Math.round(x * 1e6) / 1e6 === Math.round(y * 1e6) / 1e6;
  }

  function durationSeconds(text) {
    // DurationValidator.numSec: a year is 31536000 s, a month 2628029 s; hundredths kept.
    var match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text
    );
    if (!match || text === "P" || text.charAt(text.length - 1) === "T") {
      return null;
    }
    var n = function (i) {
      return match[i] ? Number(match[i]) : 0;
    };
    var seconds = n(1) * 31536000 + n(2) * 2628029 + n(3) * 86400 + n(4) * 3600 + n(5) * 60;
    return seconds + Math.floor(n(6) * 100) / 100;
  }

  function splitDelimiters(text) {
    // "{lang=en}{case_matters=true}rest" -> ({lang: "en", case_matters: "true"}, "rest")
    var delimiters = {};
    var rest = text;
    var match;
    while ((match = /^\{(lang|case_matters|order_matters)=([^}]*)\}/.exec(rest))) {
      delimiters[match[1]] = match[2];
      rest = rest.substring(match[0].length);
    }
    return { delimiters: delimiters, rest: rest };
  }

  function langStringEqual(expected, returned) {
    // A missing {lang} delimiter means the default, "en"; tags compare case-insensitively.
    var a = splitDelimiters(expected);
    var b = splitDelimiters(returned);
    var la = (a.delimiters.lang || "en").toLowerCase();
    var lb = (b.delimiters.lang || "en").toLowerCase();
    return la === lb && a.rest === b.rest;
  }

  function patternEqual(expected, returned, interactionType) {
    var a = splitDelimiters(expected);
    var b = splitDelimiters(returned);
    var defaults = { case_matters: "false", order_matters: "true", lang: "en" };
    for (var key in defaults) {
      if (
        Object.prototype.hasOwnProperty.call(defaults, key) &&
        (a.delimiters[key] || defaults[key]).toLowerCase() !== (b.delimiters[key] || defaults[key]).toLowerCase()
      ) {
        return false;
      }
    }
    if (a.rest === b.rest) {
      return true;
    }
    if (interactionType === "numeric") {
      var ra = a.rest.split("[:]");
      var rb = b.rest.split("[:]");
      if (ra.length !== rb.length) {
        return false;
      }
      for (var i = 0; i < ra.length; i++) {
        if (!(ra[i] === rb[i] || realEqual(ra[i], rb[i]))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  function typedEqual(call, expected, returned) {
    if (expected === returned) {
      return true;
    }
    switch (call.type) {
      case "real":
        return realEqual(expected, returned);
      case "duration": {
        var a = durationSeconds(expected);
        var b = durationSeconds(returned);
        return a !== null && b !== null && a === b;
      }
      case "time": {
        var ta = Date.parse(expected);
        return !isNaN(ta) && ta === Date.parse(returned);
      }
      case "children": {
        var ea = expected.split(",").sort().join(",");
        return ea === returned.split(",").sort().join(",");
      }
      case "language":
        return expected.toLowerCase() === returned.toLowerCase();
      case "langstring":
        return (
          langStringEqual(expected, returned) ||
          (call.spm > 0 && langStringEqual(expected.substring(0, call.spm), returned))
        );
      case "pattern":
        return patternEqual(expected, returned, call.interactionType || "");
      default:
        // A value truncated to the element's smallest permitted maximum is accepted.
        return call.spm > 0 && expected.length > call.spm && expected.substring(0, call.spm) === returned;
    }
  }

  function judge(call, returned, error) {
    // Returns null when ADL would accept the result, else the reason it would not.
    var expected = call.expected;
    var errorOk = error === call.error;
    var anyNav = returned === "true" || returned === "false" || returned === "unknown";
    switch (call.check) {
      case "exact":
        if (returned !== expected) return "value";
        return errorOk ? null : "error";
      case "typed":
        if (call.learner === "id") {
          expected = currentDoc.learner && currentDoc.learner.id;
          if (!expected) {
            note("k=" + call.k + ": no learner id in the case file, only the error code was checked");
            return errorOk ? null : "error";
          }
        }
        if (!typedEqual(call, expected, returned)) return "value";
        return errorOk ? null : "error";
      case "typed_if_brace":
        if (returned.charAt(0) === "{" ? !typedEqual(call, "", returned) : returned !== "") return "value";
        return errorOk ? null : "error";
      case "objective_id": {
        var id = call.element.substring(call.element.indexOf("&") + 1, call.element.lastIndexOf("&"));
        if (returned !== id) return "value";
        return errorOk ? null : "error";
      }
      case "learner_name":
        return errorOk ? null : "error";
      case "nav_valid_any":
        return anyNav ? null : "value";
      case "nav_valid_any_error":
        if (!anyNav) return "value";
        return errorOk ? null : "error";
      case "comments_from_lms":
        if (error === "0" || error === "301" || error === "403") return null;
        return call.element === "cmi.comments_from_lms" && error === "401" ? null : "error";
      case "less255":
        if (returned.length >= 255) return "value";
        return errorOk ? null : "error";
      case "empty":
        if (returned !== "") return "value";
        return errorOk ? null : "error";
      case "diagnostic":
        if (returned.length >= 255) return "value";
        return errorOk ? null : "error";
      default:
        return "unknown check " + call.check;
    }
  }

  // ---------------------------------------------------------------- running the calls (Command.evaluate)

  function invoke(method, a, b) {
    var fn = api[method];
    if (typeof fn !== "function") {
      throw new Error(method + " is not a function of the API");
    }
    switch (method) {
      case "SetValue":
        return fn.call(api, a, b);
      case "GetLastError":
        return fn.call(api);
      default:
        return fn.call(api, a);
    }
  }

  function asString(value) {
    // lmsrtefunctions.js calls result.toString(); String() does the same without throwing.
    return String(value);
  }

  function findIndex(collection, id) {
    // Command.findObjective / findData: GetValue the _count, then each id, in order.
    var count = parseInt(asString(api.GetValue(collection + "._count")), 10);
    if (isNaN(count)) {
      count = 0;
    }
    for (var i = 0; i < count; i++) {
      if (asString(api.GetValue(collection + "." + i + ".id")) === id) {
        return i;
      }
    }
    return -1;
  }

  function resolveElement(element) {
    if (element.indexOf("&") === -1) {
      return { element: element, index: null };
    }
    var parts = element.split("&");
    var collection = parts[0].indexOf("data") !== -1 ? "adl.data" : "cmi.objectives";
    var index = findIndex(collection, parts[1]);
    return { element: parts[0] + index + parts[2], index: index, id: parts[1] };
  }

  function compareObjectiveIds(call) {
    var count = parseInt(asString(api.GetValue("cmi.objectives._count")), 10) || 0;
    var ids = [];
    for (var i = 0; i < count; i++) {
      ids.push(asString(api.GetValue("cmi.objectives." + i + ".id")));
    }
    var expected = call.objectiveIds || [];
    var ok = ids.length === expected.length;
    for (var j = 0; ok && j < ids.length; j++) {
      ok = expected.indexOf(ids[j]) !== -1;
    }
    return { ok: ok, ids: ids };
  }

  function runCalls(delivery) {
    var calls = delivery.calls;
    for (var i = 0; i < calls.length; i++) {
      var call = calls[i];
      result.callsRun++;
      if (call.method === "compareObjIds") {
        var objectives = compareObjectiveIds(call);
        if (!objectives.ok) {
          fail("objectives", { k: call.k, method: call.method, expected: call.objectiveIds, returned: objectives.ids });
        }
        continue;
      }
      var resolved = resolveElement(call.element);
      if (resolved.index === -1) {
        // Command.evaluate: the call is not made, the result is a failure.
        fail("not found", {
          k: call.k,
          method: call.method,
          element: call.element,
          detail: 'objective or data id "' + resolved.id + '" was not found'
        });
        continue;
      }
      var returned;
      var error;
      try {
        returned = asString(invoke(call.method, resolved.element, call.value === undefined ? "" : call.value));
        error = asString(api.GetLastError());
      } catch (e) {
        fail("exception", { k: call.k, method: call.method, element: resolved.element, detail: e.name + ": " + e.message });
        continue;
      }
      var verdict = judge(call, returned, error);
      if (verdict !== null) {
        var entry = {
          k: call.k,
          method: call.method,
          element: resolved.element,
          expected: call.expected,
          expectedError: call.error,
          returned: returned.length > 300 ? returned.substring(0, 300) + "..." : returned,
          error: error,
          check: call.check
        };
        if (call.value !== undefined) {
          entry.value = call.value.length > 300 ? call.value.substring(0, 300) + "..." : call.value;
        }
        fail(verdict, entry);
      } else if (call.check !== "exact" && (returned !== call.expected || error !== call.error)) {
        result.lenient.push({ k: call.k, element: resolved.element, expected: call.expected, returned: returned, check: call.check });
      }
    }
  }

  // ---------------------------------------------------------------- termination

  function terminate(request) {
    if (terminated || !api) {
      return;
    }
    terminated = true;
    try {
      if (request) {
        result.unloadRequest = { value: request, result: asString(api.SetValue("adl.nav.request", request)) };
      }
      var value = asString(api.Terminate(""));
      result.terminate = { result: value, error: asString(api.GetLastError()) };
    } catch (e) {
      // lmsrtefunctions.js doTerminate(): an exception is a failure of the LMS, not of the SCO.
      fail("exception", { method: "Terminate", detail: e.name + ": " + e.message });
    }
  }

  function finish(delivery, how) {
    result.awaiting = delivery.action ? delivery.action.raw : null;
    result.action = delivery.action;
    // "after": Terminate follows "done"; "unload": the SCO stays until the LMS takes it away.
    result.terminateMode = how.terminate;
    result.expectRemoval = !!how.expectRemoval;
    publish("done");
    if (how.terminate === "after") {
      terminate(null);
      publish("terminated");
      if (how.expectRemoval) {
        var wait = (currentDoc.options && currentDoc.options.removalTimeoutMs) || 5000;
        window.setTimeout(function () {
          fail("not removed", { detail: "The SCO was not taken away by the LMS within " + wait + " ms" });
          publish("terminated");
        }, wait);
      }
    }
  }

  function onUnload() {
    var how = variant();
    if (how.terminate === "unload" && !terminated && api && result && result.phase !== "stopped") {
      terminate(how.unloadRequest || null);
      publish("terminated");
    }
  }

  // ---------------------------------------------------------------- UI inspection

  var pendingUI = null;

  function answerUI(answers) {
    // The harness (or a tester) answers UIQ with "Y"/"N" per question, in order.
    if (!pendingUI) {
      return false;
    }
    var run = pendingUI;
    pendingUI = null;
    var questions = run.delivery.ui;
    result.ui.answers = answers;
    for (var i = 0; i < questions.length; i++) {
      var expected = questions[i].expected ? "Y" : "N";
      if (answers[i] !== expected) {
        result.ui.ok = false;
        fail("ui", { question: questions[i].key, subject: questions[i].subject, expected: expected, answered: answers[i] });
      }
    }
    run.proceed();
    return true;
  }

  function onMessage(event) {
    var data = event.data;
    if (data && data.type === "adl-ui-answers" && data.nonce === currentDoc.nonce && data.answers) {
      answerUI(data.answers);
    }
  }

  // ---------------------------------------------------------------- main

  function newResult(doc, params) {
    var seq = (currentState && currentState.results ? currentState.results.length : 0) + 1;
    return {
      type: "adl-result",
      format: FORMAT,
      "case": doc ? doc["case"] : params && params.tc,
      nonce: doc ? doc.nonce : null,
      seq: seq,
      // Names this delivery uniquely (seq repeats if a late message of the previous page
      // rolls the run state back).
      uid: seq + "-" + new Date().getTime().toString(36) + "-" + Math.random().toString(36).slice(2, 8),
      tc: params ? params.tc : null,
      activity: params ? params.act : null,
      position: null,
      block: null,
      counterBlock: null,
      phase: "started",
      ok: true,
      failures: [],
      lenient: [],
      notes: [],
      callsRun: 0,
      callsExpected: 0,
      ui: { questions: [], answers: null, ok: true },
      awaiting: null,
      action: null,
      terminate: null,
      url: window.location.href
    };
  }

  function start(doc) {
    currentDoc = doc;
    currentState = loadState(doc);
    if (currentState) {
      begin(doc);
      return;
    }
    stateInTop = true;
    askTopForState(doc, function (state) {
      currentState = state;
      if (!state) {
        result = newResult(doc, launchParameters());
        fail("setup", {
          detail: "localStorage is blocked for the content origin and window.top keeps no run state (adl-state-get)"
        });
        currentState = freshState();
        publish("stopped");
        return;
      }
      begin(doc);
    });
  }

  function begin(doc) {
    var params = launchParameters();
    result = newResult(doc, params);
    if (stateInTop) {
      note("localStorage unavailable: run state kept by window.top");
    }
    window.addEventListener("message", onMessage, false);
    window.addEventListener("pagehide", onUnload, false);
    window.addEventListener("unload", onUnload, false);

    var how = variant();
    if (how.mustNotBeDelivered) {
      fail("delivery", { detail: "This SCO (" + window.location.pathname + ") must never be delivered" });
      publish("stopped");
      return;
    }
    if (!params) {
      fail("launch", { detail: "The URL lacks the manifest's parameters ?tc=..&act=..: " + window.location.href });
      publish("stopped");
      return;
    }
    if (params.tc !== doc["case"]) {
      fail("launch", { detail: "Launched test case " + params.tc + " but the package's script is " + doc["case"] });
      publish("stopped");
      return;
    }
    var position = currentState.position;
    var counters = currentState.counters;
    counters[params.act] = (counters[params.act] || 0) + 1;
    result.counterBlock = "Act" + params.act + "V" + counters[params.act];
    var delivery = doc.deliveries[position];
    result.position = position;
    if (!delivery) {
      saveState();
      fail("delivery", {
        detail: "Activity " + params.act + " was delivered after the last expected delivery (" + doc.deliveries.length + ")"
      });
      publish("stopped");
      return;
    }
    if (delivery.activity !== params.act) {
      // LMSTestCaseInterface.evaluateCorrectActivityLaunch: the test stops there.
      saveState();
      fail("delivery", {
        expected: delivery.block,
        detail: "Expected Activity " + delivery.activity + " (" + delivery.block + "), the LMS delivered Activity " + params.act
      });
      publish("stopped");
      return;
    }
    currentState.position = position + 1;
    saveState();
    result.block = delivery.block;
    result.callsExpected = delivery.calls.length;
    if (result.counterBlock !== delivery.block) {
      note("Script block " + delivery.block + " is this activity's delivery " + counters[params.act]);
    }

    api = getAPI();
    if (api == null) {
      fail("api", { detail: "Unable to locate the LMS's API_1484_11" });
      publish("stopped");
      return;
    }

    var proceed = function () {
      runCalls(delivery);
      finish(delivery, how);
    };
    if (delivery.ui.length) {
      result.ui.questions = delivery.ui;
      var uiMode = (doc.options && doc.options.ui) || "wait";
      if (uiMode === "skip") {
        note("UI questions not answered (options.ui = skip)");
        proceed();
        return;
      }
      pendingUI = { delivery: delivery, proceed: proceed };
      publish("ui");
      return;
    }
    proceed();
  }

  function loadCase(url, callback) {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.onreadystatechange = function () {
      if (request.readyState !== 4) {
        return;
      }
      if (request.status === 200 || (request.status === 0 && request.responseText)) {
        var doc;
        try {
          doc = JSON.parse(request.responseText);
        } catch (e) {
          callback(null, "adl-case.json is not JSON: " + e.message);
          return;
        }
        callback(doc, null);
      } else {
        callback(null, "Could not load " + url + " (HTTP " + request.status + ")");
      }
    };
    request.send(null);
  }

  function boot() {
    var script = document.getElementById("adl-sco");
    var url = (script && script.getAttribute("data-case")) || "adl-case.json";
    loadCase(url, function (doc, problem) {
      if (!doc || doc.format !== FORMAT) {
        result = newResult(null, launchParameters());
        fail("setup", { detail: problem || "Unsupported adl-case.json format" });
        publish("stopped");
        return;
      }
      start(doc);
    });
  }

  window.adlSco = {
    answerUI: answerUI,
    // Where this delivery's run is (the harness's log of a case that timed out).
    progress: function () {
      return result ? { phase: result.phase, block: result.block, calls: result.callsRun, ok: result.ok } : null;
    },
    // For harness code that reads results from the content origin.
    readRun: function (caseName, nonce) {
      try {
        return JSON.parse(window.localStorage.getItem(STORAGE_PREFIX + caseName + ":" + nonce));
      } catch (e) {
        return null;
      }
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot, false);
  } else {
    boot();
  }
})();
