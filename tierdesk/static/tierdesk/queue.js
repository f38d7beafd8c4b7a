/* Tierdesk: a console queue's bulk selection. The list refreshes itself (htmx polls its
   partial); the tickets someone ticked stay ticked across a refresh, and the bulk form
   shows only the fields of the chosen action. Without this file the form still works:
   every field shows and the server checks everything again. */
(function () {
  "use strict";

  var kept = [];

  function picks(root) {
    return Array.prototype.slice.call((root || document).querySelectorAll("input[data-pick]"));
  }

  function showCount() {
    var out = document.querySelector("[data-bulk-count]");
    if (!out) { return; }
    var n = picks().filter(function (box) { return box.checked; }).length;
    out.textContent = n ? n + " \u2713" : "";
  }

  function wireForm(form) {
    var action = form.querySelector("select[name=action]");
    if (!action || form.dataset.wired) { return; }
    form.dataset.wired = "1";
    function toggle() {
      form.querySelectorAll("[data-bulk-for]").forEach(function (part) {
        part.hidden = part.getAttribute("data-bulk-for") !== action.value;
      });
    }
    action.addEventListener("change", toggle);
    toggle();
  }

  function wireList(root) {
    var all = root.querySelector ? root.querySelector("input[data-select-all]") : null;
    if (all && !all.dataset.wired) {
      all.dataset.wired = "1";
      all.addEventListener("change", function () {
        picks().forEach(function (box) { box.checked = all.checked; });
        showCount();
      });
    }
    picks(root).forEach(function (box) {
      if (box.dataset.wired) { return; }
      box.dataset.wired = "1";
      box.addEventListener("change", showCount);
    });
  }

  // Before a refresh swaps the list, remember what was ticked; after it, tick it again.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-results") {
      kept = picks().filter(function (box) { return box.checked; }).map(function (box) {
        return box.getAttribute("data-pick");
      });
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "queue-results") { return; }
    picks().forEach(function (box) {
      if (kept.indexOf(box.getAttribute("data-pick")) !== -1) { box.checked = true; }
    });
    wireList(event.detail.target);
    showCount();
    document.dispatchEvent(new CustomEvent("tierdesk:queue-refreshed"));
  });

  function init() {
    document.querySelectorAll("form[data-bulk-form]").forEach(wireForm);
    wireList(document);
    showCount();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
