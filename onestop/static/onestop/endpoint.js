// Endpoint page: follows a deployment while it runs, sends "try it" rows, copies snippets.
(function () {
  "use strict";

  var progress = document.querySelector("[data-status-url][data-following]");
  if (progress) {
    var url = progress.getAttribute("data-status-url");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { in_flight: false }; })
        .then(function (data) {
          if (!data.in_flight) {
            window.location.reload();
            return;
          }
          progress.innerHTML = data.html;
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }

  function show(value) {
    if (typeof value === "number") return String(Number(value.toPrecision(6)));
    if (Array.isArray(value)) {
      if (value.length === 1 && Array.isArray(value[0])) return show(value[0]);
      return "[" + value.map(show).join(", ") + "]";
    }
    if (value && typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  var form = document.getElementById("try-form");
  if (form && window.fetch && window.FormData) {
    var result = document.getElementById("try-result");
    var error = document.getElementById("try-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      error.hidden = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          button.disabled = false;
          if (!answer.ok) {
            result.hidden = true;
            error.textContent = answer.body.error || form.dataset.failed;
            error.hidden = false;
            return;
          }
          var list = document.createElement("dl");
          list.className = "facts";
          Object.keys(answer.body.outputs).forEach(function (name) {
            var term = document.createElement("dt");
            term.textContent = name;
            var value = document.createElement("dd");
            value.textContent = show(answer.body.outputs[name]);
            value.setAttribute("data-testid", "try-output");
            list.appendChild(term);
            list.appendChild(value);
          });
          var latency = document.createElement("p");
          latency.className = "muted";
          latency.textContent = form.dataset.latency.replace("%s", answer.body.latency_ms);
          var reading = document.createElement("p");
          reading.className = "reading";
          reading.setAttribute("data-testid", "try-reading");
          reading.textContent = answer.body.reading || "";
          result.replaceChildren(reading, list, latency);
          result.hidden = false;
        })
        .catch(function () {
          button.disabled = false;
          error.textContent = form.dataset.failed;
          error.hidden = false;
        });
    });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (source && navigator.clipboard) navigator.clipboard.writeText(source.textContent);
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (confirmed) {
    confirmed.addEventListener("submit", function (event) {
      if (!window.confirm(confirmed.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
