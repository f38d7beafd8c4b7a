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

  function init(root) {
    root.querySelectorAll("input[type=password]").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      wireReveal(input);
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
