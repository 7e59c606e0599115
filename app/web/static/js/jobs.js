// Polls a background job's status and updates the progress bar (no inline scripts: CSP).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        var bar = document.getElementById("job-progress");
        if (job.share !== null && job.share !== undefined) { bar.value = job.share; }
        document.getElementById("job-message").textContent = job.message || "";
        box.setAttribute("data-state", job.state);
        if (job.state === "running") { setTimeout(poll, 1000); }
        else { document.getElementById("job-state").textContent = job.state; if (job.result_url) { document.getElementById("job-result").href = job.result_url; } }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.getAttribute("data-state") === "running") { poll(); }
})();
