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
  var wrap = document.getElementById("player-wrap");
  var button = document.getElementById("fullscreen-button");
  if (wrap && button && wrap.requestFullscreen) {
    button.hidden = false;
    button.addEventListener("click", function () {
      wrap.requestFullscreen();
    });
  }
})();
