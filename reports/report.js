"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var boxes = document.querySelectorAll("input[data-filter]");
  function apply() {
    var on = {};
    boxes.forEach(function (box) { on[box.getAttribute("data-filter")] = box.checked; });
    document.querySelectorAll("[data-class]").forEach(function (el) {
      el.hidden = !on[el.getAttribute("data-class")];
    });
    document.querySelectorAll("[data-count]").forEach(function (el) {
      el.textContent = String(document.querySelectorAll("article[data-class]:not([hidden])").length);
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  apply();
});
