/*
 * The launcher page, on the content origin: the page the LMS frames for a local launch.
 *
 * Its launch token arrives in the URL fragment (never sent to a server) and is removed from the
 * address at once. With it the launcher fetches the session from the LMS (another origin:
 * text/plain JSON, readable through CORS), exchanges the package's capability for the cookie
 * that reads its files, loads the SCORM run-time (scorm-again) and hands over to the runtime for
 * the package's version. The SCOs, on this same origin, find the API by walking up their
 * parents; nothing here can reach the LMS page, its cookies or its DOM.
 */
(function (LmsPlayer) {
  "use strict";

  var body = document.body;
  var token = window.location.hash.slice(1);
  if (token) {
    window.history.replaceState(null, "", window.location.pathname);
  }

  function say(message, alarming) {
    var status = document.getElementById("player-status");
    status.textContent = message || "";
    status.hidden = !message;
    status.setAttribute("role", alarming ? "alert" : "status");
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(Object.assign({ token: token }, payload))
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function start(config) {
    var ui;
    var runtime;
    var lmsOrigin = new URL(config.urls.commit).origin; // the page that frames us
    var queue = new LmsPlayer.CommitQueue(config.urls.commit, token, function () {
      say("This course was opened again elsewhere, or its session has ended: this window records nothing more.", true);
    });
    var env = {
      queue: queue,
      frame: new LmsPlayer.ContentFrame(document.getElementById("sco-area")),
      say: say,
      post: function (kind, payload) {
        return post(config.urls[kind], payload);
      },
      contentUrl: function (href) {
        return config.urls.content + href;
      },
      exit: function () {
        say("You have left the course. Saving your progress…");
        var saved = Promise.race([
          queue.flushed(),
          new Promise(function (resolve) {
            window.setTimeout(resolve, 5000);
          })
        ]);
        saved.then(function () {
          window.parent.postMessage({ type: "lms:player-gone" }, lmsOrigin);
          if (config.exitUrl) {
            window.location.assign(config.exitUrl);
          } else {
            say("You have left the course.");
          }
        });
      }
    };
    function handler(request) {
      return function (target) {
        runtime.navigate(request, target);
      };
    }
    var handlers = {
      choice: handler("choice"),
      continue: handler("continue"),
      previous: handler("previous"),
      exitAll: handler("exitAll"),
      suspendAll: handler("suspendAll")
    };
    handlers.suspendAll.available = config.version !== "1.2";
    ui = new LmsPlayer.PlayerUI(config, handlers);
    env.ui = ui;
    runtime =
      config.version === "1.2" ? new LmsPlayer.Runtime12(config, env) : new LmsPlayer.Runtime2004(config, env);
    LmsPlayer.runtime = runtime; // for the browser tests
    runtime.start();
    offerDeparture(runtime, lmsOrigin);
  }

  // The LMS page that frames us leaves by its own links through us: it asks, the runtime stores
  // what the SCO leaves (5 s at most), and we answer; the page then goes where the learner asked.
  function offerDeparture(runtime, lmsOrigin) {
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || event.origin !== lmsOrigin || !event.data) return;
      if (event.data.type === "lms:player-ready?") {
        window.parent.postMessage({ type: "lms:player-ready" }, lmsOrigin);
        return;
      }
      if (event.data.type !== "lms:leave") return;
      var stored = new Promise(function (resolve) {
        runtime.depart(resolve);
      });
      var waited = new Promise(function (resolve) {
        window.setTimeout(resolve, 5000);
      });
      Promise.race([stored, waited]).then(function () {
        window.parent.postMessage({ type: "lms:left" }, lmsOrigin);
      });
    });
    window.parent.postMessage({ type: "lms:player-ready" }, lmsOrigin);
  }

  if (!token) {
    say("This player opens from the LMS: press Play on the course's page.", true);
    return;
  }
  say("Loading the course…");
  post(body.dataset.sessionUrl, {})
    .then(function (config) {
      document.title = config.title || document.title;
      return fetch(config.urls.authorize, {
        method: "POST",
        credentials: "include",
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: config.capability
      }).then(function (response) {
        if (!response.ok) throw new Error("The course's files could not be opened.");
        return loadScript(config.version === "1.2" ? body.dataset.scorm12 : body.dataset.scorm2004);
      }).then(function () {
        say("");
        start(config);
      });
    })
    .catch(function () {
      say("The course could not be started. Your launch may have expired: go back to the course and press Play again.", true);
    });
})((window.LmsPlayer = window.LmsPlayer || {}));
