/*
 * Commits to the LMS, from the launcher page on the content origin.
 *
 * Each commit carries what changed in one activity's flattened CMI since the last commit the
 * LMS acknowledged (so a lost commit's changes ride along with the next one), with a
 * page-wide sequence number the LMS orders commits by. One request is in flight at a time;
 * commits made meanwhile are coalesced. When the page goes away, what is left goes out by
 * navigator.sendBeacon. The launch token travels in the body, never in a URL.
 */
(function (LmsPlayer) {
  "use strict";

  var RETRY_SECONDS = [1, 2, 5, 10, 30];

  function CommitQueue(url, token, onClosed) {
    this.url = url;
    this.token = token;
    this.onClosed = onClosed; // the LMS refuses this launch (ended, or opened again elsewhere)
    this.sequence = 0;
    this.acked = {}; // activity id -> the flattened CMI the LMS has stored
    this.ackedState = null;
    this.wanted = {}; // activity id -> the latest commit asked for, not yet acknowledged
    this.order = []; // activity ids in the order their commits were asked for
    this.inFlight = null;
    this.retry = 0;
    this.closed = false;
    this.waiters = [];
  }

  function changesOf(snapshot, acked) {
    var changes = {};
    Object.keys(snapshot).forEach(function (key) {
      var value = snapshot[key];
      if (value !== null && typeof value === "object") {
        return; // an empty collection; its members are flattened keys of their own
      }
      if (!acked || acked[key] !== value) {
        changes[key] = value;
      }
    });
    return changes;
  }

  // Ask for a commit: `entry` is {activity, delivery, cmi (flattened snapshot), result, state,
  // globals, end}. Resolves once it (or a later commit holding it) is acknowledged.
  CommitQueue.prototype.commit = function (entry) {
    var self = this;
    if (this.closed) {
      return Promise.resolve(false);
    }
    if (!this.wanted[entry.activity]) {
      this.order.push(entry.activity);
    }
    this.wanted[entry.activity] = entry;
    var promise = new Promise(function (resolve) {
      self.waiters.push(resolve);
    });
    this.pump();
    return promise;
  };

  CommitQueue.prototype.body = function (entry) {
    this.sequence += 1;
    var body = {
      token: this.token,
      sequence: this.sequence,
      activity: entry.activity,
      delivery: entry.delivery,
      changes: changesOf(entry.cmi, this.acked[entry.activity]),
      end: Boolean(entry.end)
    };
    if (entry.result) body.result = entry.result;
    if (entry.state && entry.state !== this.ackedState) body.state = entry.state;
    if (entry.globals) body.globals = entry.globals;
    return body;
  };

  CommitQueue.prototype.pump = function () {
    var self = this;
    if (this.inFlight || this.closed || !this.order.length) {
      if (!this.inFlight && !this.order.length) this.settle(true);
      return;
    }
    var activity = this.order.shift();
    var entry = this.wanted[activity];
    delete this.wanted[activity];
    var body = this.body(entry);
    this.inFlight = fetch(this.url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: JSON.stringify(body).length < 60000,
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body)
    })
      .then(function (response) {
        // Read the answer to its end: until then the request counts against the page's 64 KB
        // of keepalive requests in flight, and the next commit of a large sequencing state
        // fails ("Failed to fetch"), to be retried a second later (ADL DMB, 41 KB states).
        return response.text().then(function () {
          return response;
        });
      })
      .then(function (response) {
        if (response.ok) {
          self.acked[activity] = entry.cmi;
          if (entry.state) self.ackedState = entry.state;
          self.retry = 0;
          return;
        }
        if (response.status === 409 || response.status === 401) {
          self.close();
          return;
        }
        throw new Error("HTTP " + response.status);
      })
      .catch(function () {
        // Not stored: keep it wanted (a newer commit of the same activity replaces it, and
        // its changes are computed against what the LMS has acknowledged, so none is lost).
        if (!self.wanted[activity]) {
          self.wanted[activity] = entry;
          self.order.unshift(activity);
        }
        var wait = RETRY_SECONDS[Math.min(self.retry, RETRY_SECONDS.length - 1)];
        self.retry += 1;
        return new Promise(function (resolve) {
          window.setTimeout(resolve, wait * 1000);
        });
      })
      .then(function () {
        self.inFlight = null;
        self.pump();
      });
  };

  CommitQueue.prototype.settle = function (ok) {
    var waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(function (resolve) {
      resolve(ok);
    });
  };

  CommitQueue.prototype.close = function () {
    this.closed = true;
    this.wanted = {};
    this.order = [];
    this.settle(false);
    if (this.onClosed) this.onClosed();
  };

  // Whether everything asked for has been acknowledged (or given up on).
  CommitQueue.prototype.flushed = function () {
    var self = this;
    if (!this.inFlight && !this.order.length) return Promise.resolve(true);
    return new Promise(function (resolve) {
      self.waiters.push(resolve);
    });
  };

  // The page is going away: send what is left in one beacon per activity, in order.
  CommitQueue.prototype.beacon = function (lastEntry) {
    var self = this;
    if (this.closed) return;
    if (lastEntry) {
      if (!this.wanted[lastEntry.activity]) this.order.push(lastEntry.activity);
      this.wanted[lastEntry.activity] = lastEntry;
    }
    this.order.forEach(function (activity) {
      var body = self.body(self.wanted[activity]);
      navigator.sendBeacon(self.url, new Blob([JSON.stringify(body)], { type: "text/plain;charset=UTF-8" }));
    });
    this.order = [];
    this.wanted = {};
  };

  LmsPlayer.CommitQueue = CommitQueue;
})((window.LmsPlayer = window.LmsPlayer || {}));
