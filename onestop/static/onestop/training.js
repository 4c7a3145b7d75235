// Training job page: follows the job while it is active, and reloads when its state changes.
(function () {
  "use strict";

  var card = document.querySelector("[data-status-url][data-state]");
  if (!card) return;
  var url = card.getAttribute("data-status-url");
  var state = card.getAttribute("data-state");
  var bar = card.querySelector(".progress");
  var message = card.querySelector("[data-progress-message]");
  var step = card.querySelector("[data-step]");
  var poll = function () {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.state !== state) {
          window.location.reload();
          return;
        }
        bar.setAttribute("aria-valuenow", String(data.progress));
        bar.querySelector("span").style.width = data.progress + "%";
        if (data.message) message.textContent = data.message;
        step.textContent = String(data.step);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  };
  window.setTimeout(poll, 2000);
})();
