/* Copy a platform ID (contract, workspace, flow) from the ticket page: buttons carry the
   text in data-copy and say data-copied for a moment afterwards. */
(function () {
  "use strict";
  if (window.tierdeskCopy) { return; }
  window.tierdeskCopy = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var text = button.getAttribute("data-copy") || "";
    var label = button.textContent;
    function done() {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { select(button); });
    } else {
      select(button);
    }
  });
  function select(button) {
    var code = button.parentNode.querySelector("code");
    if (!code) { return; }
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
