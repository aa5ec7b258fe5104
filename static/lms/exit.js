/* The exit page, loaded in the player's frame: tell the player page the learner has left. */
(function () {
  "use strict";
  if (window.parent !== window) {
    window.parent.postMessage(
      { type: "lms:attempt-exit", attempt: document.body.dataset.attempt },
      window.location.origin
    );
  }
})();
