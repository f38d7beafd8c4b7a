/* Tierdesk: keyboard shortcuts of the console, listed in the help overlay that `?` opens
   (templates/tickets/_shortcuts.html). Keys are ignored while typing in a field.

   j / k      next / previous ticket (in a queue: the row; on a ticket: the queue's next)
   o, Enter   open the current row's ticket          x   tick the current row (bulk)
   r          reply to the customer                  n   write an internal note
   /          search                                 g q, u   back to the queue
   ?          this help                              Esc  close it */
(function () {
  "use strict";

  var STORE = "tierdesk.queue";
  var pending = "";

  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results tr[data-row]"));
  }

  function remember() {
    // The queue's order, so a ticket page knows the next and previous ticket.
    var list = rows().map(function (row) {
      var link = row.querySelector("td.title a");
      return link ? link.getAttribute("href") : null;
    }).filter(Boolean);
    if (!document.getElementById("queue-results")) { return; }
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ url: location.pathname + location.search, tickets: list }));
    } catch (e) { /* storage off: j/k then work in the queue only */ }
  }

  function stored() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  function current() {
    return document.querySelector("#queue-results tr[data-row].current");
  }

  function mark(row) {
    rows().forEach(function (r) { r.classList.remove("current"); r.removeAttribute("aria-current"); });
    if (!row) { return; }
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("td.title a");
    if (link) { link.focus({ preventScroll: true }); }
  }

  function step(delta) {
    var list = rows();
    if (list.length) {
      var at = list.indexOf(current());
      var next = at === -1 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + delta));
      mark(list[next]);
      return;
    }
    var queue = stored();
    if (!queue || !queue.tickets) { return; }
    var here = queue.tickets.indexOf(location.pathname);
    var target = queue.tickets[here + delta];
    if (here !== -1 && target) { location.href = target; }
  }

  function open() {
    var row = current();
    var link = row && row.querySelector("td.title a");
    if (link) { location.href = link.getAttribute("href"); }
  }

  function tick() {
    var row = current();
    var box = row && row.querySelector("input[data-pick]");
    if (box) { box.click(); }
  }

  function write(internal) {
    var form = document.querySelector("form[action$='/messages/']");
    if (!form) { return; }
    var choice = form.querySelector("input[name=internal][value=" + (internal ? "yes" : "no") + "]");
    if (choice) { choice.checked = true; }
    var body = form.querySelector("textarea[name=body]");
    if (body) { body.focus(); body.scrollIntoView({ block: "center" }); }
  }

  function search() {
    var box = document.getElementById("site-search") || document.querySelector("input[type=search]");
    if (box) { box.focus(); box.select(); }
  }

  function toQueue() {
    var queue = stored();
    location.href = queue && queue.url ? queue.url : "/";
  }

  function help() {
    var dialog = document.getElementById("shortcuts-help");
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  var KEYS = {
    "j": function () { step(1); },
    "k": function () { step(-1); },
    "o": open,
    "Enter": open,
    "x": tick,
    "r": function () { write(false); },
    "n": function () { write(true); },
    "/": search,
    "u": toQueue,
    "?": help
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var dialog = document.getElementById("shortcuts-help");
    if (dialog && dialog.open && event.key !== "?") { return; }  // Esc closes it natively
    if (pending === "g") {
      pending = "";
      if (event.key === "q") { event.preventDefault(); toQueue(); }
      return;
    }
    if (event.key === "g") { pending = "g"; return; }
    if (event.key === "Enter" && !current()) { return; }  // Enter keeps its own meaning
    var run = KEYS[event.key];
    if (!run) { return; }
    event.preventDefault();
    run();
  });

  document.addEventListener("DOMContentLoaded", function () {
    remember();
    // Keys pressed from now on are heard (tests and scripts can wait for this).
    document.documentElement.setAttribute("data-shortcuts", "ready");
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.addEventListener("click", help);
    });
    document.querySelectorAll("[data-shortcuts-close]").forEach(function (button) {
      button.addEventListener("click", function () { document.getElementById("shortcuts-help").close(); });
    });
  });
  // A refresh of the list keeps the current row (without taking the focus from a field).
  var cursor = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var row = current();
    cursor = row ? row.getAttribute("data-ticket") : null;
  });
  document.addEventListener("tierdesk:queue-refreshed", function () {
    remember();
    var row = cursor && document.querySelector("#queue-results tr[data-ticket='" + cursor + "']");
    if (row) { row.classList.add("current"); row.setAttribute("aria-current", "true"); }
  });
})();
