/* Tierdesk: the little the pages do in the browser. Everything works without it; the
   server parses and checks again. No framework, no build step. */
(function () {
  "use strict";

  // A platform URL pasted into the ticket form fills the contract, workspace and flow
  // fields at once (the server parses the same URL again when the form is sent).
  var HEX = "([0-9a-fA-F]{24})";
  var PATTERNS = {
    contract: new RegExp("/c/" + HEX + "(?:/|$|[?#])"),
    workspace: new RegExp("/w/" + HEX + "(?:/|$|[?#])"),
    flow: new RegExp("/(?:designer|flows)/" + HEX + "(?:/|$|[?#])"),
    version: /\/v\/([0-9a-fA-F]+|\d+)(?:\/|$|[?#])/
  };

  function fillFromUrl(input) {
    var form = input.form;
    if (!form) { return; }
    var text = input.value.trim();
    var found = false;
    Object.keys(PATTERNS).forEach(function (key) {
      var match = PATTERNS[key].exec(text);
      var target = form.querySelector("[data-platform-id=" + key + "]");
      if (match && target) {
        target.value = match[1].toLowerCase();
        found = true;
      }
    });
    if (found) {
      var status = form.querySelector("[data-platform-status]");
      if (status) { status.textContent = status.getAttribute("data-filled-text") || ""; }
    }
  }

  // A drop zone around a file input: files dropped anywhere on it go into the input.
  function wireDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-file-list]");
    if (!input) { return; }
    function show() {
      if (!list) { return; }
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var li = document.createElement("li");
        li.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KiB)";
        list.appendChild(li);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("change", show);
  }

  // A "Show" button beside every password field lets the person check what they typed
  // (the field is a plain text field until they hide it again or send the form).
  function wireReveal(input) {
    var body = document.body.dataset;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "linkish reveal";
    button.setAttribute("aria-pressed", "false");
    if (input.id) { button.setAttribute("aria-controls", input.id); }
    button.textContent = body.showPassword || "Show";
    button.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
      button.textContent = shown ? (body.hidePassword || "Hide") : (body.showPassword || "Show");
      input.focus();
    });
    if (input.form) {
      input.form.addEventListener("submit", function () { input.type = "password"; });
    }
    input.insertAdjacentElement("afterend", button);
  }

  // The strength meter under a new password: a moment after typing stops, the server
  // scores what is typed with the same rules the form applies (POST, CSRF token of the
  // form; a late answer to an earlier value is dropped).
  function wireStrength(box) {
    var input = document.getElementById(box.getAttribute("data-strength-for"));
    if (!input || !input.form) { return; }
    var meter = box.querySelector("meter");
    var label = box.querySelector("[data-strength-label]");
    var message = box.querySelector("[data-strength-message]");
    var token = input.form.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null;
    var asked = 0;
    function show(answer) {
      meter.value = answer.score;
      label.textContent = answer.label;
      message.textContent = answer.message;
      box.setAttribute("data-score", String(answer.score));
      box.setAttribute("data-acceptable", answer.acceptable ? "true" : "false");
    }
    function ask() {
      var number = ++asked;
      var body = new FormData();
      body.append("password", input.value);
      fetch(box.getAttribute("data-strength-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (answer && number === asked && input.value) { show(answer); }
      }).catch(function () { /* the form still checks when it is sent */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      asked += 1;
      if (!input.value) {
        box.hidden = true;
        box.removeAttribute("data-score");
        return;
      }
      box.hidden = false;
      timer = setTimeout(ask, 250);
    });
  }

  function init(root) {
    root.querySelectorAll("input[type=password]").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      wireReveal(input);
    });
    root.querySelectorAll("[data-strength-for]").forEach(function (box) {
      if (box.dataset.wired) { return; }
      box.dataset.wired = "1";
      wireStrength(box);
    });
    root.querySelectorAll("[data-platform-url]").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      input.addEventListener("input", function () { fillFromUrl(input); });
    });
    // Triage's suggestions for the L1 checks: fill an empty field at once, any on click.
    root.querySelectorAll("[data-fill-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-fill-target"));
      if (!target || button.dataset.wired) { return; }
      button.dataset.wired = "1";
      if (button.hasAttribute("data-prefill") && !target.value.trim()) {
        target.value = button.getAttribute("data-fill");
      }
      button.addEventListener("click", function () {
        target.value = button.getAttribute("data-fill");
        target.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
    root.querySelectorAll(".dropzone").forEach(function (zone) {
      if (zone.dataset.wired) { return; }
      zone.dataset.wired = "1";
      wireDropzone(zone);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // The page's fields are wired from now on (tests and scripts can wait for this).
    document.documentElement.setAttribute("data-ui", "ready");
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
