/*
 * scorm.js: the demo courses' small SCORM run-time wrapper, for SCORM 1.2 and 2004 4th edition.
 *
 * The page names its standard in <html data-scorm-version="1.2|2004">, and a 2004 page names its
 * primary objective (data-objective-id, as in imsmanifest.xml). Everything version-specific lives
 * here; course.js only calls window.Scorm. Every call is best-effort: with no LMS the course
 * still works and nothing is saved.
 */
(function () {
  "use strict";

  const root = document.documentElement;
  const is2004 = root.dataset.scormVersion === "2004";
  const objectiveId = root.dataset.objectiveId || "";
  const MAX_PARENT_HOPS = 10;

  const CALLS = is2004
    ? { api: "API_1484_11", init: "Initialize", end: "Terminate", get: "GetValue",
        set: "SetValue", commit: "Commit", lastError: "GetLastError" }
    : { api: "API", init: "LMSInitialize", end: "LMSFinish", get: "LMSGetValue",
        set: "LMSSetValue", commit: "LMSCommit", lastError: "LMSGetLastError" };
  const CMI = is2004
    ? { entry: "cmi.entry", location: "cmi.location", suspendData: "cmi.suspend_data",
        score: "cmi.score", response: "learner_response", wrong: "incorrect",
        exit: "cmi.exit", sessionTime: "cmi.session_time" }
    : { entry: "cmi.core.entry", location: "cmi.core.lesson_location",
        suspendData: "cmi.suspend_data", score: "cmi.core.score", response: "student_response",
        wrong: "wrong", exit: "cmi.core.exit", sessionTime: "cmi.core.session_time" };

  let api = null;
  let open = false; // between a successful Initialize and Terminate: the only time calls are legal
  let startedAt = Date.now();
  let passing = is2004 ? 0.8 : 80; // native units: 2004 scaled 0..1, 1.2 percent

  // Climb window.parent from `win` looking for the API object. A frame from another origin
  // throws on property access: skip it and keep climbing.
  function findApi(win) {
    for (let hops = 0; win && hops <= MAX_PARENT_HOPS; hops++) {
      try {
        if (win[CALLS.api]) return win[CALLS.api];
      } catch (error) {
        // foreign frame
      }
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }

  function discoverApi() {
    try {
      return findApi(window) || (window.top.opener ? findApi(window.top.opener) : null);
    } catch (error) {
      return null;
    }
  }

  function call(name, ...args) {
    if (!open) return "";
    try {
      const result = String(api[CALLS[name]](...args));
      if (name !== "get" && result !== "true") {
        console.warn(`SCORM ${CALLS[name]}(${args.join(", ")}): error ${api[CALLS.lastError]()}`);
      }
      return result;
    } catch (error) {
      console.warn(`SCORM ${CALLS[name]} threw`, error);
      return "";
    }
  }
  const get = (element) => call("get", element);
  const set = (element, value) => call("set", element, String(value));

  function number(text, fallback) {
    const value = parseFloat(text);
    return Number.isFinite(value) ? value : fallback;
  }

  // 1.2 wants HHHH:MM:SS.SS, 2004 an ISO 8601 duration such as PT1M5S.
  function sessionTime() {
    const centis = Math.round((Date.now() - startedAt) / 10);
    const hours = Math.floor(centis / 360000);
    const minutes = Math.floor(centis / 6000) % 60;
    const seconds = (centis % 6000) / 100;
    if (is2004) {
      return `PT${hours ? hours + "H" : ""}${minutes ? minutes + "M" : ""}${seconds}S`;
    }
    const pad = (value, width) => String(value).padStart(width, "0");
    const hhhh = pad(Math.min(hours, 9999), 4);
    return `${hhhh}:${pad(minutes, 2)}:${seconds.toFixed(2).padStart(5, "0")}`;
  }

  // The LMS may already hold the primary objective (it is in the manifest): reuse its index.
  function objectiveIndex() {
    const count = number(get("cmi.objectives._count"), 0);
    for (let i = 0; i < count; i++) {
      if (get(`cmi.objectives.${i}.id`) === objectiveId) return i;
    }
    return count;
  }

  /** Initialize. Returns {connected, passPercent, resume: {location, data} or null}. */
  function start() {
    api = discoverApi();
    try {
      open = Boolean(api) && String(api[CALLS.init]("")) === "true";
    } catch (error) {
      open = false;
    }
    startedAt = Date.now();
    let resume = null;
    if (open) {
      if (is2004) {
        passing = number(get("cmi.scaled_passing_score"), passing);
        const status = get("cmi.completion_status");
        if (status !== "completed" && status !== "incomplete") {
          set("cmi.completion_status", "incomplete");
        }
      } else {
        passing = number(get("cmi.student_data.mastery_score"), passing);
        if (get("cmi.core.lesson_status") === "not attempted") {
          set("cmi.core.lesson_status", "incomplete");
        }
      }
      if (get(CMI.entry) === "resume") {
        resume = { location: get(CMI.location), data: get(CMI.suspendData) };
      }
    }
    return { connected: open, passPercent: Math.round(is2004 ? passing * 100 : passing), resume };
  }

  function saveProgress(location, data, commit = true) {
    set(CMI.location, location);
    set(CMI.suspendData, data);
    if (commit) call("commit", "");
  }

  /**
   * Score the quiz and report it. `questions` is [{id, description, response, correct}], the
   * responses and correct answers being choice identifiers (a, b, c). Returns {percent, passed},
   * decided on the same rounded value the LMS receives so both agree.
   */
  function reportResult(questions) {
    const right = questions.filter((q) => q.response === q.correct).length;
    const scaled = Math.round((right / questions.length) * 10000) / 10000;
    const percent = Math.round(scaled * 100);
    const passed = is2004 ? scaled >= passing : percent >= passing;
    if (!open) return { percent, passed };

    set(`${CMI.score}.raw`, percent);
    set(`${CMI.score}.min`, 0);
    set(`${CMI.score}.max`, 100);
    const base = number(get("cmi.interactions._count"), 0); // append: interactions are a journal
    questions.forEach((q, i) => {
      const prefix = `cmi.interactions.${base + i}`;
      set(`${prefix}.id`, q.id); // id, then type, before the rest: 2004 enforces that order
      set(`${prefix}.type`, "choice");
      set(`${prefix}.${CMI.response}`, q.response);
      set(`${prefix}.correct_responses.0.pattern`, q.correct);
      set(`${prefix}.result`, q.response === q.correct ? "correct" : CMI.wrong);
      if (is2004) set(`${prefix}.description`, q.description);
    });
    const status = passed ? "passed" : "failed";
    if (is2004) {
      set("cmi.score.scaled", scaled);
      const objective = `cmi.objectives.${objectiveIndex()}`;
      set(`${objective}.id`, objectiveId);
      set(`${objective}.score.scaled`, scaled);
      set(`${objective}.success_status`, status);
      set(`${objective}.completion_status`, "completed");
      set("cmi.success_status", status);
      set("cmi.completion_status", "completed");
    } else {
      set("cmi.core.lesson_status", status);
    }
    call("commit", "");
    return { percent, passed };
  }

  /**
   * Close the session once: exit mode, session time, Commit, Terminate. `askToLeave` (the
   * learner pressed "Save and exit") also asks a 2004 LMS to close the course.
   */
  function exit(finished, askToLeave = false) {
    if (!open) return;
    if (is2004) {
      set(CMI.exit, finished ? "normal" : "suspend");
      if (askToLeave) set("adl.nav.request", finished ? "exitAll" : "suspendAll");
    } else {
      set(CMI.exit, finished ? "" : "suspend");
    }
    set(CMI.sessionTime, sessionTime());
    call("commit", "");
    call("end", "");
    open = false;
  }

  window.Scorm = { start, saveProgress, reportResult, exit };
})();
