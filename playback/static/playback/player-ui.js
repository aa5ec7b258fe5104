/*
 * The player's own controls beside the content: the table of contents (the activity tree:
 * clusters as groups, the current activity marked, entries enabled, disabled or hidden as the
 * run-time says) and the navigation buttons. The run-time decides; this only draws and reports
 * the learner's clicks. Shown only when the package has more than one activity, or when the
 * run-time asks for a control.
 */
(function (LmsPlayer) {
  "use strict";

  function PlayerUI(config, handlers) {
    this.config = config;
    this.handlers = handlers; // {choice(id), continue(), previous(), exitAll(), suspendAll()}
    this.nav = document.getElementById("player-nav");
    this.toc = document.getElementById("toc");
    this.buttons = {
      previous: document.getElementById("nav-previous"),
      continue: document.getElementById("nav-continue"),
      suspendAll: document.getElementById("nav-suspend"),
      exitAll: document.getElementById("nav-exit")
    };
    this.entries = {}; // activity id -> its TOC button
    this.state = { current: null, enabled: {}, hidden: [], canContinue: false, canPrevious: false };
    var launchable = Object.keys(config.activities);
    this.multi = launchable.length > 1;
    this.nav.hidden = !this.multi;
    this.build();
    var self = this;
    Object.keys(this.buttons).forEach(function (name) {
      self.buttons[name].addEventListener("click", function () {
        self.handlers[name]();
      });
    });
  }

  PlayerUI.prototype.build = function () {
    var self = this;
    this.toc.textContent = "";
    function add(list, node, depth) {
      if (node.visible === false) return;
      var item = document.createElement("li");
      var label;
      // SCORM 2004's root is an activity the learner may choose too (a choice of it flows to its
      // first activity; ADL's SX-04b starts again that way); the sequencer says when it may.
      var choosable = depth > 0 || self.config.version !== "1.2";
      if (node.launchable || (node.children && node.children.length && choosable)) {
        label = document.createElement("button");
        label.type = "button";
        label.className = node.launchable ? "toc-entry" : "toc-entry toc-cluster";
        label.addEventListener("click", function () {
          self.handlers.choice(node.id);
        });
        self.entries[node.id] = label;
      } else {
        label = document.createElement("span");
        label.className = "toc-group";
      }
      label.textContent = node.title;
      item.appendChild(label);
      if (node.children && node.children.length) {
        var group = document.createElement("ul");
        node.children.forEach(function (child) {
          add(group, child, depth + 1);
        });
        item.appendChild(group);
      }
      list.appendChild(item);
    }
    this.config.tree.forEach(function (node) {
      add(self.toc, node, 0);
    });
  };

  // `update`: {current, enabled: {id: bool}, canContinue, canPrevious, hidden: [tokens]}
  PlayerUI.prototype.render = function (update) {
    var self = this;
    Object.assign(this.state, update);
    var state = this.state;
    var concealed = state.concealed || [];
    Object.keys(this.entries).forEach(function (id) {
      var entry = self.entries[id];
      entry.disabled = !state.enabled[id];
      // An activity sequencing hides from choice leaves the contents, its own activities too.
      entry.parentNode.hidden = concealed.indexOf(id) !== -1;
      if (id === state.current) {
        entry.setAttribute("aria-current", "step");
      } else {
        entry.removeAttribute("aria-current");
      }
    });
    var hidden = state.hidden || [];
    this.buttons.previous.hidden = hidden.indexOf("previous") !== -1;
    this.buttons.continue.hidden = hidden.indexOf("continue") !== -1;
    this.buttons.suspendAll.hidden = hidden.indexOf("suspendAll") !== -1 || !this.handlers.suspendAll.available;
    this.buttons.exitAll.hidden = hidden.indexOf("exitAll") !== -1;
    this.buttons.previous.disabled = !state.canPrevious;
    this.buttons.continue.disabled = !state.canContinue;
  };

  PlayerUI.prototype.say = function (message) {
    var status = document.getElementById("player-status");
    status.textContent = message || "";
    status.hidden = !message;
  };

  LmsPlayer.PlayerUI = PlayerUI;
})((window.LmsPlayer = window.LmsPlayer || {}));
