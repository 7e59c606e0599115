// Progressive enhancement of the questionnaire designer: hide fields that do not apply to a
// question's type. Without JavaScript every field shows and the server validates them all.
(function () {
  "use strict";
  function sync(select) {
    var item = select.closest(".item");
    if (!item) { return; }
    var type = select.value;
    item.querySelectorAll(".likert-only").forEach(function (el) { el.hidden = type !== "likert"; });
    item.querySelectorAll(".choice-only").forEach(function (el) { el.hidden = type !== "single_choice"; });
  }
  document.querySelectorAll("select.item-type").forEach(function (select) {
    sync(select);
    select.addEventListener("change", function () { sync(select); });
  });
  document.querySelectorAll("button.danger").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.textContent.trim() + "?")) { event.preventDefault(); }
    });
  });
})();
