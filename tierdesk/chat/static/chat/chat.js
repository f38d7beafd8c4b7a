/* The chat in the portal, the console and the widget: one WebSocket per open chat,
   resumed after the last message seen (seq), so a reconnect loses nothing. No inline
   script or style anywhere: the pages carry data-* attributes only. */
(function () {
  "use strict";

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  function csrf(form) {
    var field = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(form, extraHeaders) {
    var headers = Object.assign({ "X-Requested-With": "fetch" }, extraHeaders || {});
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: headers,
    });
  }

  function Chat(root, options) {
    this.root = root;
    this.id = root.dataset.chat;
    this.role = root.dataset.role;
    this.status = root.dataset.status;
    this.token = (options && options.token) || "";
    this.lastSeq = 0;
    this.socket = null;
    this.closedForGood = false;
    this.lines = root.querySelector("#chat-lines");
    this.typing = root.querySelector("#chat-typing");
    this.connection = root.querySelector("#chat-connection");
    this.typingTimer = null;
    this.lastTypingSent = 0;
    this.bindForms();
    this.connect();
  }

  Chat.prototype.say = function (text) {
    if (this.connection) this.connection.textContent = text;
  };

  Chat.prototype.connect = function () {
    var self = this;
    var url = "/ws/chat/" + this.id + "/?after=" + this.lastSeq;
    if (this.token) url += "&token=" + encodeURIComponent(this.token);
    var socket = new WebSocket(wsUrl(url));
    this.socket = socket;
    socket.onopen = function () {
      self.say("");
      self.root.dataset.connected = "1";
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "message") self.render(data.message);
      else if (data.type === "typing") self.showTyping();
      else if (data.type === "state") self.onState(data.state);
      else if (data.type === "line") self.onLine(data.place);
      else if (data.type === "error") self.say(data.message);
    };
    socket.onclose = function (event) {
      self.root.dataset.connected = "0";
      if (self.closedForGood) return;
      if (event.code === 4404) {
        self.say(self.root.dataset.goneText || "This chat is not available.");
        return;
      }
      self.say(self.root.dataset.reconnectText || "Reconnecting…");
      setTimeout(function () { self.connect(); }, 1000);
    };
  };

  // For tests and for a page going to sleep: drop the connection; it comes back by itself.
  Chat.prototype.drop = function () {
    if (this.socket) this.socket.close();
  };

  Chat.prototype.render = function (m) {
    if (m.seq <= this.lastSeq) return;
    this.lastSeq = m.seq;
    this.root.dataset.lastSeq = String(m.seq);
    var li = document.createElement("li");
    li.className = "chat-line chat-" + m.kind;
    li.dataset.seq = String(m.seq);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = m.author || "";
    var body = document.createElement("span");
    body.className = "body";
    if (m.file) {
      var link = document.createElement("a");
      link.textContent = m.file.name;
      if (this.token) {
        // The widget holds its token in memory: fetch with it, then save the answer.
        link.href = "#";
        link.dataset.fileUrl = "/chat/widget/api/" + this.id + "/files/" + m.file.id + "/";
        link.dataset.fileName = m.file.name;
        link.addEventListener("click", this.downloadWithToken.bind(this));
      } else {
        link.href = "/chat/" + this.id + "/files/" + m.file.id + "/";
      }
      body.appendChild(link);
    } else if (m.kind === "article") {
      // An article sent by the agent: its title, then its link in the portal.
      var parts = m.body.split("\n");
      var article = document.createElement("a");
      article.href = parts[1] || "#";
      article.target = "_blank";
      article.rel = "noopener";
      article.textContent = parts[0];
      body.appendChild(article);
    } else {
      body.textContent = m.body;
    }
    li.appendChild(who);
    li.appendChild(body);
    this.lines.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    if (this.typing) this.typing.hidden = true;
    if (this.role === "agent") this.refreshDraft();
  };

  Chat.prototype.downloadWithToken = function (event) {
    event.preventDefault();
    var link = event.currentTarget;
    var say = this.say.bind(this);
    fetch(link.dataset.fileUrl, { headers: { "X-Chat-Token": this.token }, credentials: "omit" })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.blob();
      })
      .then(function (blob) {
        var save = document.createElement("a");
        save.href = URL.createObjectURL(blob);
        save.download = link.dataset.fileName || "file";
        document.body.appendChild(save);
        save.click();
        setTimeout(function () { URL.revokeObjectURL(save.href); save.remove(); }, 1000);
      })
      .catch(function () { say("The file could not be fetched."); });
  };

  Chat.prototype.showTyping = function () {
    var typing = this.typing;
    if (!typing) return;
    typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { typing.hidden = true; }, 3000);
  };

  Chat.prototype.onState = function (state) {
    if (state.status === this.status || this.leaving) return;
    this.status = state.status;
    if (this.root.dataset.widget) {
      this.root.dispatchEvent(new CustomEvent("chat-state", { detail: state }));
      return;
    }
    // The page shows what the new state allows (the composer, the ticket link).
    this.closedForGood = true;
    if (this.socket) this.socket.close();
    location.reload();
  };

  Chat.prototype.onLine = function (place) {
    var state = this.root.querySelector("#chat-state");
    var text = this.root.dataset.placeText;
    if (state && text && this.status === "waiting") state.textContent = text.replace("0", String(place));
  };

  Chat.prototype.send = function (body, internal) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "message", body: body, internal: internal }));
      return true;
    }
    return false;
  };

  // The draft beside the chat: the whole of it is replaced only while the agent is not
  // typing in it; otherwise only its checklist, so nothing typed is lost.
  function applyDraft(html) {
    var side = document.getElementById("chat-draft-side");
    if (!side) return;
    var busy = side.contains(document.activeElement) && document.activeElement.tagName !== "BUTTON";
    var holder = document.createElement("div");
    holder.innerHTML = html;
    if (!busy) {
      side.replaceChildren.apply(side, Array.prototype.slice.call(holder.childNodes));
      return;
    }
    var fresh = holder.querySelector("#chat-checklist");
    var current = side.querySelector("#chat-checklist");
    if (fresh && current) current.replaceWith(fresh);
  }

  Chat.prototype.refreshDraft = function () {
    var url = this.root.dataset.draftUrl;
    if (!url) return;
    fetch(url, { credentials: "same-origin" })
      .then(function (answer) { return answer.text(); })
      .then(applyDraft);
  };

  Chat.prototype.bindForms = function () {
    var self = this;
    // A form that navigates (accept, end, make a ticket) leads to the next page itself.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) self.leaving = true;
    });
    var composer = this.root.querySelector("#chat-composer");
    if (composer) {
      var text = composer.querySelector("textarea[name=body]");
      composer.addEventListener("submit", function (event) {
        var note = composer.querySelector("input[name=internal]");
        var internal = !!(note && note.checked);
        if (self.send(text.value, internal)) {
          event.preventDefault();
          text.value = "";
          if (note) note.checked = false;
        }
      });
      text.addEventListener("input", function () {
        var now = Date.now();
        if (now - self.lastTypingSent < 2000) return;
        self.lastTypingSent = now;
        if (self.socket && self.socket.readyState === WebSocket.OPEN) {
          self.socket.send(JSON.stringify({ type: "typing" }));
        }
      });
    }
    var upload = this.root.querySelector("#chat-upload");
    if (upload) {
      upload.addEventListener("submit", function (event) {
        event.preventDefault();
        var error = upload.querySelector("#chat-upload-error");
        var headers = self.token ? { "X-Chat-Token": self.token } : {};
        post(upload, headers).then(function (answer) {
          return answer.json().then(function (data) {
            if (answer.ok) {
              upload.reset();
              if (error) error.textContent = "";
            } else if (error) {
              var fields = data.fields ? Object.values(data.fields).join(" ") : "";
              error.textContent = (fields || data.message || "").trim();
            }
          });
        });
      });
    }
    var side = document.getElementById("chat-draft-side");
    if (side) {
      side.addEventListener("change", function (event) {
        var form = event.target.form;
        if (!form || form.id !== "chat-draft-form") return;
        post(form).then(function (answer) { return answer.text(); }).then(applyDraft);
      });
      side.addEventListener("submit", function (event) {
        if (event.target.id !== "chat-draft-form") return;
        event.preventDefault();
        post(event.target).then(function (answer) { return answer.text(); }).then(applyDraft);
      });
    }
  };

  function openQueue(consoleRoot) {
    var url = consoleRoot.dataset.waitingUrl;
    function refresh() {
      fetch(url, { credentials: "same-origin" })
        .then(function (answer) { return answer.text(); })
        .then(function (html) {
          var list = document.getElementById("chat-waiting");
          if (!list) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          list.replaceWith(holder.firstElementChild);
        });
    }
    function connect() {
      var socket = new WebSocket(wsUrl("/ws/chat/queue/"));
      socket.onopen = refresh; // catch up with what changed while disconnected
      socket.onmessage = refresh;
      socket.onclose = function (event) {
        if (event.code !== 4403) setTimeout(connect, 2000);
      };
    }
    connect();
  }

  window.TierdeskChat = Chat;
  document.addEventListener("DOMContentLoaded", function () {
    var consoleRoot = document.getElementById("chat-console");
    if (consoleRoot && document.getElementById("chat-waiting")) openQueue(consoleRoot);
    var root = document.getElementById("chat");
    if (root && root.dataset.chat && !root.dataset.widget) {
      window.tierdeskChat = new Chat(root);
    }
  });
})();
