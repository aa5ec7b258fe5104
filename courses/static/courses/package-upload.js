/* Resumable package upload for the admin's package forms (progressive enhancement).
 *
 * Without this script (or without tus support) the form posts the file as it always has. With
 * it, the chosen or dropped zip is sent in chunks over the tus protocol to the admin's upload
 * endpoint, with a progress bar (bytes and percent); a lost connection is retried a few times,
 * then said plainly with a Retry button that resumes where the server's data ends. Once the
 * whole file is stored, the form is submitted with the upload's id instead of the file, and the
 * server runs the intake on the assembled zip.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-package-upload]");
  if (!box || !window.tus || !window.tus.isSupported) return;
  var form = box.closest("form");
  var input = form && form.querySelector("input[type=file][name=file]");
  var hidden = form && form.querySelector("input[name=upload]");
  var csrf = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!input || !hidden || !csrf) return;

  var endpoint = box.dataset.endpoint;
  var chunkSize = parseInt(box.dataset.chunkBytes, 10);
  var maxBytes = parseInt(box.dataset.maxBytes, 10);
  var dropZone = box.querySelector("[data-drop-zone]");
  var fileName = box.querySelector("[data-file-name]");
  var progress = box.querySelector("[data-progress]");
  var bar = box.querySelector("progress");
  var progressText = box.querySelector("[data-progress-text]");
  var statusLine = box.querySelector("[data-status]");
  var errorBox = box.querySelector("[data-error]");
  var errorText = box.querySelector("[data-error-text]");
  var retryButton = box.querySelector("[data-retry]");
  var cancelButton = box.querySelector("[data-cancel]");
  var fileRow = input.closest(".form-row") || input.parentNode;

  var upload = null;
  var submitter = null;
  var uploading = false;
  var lastBytes = 0;

  box.hidden = false;

  function size(bytes) {
    if (bytes < 1024) return bytes.toLocaleString("en") + " bytes";
    var units = ["KB", "MB", "GB"];
    var value = bytes;
    for (var i = 0; i < units.length; i++) {
      value /= 1024;
      if (value < 1024 || i === units.length - 1) break;
    }
    return value.toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + " " + units[i];
  }

  function say(text) { statusLine.textContent = text; }

  function showError(text, canRetry) {
    errorText.textContent = text;
    retryButton.hidden = !canRetry;
    errorBox.hidden = false;
    box.dataset.state = "error";
  }

  function clearError() {
    errorBox.hidden = true;
    errorText.textContent = "";
  }

  function setBusy(busy) {
    uploading = busy;
    form.querySelectorAll("[type=submit]").forEach(function (button) { button.disabled = busy; });
    input.disabled = busy;
    cancelButton.hidden = !busy && !upload;
  }

  function showProgress(sent, total) {
    lastBytes = sent;
    var percent = total ? Math.floor((sent / total) * 100) : 0;
    progress.hidden = false;
    bar.value = percent;
    progressText.textContent = size(sent) + " of " + size(total) + " (" + percent + "%)";
    box.dataset.percent = String(percent);
  }

  function chosen() { return input.files && input.files.length ? input.files[0] : null; }

  function describeChoice() {
    var file = chosen();
    hidden.value = "";  // a new choice is a new upload
    upload = null;
    clearError();
    progress.hidden = true;
    box.dataset.state = file ? "chosen" : "";
    fileName.textContent = file ? "Chosen: " + file.name + " (" + size(file.size) + ")" : "";
    if (file && file.size > maxBytes) {
      showError(file.name + " is " + size(file.size) + ", over the " + box.dataset.maxSize + " limit for packages.", false);
    }
  }

  function serverMessage(error) {
    var response = error && error.originalResponse;
    if (!response) return "";
    var status = response.getStatus();
    if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
      return (response.getBody() || "").trim() || "The server refused the upload (" + status + ").";
    }
    return "";
  }

  function uploadId(url) {
    var parts = url.replace(/\/+$/, "").split("/");
    return parts[parts.length - 1];
  }

  function submitForm() {
    setBusy(false);
    input.disabled = true;  // the file is on the server: post its id, not the bytes again
    form.querySelectorAll("[type=submit]").forEach(function (button) { button.disabled = true; });
    say("Upload complete. Checking the package…");
    if (submitter && submitter.name) {
      var pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      form.appendChild(pressed);
    }
    form.submit();
  }

  function start(file) {
    clearError();
    setBusy(true);
    box.dataset.state = "uploading";
    showProgress(0, file.size);
    say("Uploading " + file.name + "…");
    upload = new window.tus.Upload(file, {
      endpoint: endpoint,
      chunkSize: chunkSize,
      retryDelays: [0, 1000, 3000],
      headers: { "X-CSRFToken": csrf.value },
      metadata: { filename: file.name, filetype: file.type || "application/zip" },
      removeFingerprintOnSuccess: true,
      onProgress: showProgress,
      onShouldRetry: function (error, attempt) {
        if (serverMessage(error)) return false;  // refused, not lost: retrying cannot help
        say("The connection was interrupted at " + size(lastBytes) + ". Trying again (" + (attempt + 1) + " of 3)…");
        return true;
      },
      onError: function (error) {
        setBusy(false);
        var refused = serverMessage(error);
        if (refused) {
          say("");
          showError(refused, false);
          return;
        }
        say("");
        showError(
          "The connection was lost at " + size(lastBytes) + " of " + size(file.size) +
          " (" + (box.dataset.percent || "0") + "%). What is uploaded is kept: press Retry to go on from there.",
          true
        );
      },
      onSuccess: function () {
        hidden.value = uploadId(upload.url);
        showProgress(file.size, file.size);
        box.dataset.state = "uploaded";
        submitForm();
      },
    });
    // The same file chosen again (after a reload, say) goes on where its upload stopped.
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  }

  form.addEventListener("submit", function (event) {
    var file = chosen();
    if (!file || hidden.value) return;  // nothing to send, or already sent: post the form
    event.preventDefault();
    if (uploading) return;
    if (file.size > maxBytes) { describeChoice(); return; }
    if (!form.checkValidity()) { form.reportValidity(); return; }
    submitter = event.submitter || null;
    start(file);
  });

  input.addEventListener("change", describeChoice);

  retryButton.addEventListener("click", function () {
    var file = chosen();
    if (!upload || !file) return;
    clearError();
    setBusy(true);
    box.dataset.state = "uploading";
    say("Resuming the upload…");
    upload.start();  // asks the server where its data ends, then sends the rest
  });

  cancelButton.addEventListener("click", function () {
    if (!upload) return;
    var stopping = upload;
    upload = null;
    stopping.abort(true).catch(function () { /* gone already: nothing to delete */ });
    setBusy(false);
    clearError();
    progress.hidden = true;
    box.dataset.state = "cancelled";
    say("Upload cancelled; nothing was kept.");
    cancelButton.hidden = true;
  });

  // Drag and drop: onto the box or the file field's row.
  [dropZone, fileRow].forEach(function (zone) {
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = uploading ? "none" : "copy";
      dropZone.classList.add("is-dragover");
    });
    zone.addEventListener("dragleave", function () { dropZone.classList.remove("is-dragover"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      dropZone.classList.remove("is-dragover");
      if (uploading) return;
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || files.length !== 1) {
        showError("Drop one .zip file.", false);
        return;
      }
      input.files = files;
      describeChoice();
      input.focus();
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (uploading) { event.preventDefault(); event.returnValue = ""; }
  });
})();
