// Keyboard use of the console, and the live timeline's bookkeeping. No build step.
(function () {
  "use strict";

  // The timeline polls for messages and events after the last ones it was given, and for the
  // header when the conversation changed since it was drawn; a reply the agent just sent is
  // already shown, so a second copy from the poll is dropped.
  var KEPT = {"X-Stay-After": "after", "X-Stay-Events": "events", "X-Stay-Seen": "seen"};
  document.addEventListener("htmx:afterRequest", function (event) {
    var timeline = document.getElementById("timeline");
    if (!timeline || !event.detail.xhr) return;
    Object.keys(KEPT).forEach(function (header) {
      var value = event.detail.xhr.getResponseHeader(header);
      if (value) timeline.dataset[KEPT[header]] = value;
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var timeline = document.getElementById("timeline");
    if (!timeline || event.detail.target !== timeline) return;
    var seen = {};
    Array.prototype.slice.call(timeline.children).forEach(function (item) {
      if (seen[item.id]) item.remove();
      else seen[item.id] = true;
    });
    timeline.lastElementChild && timeline.lastElementChild.scrollIntoView({block: "nearest"});
  });

  // The timeline's poll asks for what came after the last message it shows.
  document.addEventListener("htmx:configRequest", function (event) {
    var timeline = document.getElementById("timeline");
    if (timeline && event.detail.elt === timeline) {
      event.detail.parameters.after = timeline.dataset.after;
      event.detail.parameters.events = timeline.dataset.events;
      event.detail.parameters.seen = timeline.dataset.seen;
    }
    var rows = document.getElementById("rows");
    if (rows && event.detail.elt === rows) {
      event.detail.parameters.since = rows.dataset.since;
      event.detail.parameters.checked = rows.dataset.checked;
    }
    // Presence: "typing" while the reply box has words written in the last few seconds.
    if (event.detail.elt.id === "presence") event.detail.parameters.typing = Date.now() - lastTyped < 5000 ? "1" : "0";
  });
  var lastTyped = 0;
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#reply") && event.target.value) lastTyped = Date.now();
  });
  // The inbox's poll puts conversations with something new on top: an older row of the same
  // conversation further down goes, and the list's place moves on. A row only changed
  // (assigned, resolved, tagged) takes the place of its old self; one that left the view goes.
  document.addEventListener("htmx:afterRequest", function (event) {
    var rows = document.getElementById("rows");
    if (!rows || event.detail.elt !== rows || !event.detail.xhr) return;
    var since = event.detail.xhr.getResponseHeader("X-Stay-Since");
    var checked = event.detail.xhr.getResponseHeader("X-Stay-Checked");
    if (since) rows.dataset.since = since;
    if (checked) rows.dataset.checked = checked;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var rows = document.getElementById("rows");
    if (!rows || event.detail.target !== rows) return;
    var sameAs = function (row) {
      return Array.prototype.slice.call(rows.querySelectorAll("tr")).filter(function (r) { return r !== row && r.id === row.id; });
    };
    Array.prototype.slice.call(rows.querySelectorAll("tr.gone")).forEach(function (row) {
      sameAs(row).forEach(function (r) { r.remove(); });
      row.remove();
    });
    Array.prototype.slice.call(rows.querySelectorAll("tr.changed")).forEach(function (row) {
      var old = sameAs(row)[0];
      row.classList.remove("changed");
      if (!old) return;
      var box = old.querySelector('input[name="ids"]');  // what the agent picked stays picked
      if (box && box.checked) row.querySelector('input[name="ids"]').checked = true;
      if (old.classList.contains("selected")) row.classList.add("selected");
      old.replaceWith(row);
    });
    var seen = {};
    Array.prototype.slice.call(rows.querySelectorAll("tr.row")).forEach(function (row) {
      if (seen[row.id]) row.remove();
      else seen[row.id] = true;
    });
    var empty = document.querySelector(".list .empty");
    if (empty && rows.querySelector("tr.row")) empty.remove();
  });

  // A refused action (4xx) says why where the agent is looking: beside the form they used, or
  // in the flash; the form keeps what they typed (only a success resets it). A server error or
  // a lost connection says so too instead of doing nothing.
  function errorSlot(elt) {
    var form = elt && elt.closest && elt.closest("form");
    if (!form) return document.getElementById("flash");
    var slot = form.querySelector(":scope > .form-error");
    if (!slot) {
      slot = document.createElement("div");
      slot.className = "form-error";
      slot.setAttribute("aria-live", "assertive");
      form.appendChild(slot);
    }
    return slot;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    var slot = form && form.querySelector(":scope > .form-error");
    if (slot) slot.textContent = "";
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status < 400) return;
    var slot = errorSlot(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (status < 500) {
      event.detail.shouldSwap = true;  // still an error: htmx:afterRequest says unsuccessful
      event.detail.target = slot;
      event.detail.swapOverride = "innerHTML";
    } else {
      slot.innerHTML = "";
      var box = document.createElement("div");
      box.className = "error";
      box.setAttribute("role", "alert");
      box.textContent = document.getElementById("flash").dataset.serverError;
      slot.appendChild(box);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var slot = errorSlot(event.detail.elt);
    var box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    box.textContent = document.getElementById("flash").dataset.offline;
    slot.innerHTML = "";
    slot.appendChild(box);
  });

  // What the templates ask for with data attributes (no inline script: the console's
  // Content-Security-Policy allows scripts from its own files only).
  function replyBox() { return document.querySelector("#reply textarea"); }
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset-on-success")) form.reset();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-use-suggestion]");
    if (!button) return;
    var box = replyBox();
    box.value = button.previousElementSibling.textContent;
    box.focus();
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-append]");
    if (!add) return;
    var box = replyBox();
    box.value = (box.value ? box.value.replace(/\s*$/, "\n") : "") + add.getAttribute("data-append");
    box.focus();
  });
  // The inbox's "select all shown" box ticks every row's box for the bulk action.
  document.addEventListener("change", function (event) {
    if (!event.target.hasAttribute || !event.target.hasAttribute("data-select-all")) return;
    document.querySelectorAll('#rows input[name="ids"]').forEach(function (box) { box.checked = event.target.checked; });
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.hasAttribute("data-submit-on-change")) { select.form.submit(); return; }
    if (select.hasAttribute("data-macro") && select.value) {
      fetch(select.value).then(function (r) { return r.text(); }).then(function (text) {
        var box = replyBox();
        box.value = text;
        box.focus();
      });
      select.selectedIndex = 0;
    }
  });

  function typing(target) {
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
  }

  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("tr.row")); };
  var current = -1;
  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    all[current].focus();
  }

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.name === "text") {
      event.preventDefault();
      htmx.trigger(event.target.form, "submit");
      return;
    }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (pendingG) {
      pendingG = false;
      if (event.key === "i") { window.location = "/console/"; }
      return;
    }
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter":
        var row = rows()[current];
        var link = row && row.querySelector("td.who a");
        if (link) link.click();  // opens beside the list on a wide screen, else the page
        else if (row) window.location = row.dataset.href;
        break;
      case "x":
        var picked = rows()[current];
        var box = picked && picked.querySelector('input[name="ids"]');
        if (box) box.checked = !box.checked;
        break;
      case "g": pendingG = true; break;
      default:
        var target = document.querySelector('[data-key="' + event.key + '"]');
        if (!target) return;
        event.preventDefault();
        if (target.tagName === "BUTTON") target.click();
        else if (target.type === "radio") { target.checked = true; document.querySelector("#reply textarea").focus(); }
        else target.focus();
    }
  });
})();

