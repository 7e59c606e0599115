// Draws the portal's Plotly figures from the JSON data block (no inline scripts: CSP).
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  if (!block || typeof Plotly === "undefined") { return; }
  var figures = JSON.parse(block.textContent || "{}");
  Object.keys(figures).forEach(function (name) {
    var target = document.getElementById("chart-" + name);
    if (!target) { return; }
    var fig = figures[name];
    Plotly.newPlot(target, fig.data, fig.layout || {}, { responsive: true, displaylogo: false });
    target.setAttribute("data-rendered", "1");
  });
  // Charts the server left out (not enough data) leave no empty frame behind.
  Array.prototype.forEach.call(document.querySelectorAll(".chart:not([data-rendered])"), function (el) {
    el.hidden = true;
  });
})();
