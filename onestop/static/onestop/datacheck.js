// Data check pages: an upload with a progress bar, and a page that follows a running job.
(function () {
  "use strict";

  function bar(el, percent) {
    el.hidden = false;
    el.setAttribute("aria-valuenow", String(percent));
    el.querySelector("span").style.width = percent + "%";
  }

  var form = document.getElementById("upload-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var progress = document.getElementById("upload-progress");
      var error = document.getElementById("upload-error");
      var button = form.querySelector("button[type=submit]");
      error.hidden = true;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar(progress, Math.round((100 * e.loaded) / e.total));
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
        if (xhr.status === 201 && body.url) {
          window.location.assign(body.url);
          return;
        }
        button.disabled = false;
        progress.hidden = true;
        error.textContent = (body.error && body.error.message) || form.dataset.failed || "Upload failed.";
        error.hidden = false;
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        error.textContent = form.dataset.failed || "Upload failed.";
        error.hidden = false;
      });
      xhr.send(new FormData(form));
    });
  }

  var watcher = document.querySelector("[data-status-url]");
  if (watcher) {
    var url = watcher.getAttribute("data-status-url");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var jobs = [data].concat(data.studies || []);
          var running = jobs.filter(function (j) { return j.status === "queued" || j.status === "running"; });
          var el = watcher.querySelector(".progress");
          var message = watcher.querySelector("[data-progress-message]");
          if (running.length) {
            bar(el, running[0].progress);
            message.textContent = running[0].message || message.textContent;
            window.setTimeout(poll, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 500);
  }
})();
