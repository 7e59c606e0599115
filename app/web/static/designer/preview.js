// In the preview, the survey's own Next/Back buttons step through the screens instead of
// posting answers (nothing is stored). Without JavaScript the arrows in the bar do the same.
(function () {
  "use strict";
  var bar = document.getElementById("preview-bar");
  var form = document.querySelector("main form");
  if (!bar || !form) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var back = event.submitter && event.submitter.value === "back";
    var target = back ? bar.dataset.prev : bar.dataset.next;
    if (target) { window.location.search = target.slice(1); }
  });
})();
