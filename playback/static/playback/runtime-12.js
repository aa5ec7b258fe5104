/*
 * SCORM 1.2: one scorm-again Scorm12API per delivered SCO, the package's items in manifest
 * order, an item launchable once its prerequisites hold. The player moves on to the next
 * available item when a SCO finishes normally, as SCORM Cloud and Moodle do; the course's result
 * is rolled up by the LMS from every SCO's data.
 */
(function (LmsPlayer) {
  "use strict";

  var DONE = { completed: true, passed: true };

  function Runtime12(config, env) {
    this.config = config;
    this.env = env;
    this.order = Object.keys(config.activities);
    this.statuses = {};
    var self = this;
    this.order.forEach(function (id) {
      self.statuses[id] = config.activities[id].status || "not attempted";
    });
    this.api = null;
    this.current = null;
    this.delivery = 0;
    this.loading = false;
    this.leaving = false;
    this.ended = false;
  }

  Runtime12.prototype.available = function (id) {
    var activity = this.config.activities[id];
    return Boolean(activity) && LmsPlayer.prerequisitesMet(activity.prerequisites, this.statuses);
  };

  Runtime12.prototype.neighbour = function (step, from) {
    var index = this.order.indexOf(from === undefined ? this.current : from);
    for (var i = index + step; i >= 0 && i < this.order.length; i += step) {
      if (this.available(this.order[i])) return this.order[i];
    }
    return null;
  };

  Runtime12.prototype.start = function () {
    var self = this;
    var first = this.config.current && this.available(this.config.current) ? this.config.current : null;
    if (!first) {
      first = this.order.filter(function (id) {
        return self.available(id) && !DONE[self.statuses[id]];
      })[0];
    }
    first = first || this.order.filter(function (id) {
      return self.available(id);
    })[0];
    if (first) {
      this.deliver(first);
    } else {
      this.env.say("No activity of this course is available yet.");
      this.render();
    }
    window.addEventListener("pagehide", function () {
      self.leave();
    });
  };

  Runtime12.prototype.running = function () {
    return Boolean(this.api) && this.api.isInitialized() && !this.api.isTerminated();
  };

  Runtime12.prototype.deliver = function (id) {
    var self = this;
    var activity = this.config.activities[id];
    this.current = id;
    this.loading = true;
    var delivery = ++this.delivery;
    this.render();
    this.env.queue
      .flushed()
      .then(function () {
        return self.env.post("activity", { activity: id });
      })
      .then(function (answer) {
        if (delivery !== self.delivery) return;
        var api = new window.Scorm12API({
          logLevel: 5,
          autocommit: true,
          autocommitSeconds: 15,
          lmsCommitUrl: "lms",
          autoCompleteLessonStatus: false,
          httpService: {
            reportsRequestCompletion: false,
            processHttpRequest: function () {
              if (api === self.api) self.commit({});
              return { result: "true", errorCode: 0 };
            },
            updateSettings: function () {}
          }
        });
        api.loadFromFlattenedJSON(answer.data, "");
        api.on("LMSFinish", function () {
          window.setTimeout(function () {
            if (api === self.api) self.finished();
          }, 0);
        });
        self.api = api;
        window.API = api;
        self.loading = false;
        self.env.say(self.config.notice || "");
        self.env.frame.show(self.env.contentUrl(activity.href), activity.title);
        self.render();
      })
      .catch(function () {
        self.loading = false;
        self.env.say("This activity could not be loaded. Please reload the page.", true);
      });
  };

  Runtime12.prototype.entry = function (options) {
    var cmi = this.api.getFlattenedCMI();
    this.statuses[this.current] = cmi["cmi.core.lesson_status"] || this.statuses[this.current];
    return { activity: this.current, delivery: this.delivery, cmi: cmi, end: Boolean(options.end) };
  };

  Runtime12.prototype.commit = function (options) {
    if (!this.current || this.loading || this.config.review || !this.api) return;
    var entry = this.entry(options);
    if (this.leaving) {
      this.env.queue.beacon(entry);
    } else {
      this.env.queue.commit(entry);
    }
    this.render();
  };

  // The SCO called LMSFinish: move on as its exit says.
  Runtime12.prototype.finished = function () {
    if (this.ended || this.leaving || this.suppressFinish) return;
    var exit = this.entry({}).cmi["cmi.core.exit"]; // write-only: read from the snapshot
    if (exit === "logout" || this.order.length === 1) {
      this.end("exit");
      return;
    }
    if (exit === "suspend") {
      this.env.say("This activity is paused. Choose where to go next.");
      this.render();
      return;
    }
    var next = this.neighbour(1);
    if (next) {
      this.deliver(next);
      return;
    }
    var self = this;
    var left = this.order.filter(function (id) {
      return self.available(id) && !DONE[self.statuses[id]];
    });
    if (left.length) {
      this.env.say("This activity is finished. Choose the next one.");
      this.render();
    } else {
      this.end("finished");
    }
  };

  Runtime12.prototype.navigate = function (request, target) {
    var self = this;
    if (this.ended || this.loading) return;
    var to = null;
    if (request === "continue") to = this.neighbour(1);
    if (request === "previous") to = this.neighbour(-1);
    if (request === "choice" && this.available(target)) to = target;
    if (request === "exitAll") {
      this.stopThen(function () {
        self.end("exit");
      });
      return;
    }
    if (!to || to === this.current) return;
    this.stopThen(function () {
      self.deliver(to);
    });
  };

  // End the running SCO (by unloading it: content terminates on unload; if it does not, we
  // finish for it), then go on.
  Runtime12.prototype.stopThen = function (then) {
    var self = this;
    this.suppressFinish = true; // the learner chose where to go: no automatic move on
    this.env.frame.unload(function () {
      if (self.running()) self.api.LMSFinish("");
      self.suppressFinish = false;
      then();
    });
  };

  Runtime12.prototype.render = function () {
    var self = this;
    var enabled = {};
    this.order.forEach(function (id) {
      enabled[id] = !self.ended && self.available(id);
    });
    this.env.ui.render({
      current: this.current,
      enabled: enabled,
      canContinue: !this.ended && Boolean(this.neighbour(1)),
      canPrevious: !this.ended && Boolean(this.neighbour(-1)),
      hidden: ["suspendAll"]
    });
  };

  Runtime12.prototype.end = function (reason) {
    if (this.ended) return;
    this.ended = true;
    this.render();
    this.env.frame.discard();
    if (this.current && this.api && !this.config.review) {
      this.env.queue.commit(this.entry({ end: true }));
    }
    this.env.exit(reason);
  };

  Runtime12.prototype.leave = function () {
    if (this.ended) return;
    if (this.departed) return this.env.queue.beacon(); // what a slow server has not taken yet
    this.leaving = true;
    if (this.current && this.api && !this.loading && !this.config.review) {
      this.env.queue.beacon(this.entry({}));
    }
  };

  // The learner leaves by a link of the player page: the SCO is unloaded first (content that
  // finishes on unload does it now, its data going the ordinary way, and nothing moves on);
  // what it leaves is sent, and done() runs once the server has stored it all.
  Runtime12.prototype.depart = function (done) {
    var self = this;
    if (this.ended || this.departed || this.config.review) return done();
    this.departed = true;
    this.suppressFinish = true;
    this.env.frame.unload(function () {
      self.commit({});
      self.env.queue.flushed().then(done);
    });
  };

  LmsPlayer.Runtime12 = Runtime12;
})((window.LmsPlayer = window.LmsPlayer || {}));
