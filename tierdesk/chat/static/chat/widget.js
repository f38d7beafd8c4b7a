/* The embedded widget's page: sign in inside the frame (a signed chat token, held in
   memory only — no cookie of ours is needed), start a chat, then the shared chat code. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("widget");
    var signin = document.getElementById("widget-signin");
    var start = document.getElementById("widget-start");
    var notice = document.getElementById("widget-notice");
    var root = document.getElementById("chat");
    var token = "";

    function json(url, body) {
      var headers = { "Content-Type": "application/json" };
      if (token) headers["X-Chat-Token"] = token;
      return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit" })
        .then(function (answer) {
          return answer.json().then(function (data) { return { ok: answer.ok, data: data }; });
        });
    }

    signin.addEventListener("submit", function (event) {
      event.preventDefault();
      json(main.dataset.sessionUrl, { email: signin.email.value, password: signin.password.value })
        .then(function (result) {
          if (!result.ok) { notice.textContent = result.data.message; return; }
          token = result.data.token;
          signin.hidden = true;
          start.hidden = false;
          notice.textContent = "";
        });
    });

    start.addEventListener("submit", function (event) {
      event.preventDefault();
      json(main.dataset.startUrl, { body: start.body.value }).then(function (result) {
        if (!result.ok) { notice.textContent = result.data.message; return; }
        if (result.data.ticket) {
          notice.textContent = "Nobody is available right now: your message is now ticket " + result.data.ticket + ".";
          start.hidden = true;
          return;
        }
        token = result.data.token;
        start.hidden = true;
        root.hidden = false;
        root.dataset.chat = String(result.data.chat);
        var upload = document.getElementById("chat-upload");
        upload.action = main.dataset.uploadUrl.replace("/0/", "/" + result.data.chat + "/");
        window.tierdeskChat = new window.TierdeskChat(root, { token: token });
        root.addEventListener("chat-state", function (e) {
          if (e.detail.status === "ended") notice.textContent = "The chat has ended.";
          else if (e.detail.status === "active") notice.textContent = "You are talking with support.";
        });
      });
    });
    // The forms are wired: what is typed from now on goes through them.
    document.documentElement.dataset.ui = "ready";
  });
})();
