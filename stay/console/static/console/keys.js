// Keyboard use of the console, and the live timeline's bookkeeping. No build step.
(function () {
  "use strict";

  // The timeline polls for messages after the last one it was given; a reply the agent just
  // sent is already shown, so a second copy from the poll is dropped.
  document.addEventListener("htmx:afterRequest", function (event) {
    var after = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Stay-After");
    var timeline = document.getElementById("timeline");
    if (after && timeline) timeline.dataset.after = after;
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
        if (row) window.location = row.dataset.href;
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
