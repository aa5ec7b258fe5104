/*
 * The local player: defines the SCORM run-time API (scorm-again) on this window, then loads
 * the SCO into the inner frame, which finds the API by walking up its parent frames.
 * One API instance per SCO launch; commits go to the LMS as flattened CMI with a
 * page-wide sequence number so the server can refuse stale ones.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var frame = document.getElementById("sco-frame");
  var statusLine = document.getElementById("player-status");
  var is12 = config.version === "1.2";
  var sequence = 0;
  var current = -1;
  var api = null;
  var pendingNav = null; // where to go once the running SCO has terminated

  function say(message) {
    statusLine.textContent = message;
    statusLine.hidden = !message;
  }

  function createApi(sco) {
    var settings = {
      lmsCommitUrl: config.commitUrl,
      dataCommitFormat: "flattened",
      autocommit: true,
      autocommitSeconds: 15,
      logLevel: "ERROR",
      autoCompleteLessonStatus: false,
      requestHandler: function (cmi, metadata) {
        sequence += 1;
        return {
          token: config.token,
          sco: sco.id,
          sequence: sequence,
          terminate: Boolean(metadata && metadata.isTerminateCommit),
          cmi: cmi,
        };
      },
    };
    var instance = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    instance.loadFromFlattenedJSON(sco.data, "");
    var finish = is12 ? "LMSFinish" : "Terminate";
    instance.on(finish, function () {
      // Navigation listeners (2004) fire right after Terminate: decide on the next tick,
      // unless another SCO has started meanwhile.
      window.setTimeout(function () {
        if (api === instance) afterTerminate();
      }, 0);
    });
    if (!is12) {
      instance.on("SequenceNext", function () { pendingNav = pendingNav || { to: current + 1 }; });
      instance.on("SequencePrevious", function () { pendingNav = pendingNav || { to: current - 1 }; });
      instance.on("SequenceChoice", function (element, target) {
        var index = config.scos.findIndex(function (s) { return s.id === target; });
        pendingNav = pendingNav || (index >= 0 ? { to: index } : null);
      });
      ["SequenceExit", "SequenceExitAll", "SequenceAbandon", "SequenceAbandonAll"].forEach(function (name) {
        instance.on(name, function () { pendingNav = pendingNav || { exit: true }; });
      });
    }
    return instance;
  }

  function exitPlayer() {
    if (config.exitUrl) {
      window.location.assign(config.exitUrl);
    } else {
      say("You have left the course.");
    }
  }

  function afterTerminate() {
    var nav = pendingNav;
    pendingNav = null;
    if (nav && nav.stay) return;
    if (nav && nav.exit) {
      exitPlayer();
    } else if (nav && nav.to >= 0 && nav.to < config.scos.length) {
      start(nav.to);
    } else if (current >= config.scos.length - 1 || config.scos.length === 1) {
      exitPlayer();
    } else {
      say("This activity is finished. Choose the next one above.");
    }
  }

  function markCurrent() {
    document.querySelectorAll("[data-sco-index]").forEach(function (button) {
      button.setAttribute("aria-current", String(Number(button.dataset.scoIndex) === current));
    });
    var prev = document.getElementById("sco-prev");
    var next = document.getElementById("sco-next");
    if (prev) prev.disabled = current <= 0;
    if (next) next.disabled = current >= config.scos.length - 1;
  }

  function start(index) {
    var sco = config.scos[index];
    current = index;
    pendingNav = null;
    say(config.review ? "Review mode: this attempt is finished, so nothing here is recorded." : "");
    api = sco.isSco ? createApi(sco) : null;
    // Define the API before the content loads: content looks for it as soon as it starts.
    if (is12) {
      window.API = api;
    } else {
      window.API_1484_11 = api;
    }
    markCurrent();
    frame.src = sco.url;
  }

  function running() {
    return api && api.isInitialized() && !api.isTerminated();
  }

  function terminate() {
    if (running()) {
      if (is12) {
        api.LMSFinish("");
      } else {
        api.Terminate("");
      }
    }
  }

  // Learner-chosen navigation: unload the running SCO (it terminates itself on unload as
  // well-behaved content does; otherwise we terminate for it), then start the target.
  function go(index) {
    if (index < 0 || index >= config.scos.length || index === current) return;
    if (!running()) {
      start(index);
      return;
    }
    pendingNav = { to: index };
    frame.addEventListener(
      "load",
      function () {
        if (running()) terminate(); // the SCO did not terminate on unload: do it for it
      },
      { once: true }
    );
    frame.src = "about:blank";
  }

  document.querySelectorAll("[data-sco-index]").forEach(function (button) {
    button.addEventListener("click", function () { go(Number(button.dataset.scoIndex)); });
  });
  var prevButton = document.getElementById("sco-prev");
  var nextButton = document.getElementById("sco-next");
  if (prevButton) prevButton.addEventListener("click", function () { go(current - 1); });
  if (nextButton) nextButton.addEventListener("click", function () { go(current + 1); });

  // Leaving the page: if the content did not terminate, do it for it (the final commit goes
  // out with navigator.sendBeacon).
  window.addEventListener("pagehide", function () {
    pendingNav = { stay: true };
    terminate();
  });

  start(Math.min(Math.max(config.current, 0), config.scos.length - 1));
})();