// Notifications (issue 25): switched on per browser, a desktop notification and a short tone
// when a conversation assigned to me gets a message. Polls every 15 seconds while on.
(function () {
  "use strict";
  var button = document.querySelector("[data-notify]");
  if (!button || !("Notification" in window)) { if (button) button.hidden = true; return; }
  var KEY = "stay-notify", since = "", timer = null;

  function tone() {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var beep = audio.createOscillator(), gain = audio.createGain();
      beep.frequency.value = 880; gain.gain.value = 0.08;
      beep.connect(gain); gain.connect(audio.destination);
      beep.start(); beep.stop(audio.currentTime + 0.15);
    } catch (e) { /* no sound: the notification still shows */ }
  }
  function poll() {
    fetch(button.getAttribute("data-notify") + (since ? "?since=" + encodeURIComponent(since) : ""), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (!found) return;
        var first = !since;
        since = found.since;
        if (first) return;  // what arrived before switching on is not news
        found.conversations.forEach(function (c) {
          var note = new Notification(c.customer, {body: c.said, tag: "stay-" + c.id});
          note.onclick = function () { window.focus(); window.location = "/console/c/" + c.id; };
        });
        if (found.conversations.length) tone();
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  function show(on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = button.getAttribute(on ? "data-on" : "data-off");
    if (on && !timer) { poll(); timer = setInterval(poll, 15000); }
    if (!on && timer) { clearInterval(timer); timer = null; since = ""; }
  }
  button.addEventListener("click", function () {
    if (localStorage.getItem(KEY) === "on") { localStorage.removeItem(KEY); show(false); return; }
    Notification.requestPermission().then(function (answer) {
      if (answer === "granted") { localStorage.setItem(KEY, "on"); show(true); }
    });
  });
  show(localStorage.getItem(KEY) === "on" && Notification.permission === "granted");
})();

// Two panes on a wide screen (issue 25): a conversation chosen in the list opens beside it,
// with its own address (a reload or a shared link opens it whole).
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 1400px)");
  function openHere(link, row) {
    if (!window.htmx) return false;
    htmx.ajax("GET", link, {target: "#pane", select: ".conversation", swap: "innerHTML"}).then(function () {
      history.pushState({pane: link}, "", link);
      document.querySelectorAll("#rows tr.open-here").forEach(function (r) { r.classList.remove("open-here"); });
      if (row) row.classList.add("open-here");
    });
    return true;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#rows td.who a");
    if (!link || !wide.matches || !document.getElementById("pane") || event.ctrlKey || event.metaKey) return;
    if (openHere(link.getAttribute("href"), link.closest("tr"))) event.preventDefault();
  });
  window.addEventListener("popstate", function () { if (document.getElementById("pane")) window.location.reload(); });
})();
