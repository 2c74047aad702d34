/* Stay sign-up and back-in-stock for storefront pages. Loaded by the chat widget's tag when
   the page has [data-stay-signup] or [data-stay-back-in-stock="VARIANT_ID"], or on its own:
   <script src=".../storefront/STORE/embed.js" async></script> */
(function () {
  "use strict";
  var config = {{ config|safe }};
  function pick(code) { code = (code || "").slice(0, 2).toLowerCase(); return config.texts[code] ? code : ""; }
  var lang = pick(document.documentElement.lang) || pick(navigator.language) || "en";
  var t = config.texts[lang];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function send(url, fields, status) {
    var body = new URLSearchParams(fields);
    body.set("lang", lang);
    status.textContent = "…";
    return fetch(url, {method: "POST", body: body}).then(function (r) {
      return r.json().then(function (data) { status.textContent = data.message || data.error || t.failed; return r.ok; });
    }).catch(function () { status.textContent = t.failed; return false; });
  }

  function form(url, extra, label) {
    var f = el("form", {"class": "stay-form"});
    var email = el("input", {type: "email", name: "email", required: "", placeholder: t.email, "aria-label": t.email});
    var button = el("button", {type: "submit"}, label);
    var status = el("p", {role: "status", "aria-live": "polite", "class": "stay-status"});
    f.appendChild(email); f.appendChild(button); f.appendChild(status);
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = Object.assign({email: email.value}, extra);
      send(url, fields, status).then(function (ok) { if (ok) { email.disabled = true; button.disabled = true; } });
    });
    return f;
  }

  function setUp() {
    document.querySelectorAll("[data-stay-signup]").forEach(function (box) {
      if (box.getAttribute("data-stay-ready")) return;
      box.setAttribute("data-stay-ready", "1");
      box.appendChild(el("p", {"class": "stay-wording"}, t.wording));
      box.appendChild(form(config.signup, {}, t.signup));
    });
    document.querySelectorAll("[data-stay-back-in-stock]").forEach(function (button) {
      if (button.getAttribute("data-stay-ready")) return;
      button.setAttribute("data-stay-ready", "1");
      if (!button.textContent.trim()) button.textContent = t.notify;
      button.addEventListener("click", function () {
        button.hidden = true;
        var f = form(config.restock, {variant: button.getAttribute("data-stay-back-in-stock")}, t.send);
        button.parentNode.insertBefore(f, button.nextSibling);
        f.querySelector("input").focus();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
})();
