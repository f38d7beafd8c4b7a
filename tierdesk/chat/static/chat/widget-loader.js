/* One script tag on a partner's page:
     <script src="https://SUPPORT-HOST/static/chat/widget-loader.js" data-partner="ID" async></script>
   adds a chat button and, when pressed, the chat in a frame served by the support host
   (which allows only the partner's configured origins to frame it). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.partner) return;
  var origin = new URL(script.src).origin;
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = script.dataset.label || "Chat with support";
  button.className = "tierdesk-chat-button";
  var frame = null;
  button.addEventListener("click", function () {
    if (frame) { frame.hidden = !frame.hidden; return; }
    frame = document.createElement("iframe");
    frame.src = origin + "/chat/widget/" + encodeURIComponent(script.dataset.partner) + "/";
    frame.title = button.textContent;
    frame.className = "tierdesk-chat-frame";
    frame.width = "380";
    frame.height = "560";
    button.insertAdjacentElement("afterend", frame);
  });
  (script.parentNode || document.body).insertBefore(button, script.nextSibling);
})();
