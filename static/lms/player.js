/*
 * The player page: the course's player in a frame (another origin), the progress panel beside
 * it. The exit page (ours, loaded in the frame when the learner leaves) tells us so: the panel
 * refreshes at once. A launch whose token runs out is offered a fresh one shortly before.
 */
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    if (
      event.origin === window.location.origin &&
      event.data &&
      event.data.type === "lms:attempt-exit"
    ) {
      document.body.dispatchEvent(new CustomEvent("lms:refresh"));
    }
  });
  var banner = document.getElementById("renew-banner");
  if (banner) {
    var warnAt = Date.parse(banner.dataset.expiresAt) - 120 * 1000;
    window.setTimeout(function () {
      banner.hidden = false;
    }, Math.max(0, warnAt - Date.now()));
  }
  leaveThroughThePlayer(document.getElementById("player-frame"));
  var wrap = document.getElementById("player-wrap");
  var button = document.getElementById("fullscreen-button");
  if (wrap && button && wrap.requestFullscreen) {
    button.hidden = false;
    button.addEventListener("click", function () {
      wrap.requestFullscreen();
    });
  }

  // A player that says it can (the local one does) stores what the course leaves before the
  // learner follows any link of this page: it is asked to, and the page moves on when it
  // answers, or after 6 s. Without this the course's last data would race the next page.
  function leaveThroughThePlayer(frame) {
    if (!frame) return;
    var origin = new URL(frame.src, window.location.href).origin;
    var ready = false;
    var pending = null;
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== origin || !event.data) return;
      if (event.data.type === "lms:player-ready") ready = true;
      if (event.data.type === "lms:player-gone") ready = false; // the session is over
      if (event.data.type === "lms:left" && pending) pending();
      document.body.dataset.playerReady = ready ? "true" : "false";
    });
    // Asked as well as told: a "ready" sent before this page listened is not lost. Not while
    // the frame still holds this page's blank document (readable from here): the player has
    // not started, will say so itself, and a message to it would be refused with a warning.
    var started;
    try {
      started = !frame.contentWindow.location.href; // readable: still this page's document
    } catch (crossOrigin) {
      started = true;
    }
    if (started) frame.contentWindow.postMessage({ type: "lms:player-ready?" }, origin);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!ready || !link || link.target || link.hasAttribute("download")) return;
      if (link.getAttribute("href").charAt(0) === "#") return;
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      if (pending) return;
      link.setAttribute("aria-busy", "true");
      link.textContent = "Saving your progress…";
      pending = function () {
        pending = function () {};
        window.location.assign(link.href);
      };
      window.setTimeout(function () {
        pending();
      }, 6000);
      frame.contentWindow.postMessage({ type: "lms:leave" }, origin);
    });
  }
})();
