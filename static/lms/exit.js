/* The exit page, loaded in the player's frame: record the exit with the token this page's URL
   carries in its fragment (never sent to a server, so never in a log), then tell the player
   page the learner has left. */
(function () {
  "use strict";
  var token = window.location.hash.slice(1);
  var attempt = document.body.dataset.attempt;

  function tellPlayerPage() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "lms:attempt-exit", attempt: attempt }, window.location.origin);
    }
  }

  if (!token) {
    tellPlayerPage();
    return;
  }
  // The token leaves the address bar and the history before anything else can read them.
  window.history.replaceState(null, "", window.location.pathname);
  fetch(window.location.pathname, {
    method: "POST",
    body: token,
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    credentials: "omit",
    keepalive: true
  })
    .catch(function () {
      /* the panel shows the attempt as it is stored either way */
    })
    .then(tellPlayerPage);
})();
