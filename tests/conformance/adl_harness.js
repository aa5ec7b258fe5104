/*
 * Init script of the ADL harness (Playwright's add_init_script: it runs in every frame of every
 * page of the suite's browser context). Three roles, by where it runs:
 *
 * - the launcher frame (the content origin's /content/launch/): reports to its player page what
 *   the local player shows (session started or ended, activity delivered, delivery on its way);
 * - a player tab (a top-level LMS page opened at ...#adl-case=<case>): what ADL's test manager
 *   was. It keeps the test SCO's run state for the whole tab, across deliveries and launches
 *   (sessionStorage), answers the SCO's {type: "adl-state-get"}, stores its "adl-state-put",
 *   collects its results ({type: "adl-result"}), and broadcasts the case's snapshot;
 * - the hub (an LMS page opened at ...#adl-hub): gathers the tabs' snapshots, so that Python
 *   waits on one page for news from any case (window.__adlHub).
 */
(function () {
  "use strict";

  var CHANNEL = "adl-harness";

  if (window.top !== window) {
    if (window.location.pathname.indexOf("/content/launch/") !== 0) {
      return;
    }
    var last = "";
    window.setInterval(function () {
      var runtime = window.LmsPlayer && window.LmsPlayer.runtime;
      var status = document.getElementById("player-status");
      var player = {
        started: Boolean(runtime),
        ended: Boolean(runtime && runtime.ended),
        current: runtime ? runtime.current : null,
        loading: Boolean(runtime && runtime.loading),
        delivery: runtime ? runtime.delivery || 0 : 0,
        // commits the player has not had acknowledged yet
        pending: Boolean(runtime && runtime.env.queue && (runtime.env.queue.inFlight || runtime.env.queue.order.length)),
        status: status && !status.hidden ? status.textContent : ""
      };
      var text = JSON.stringify(player);
      if (text !== last) {
        last = text;
        window.top.postMessage({ type: "adl-player", player: player }, "*");
      }
    }, 15);
    return;
  }

  if (window.location.hash === "#adl-hub") {
    var hub = { version: 0, cases: {} };
    new BroadcastChannel(CHANNEL).onmessage = function (event) {
      hub.version += 1;
      event.data.version = hub.version;
      hub.cases[event.data["case"]] = event.data;
    };
    window.__adlHub = {
      version: function () {
        return hub.version;
      },
      // The snapshots that changed after version `since`.
      since: function (since) {
        var changed = {};
        Object.keys(hub.cases).forEach(function (name) {
          if (hub.cases[name].version > since) changed[name] = hub.cases[name];
        });
        return { version: hub.version, cases: changed };
      }
    };
    return;
  }

  var KEY = "adl-harness";
  var match = /#adl-case=([^&]+)/.exec(window.location.hash);
  if (match) {
    window.sessionStorage.setItem(KEY + ":case", decodeURIComponent(match[1]));
  }
  var caseName = window.sessionStorage.getItem(KEY + ":case");
  if (!caseName) {
    return;
  }
  var store = null;
  try {
    store = JSON.parse(window.sessionStorage.getItem(KEY + ":" + caseName) || "null");
  } catch (e) {
    store = null;
  }
  store = store || { state: null, results: {}, order: {} };
  var player = null;
  var channel = new BroadcastChannel(CHANNEL);

  function frameShows() {
    // "content" while the launcher runs (another origin), "exit" once the player has stored
    // everything and shows the LMS's exit page, "" without a player frame.
    var frame = document.getElementById("player-frame");
    if (!frame) return "";
    try {
      return frame.contentWindow.location.pathname.indexOf("/exit/") !== -1 ? "exit" : "lms";
    } catch (e) {
      return "content";
    }
  }

  function broadcast() {
    var keys = Object.keys(store.results).sort();
    channel.postMessage({
      "case": caseName,
      page: window.location.pathname,
      ready: document.readyState !== "loading",
      frame: frameShows(),
      player: player,
      results: keys.map(function (key) {
        return store.results[key];
      })
    });
  }

  function save() {
    window.sessionStorage.setItem(KEY + ":" + caseName, JSON.stringify(store));
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || (data.nonce && data.nonce !== caseName)) {
      return;
    }
    if (data.type === "adl-state-get") {
      event.source.postMessage({ type: "adl-state", nonce: data.nonce, state: store.state }, "*");
    } else if (data.type === "adl-state-put") {
      // The run only moves forward: a late put from a page already gone (a SCO that
      // terminates on unload while the tab navigates) must not roll it back.
      if (!store.state || !data.state || data.state.position >= store.state.position) {
        store.state = data.state;
        save();
      }
    } else if (data.type === "adl-result") {
      if (!store.order[data.uid]) store.order[data.uid] = Object.keys(store.order).length + 1;
      store.results[("000" + store.order[data.uid]).slice(-4)] = data;
      save();
      broadcast();
    } else if (data.type === "adl-player") {
      player = data.player;
      broadcast();
    }
  });
  // A frame's load event does not bubble: caught on its way down.
  document.addEventListener(
    "load",
    function (event) {
      if (event.target && event.target.id === "player-frame") broadcast();
    },
    true
  );
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", broadcast);
  } else {
    broadcast();
  }
})();
