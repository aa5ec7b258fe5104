/* The exit page, loaded in the player's frame: record the exit with the token this page's URL
   carries in its fragment (never sent to a server, so never in a log), then tell the player
   page the learner has left. */
(function () {
  "use strict";
  var token = window.location.hash.slice(1);
  var recorded = Promise.resolve();
  if (token) {
    // The token leaves the address bar and the history before anything else can read them.
    window.history.replaceState(null, "", window.location.pathname);
    recorded = fetch(window.location.pathname, {
      method: "POST",
      body: token,
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      credentials: "omit",
      keepalive: true
    }).catch(function () {
      /* the panel shows the attempt as it is stored either way */
    });
  }
  recorded.then(function () {
    if (window.parent !== window) {
      window.parent.postMessage(
        { type: "lms:attempt-exit", attempt: document.body.dataset.attempt },
        window.location.origin
      );
    }
  });
})();
