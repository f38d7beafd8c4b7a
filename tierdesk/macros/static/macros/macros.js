/* The reply box's macro picker: a picked macro's text (rendered by the server for this
   ticket) goes into the reply at the cursor; a macro that also sets fields or runs an
   action offers "Send and apply", which posts the reply box to the macro's apply URL. */
(function () {
  "use strict";
  if (window.tierdeskMacros) { return; }
  window.tierdeskMacros = true;

  function insert(box, text) {
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Enter in the search picks the first macro instead of sending the reply box.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[name=macro_q]")) {
      return;
    }
    event.preventDefault();
    var picker = event.target.closest("[data-macro-picker]");
    var first = picker ? picker.querySelector(".macro-pick") : null;
    if (first) { first.click(); }
  });

  document.addEventListener("click", function (event) {
    var pick = event.target.closest ? event.target.closest(".macro-pick") : null;
    if (!pick) { return; }
    event.preventDefault();
    var form = pick.closest("form");
    var picker = pick.closest("[data-macro-picker]");
    if (!form || !picker) { return; }
    var box = form.querySelector("textarea[name=body]");
    if (box) { insert(box, pick.getAttribute("data-macro-body") || ""); }
    var reply = form.querySelector("input[name=internal][value=no]");
    if (reply) { reply.checked = true; }  // a macro answers the customer
    var note = picker.querySelector("[data-macro-note]");
    var submit = picker.querySelector("[data-macro-submit]");
    var url = pick.getAttribute("data-macro-apply");
    if (note && submit) {
      if (url) {
        submit.setAttribute("formaction", url);
        picker.querySelector("[data-macro-effects]").textContent =
          pick.textContent + ": " + (pick.getAttribute("data-macro-effects") || "");
        note.hidden = false;
        submit.hidden = false;
      } else {
        submit.removeAttribute("formaction");
        note.hidden = true;
        submit.hidden = true;
      }
    }
    var results = picker.querySelector(".macro-results");
    if (results) { results.textContent = ""; }
  });
})();
