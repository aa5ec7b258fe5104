/*
 * The frame the package's SCOs are delivered into. Every delivery gets a new frame element, so
 * nothing left over from one SCO (a pending load listener, an unload handler's late call) can
 * touch the next one.
 */
(function (LmsPlayer) {
  "use strict";

  function ContentFrame(container) {
    this.container = container;
    this.frame = null;
    this.generation = 0;
  }

  ContentFrame.prototype.show = function (url, title) {
    this.discard();
    this.generation += 1;
    var frame = document.createElement("iframe");
    frame.className = "sco-frame";
    frame.title = title || "Course content";
    frame.setAttribute("allow", "fullscreen; autoplay");
    frame.src = url;
    this.container.appendChild(frame);
    this.frame = frame;
    return this.generation;
  };

  ContentFrame.prototype.discard = function () {
    if (this.frame) {
      this.frame.remove();
      this.frame = null;
    }
  };

  // Take the current SCO away (its unload handler runs, and well-behaved content terminates
  // there); then(generation) runs once it is gone, unless another delivery has started since.
  ContentFrame.prototype.unload = function (then) {
    var self = this;
    var frame = this.frame;
    var generation = this.generation;
    if (!frame) {
      then(generation);
      return;
    }
    frame.addEventListener(
      "load",
      function () {
        if (self.generation === generation) then(generation);
      },
      { once: true }
    );
    frame.src = "about:blank";
  };

  LmsPlayer.ContentFrame = ContentFrame;
})((window.LmsPlayer = window.LmsPlayer || {}));
