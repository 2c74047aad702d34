/* Stay chat widget. Embed with one tag:
   <script src=".../channels/webchat/widget.js?key=PUBLIC_KEY" async></script>
   A signed-in shopper: add data-customer-id="ID" data-customer-hash="HMAC-SHA256(secret, ID)". */
(function () {
  "use strict";
  var config = {{ config|safe }};
  var script = document.currentScript || document.querySelector('script[src*="webchat/widget.js"]');
  // The widget speaks the page's language (data-lang, else <html lang>, else the browser's),
  // and Korean as soon as the conversation is held in Korean.
  function shipped(code) { code = (code || "").slice(0, 2).toLowerCase(); return config.texts[code] ? code : ""; }
  var lang = shipped(script && script.getAttribute("data-lang")) || shipped(document.documentElement.lang) ||
    shipped(navigator.language) || config.lang;
  var t = config.texts[lang];
  function outreach() {
    if (config.outreach && document.querySelector("[data-stay-signup],[data-stay-back-in-stock]")) {
      var extra = document.createElement("script");
      extra.src = config.outreach;
      extra.async = true;
      document.head.appendChild(extra);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", outreach); else outreach();
  var customerId = script && script.getAttribute("data-customer-id");
  var customerHash = script && script.getAttribute("data-customer-hash");
  var storageKey = "stay-chat-" + config.key;
  var visitor = localStorage.getItem(storageKey) || "";
  var socket, shown = {}, pending = {}, waiting = [], retry = 1000;

  var host = document.createElement("div");
  host.id = "stay-chat";
  document.body.appendChild(host);
  var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
  // Styles through a constructed stylesheet: pages with a strict Content-Security-Policy (Stay's
  // own help centre) allow it, where an inline <style> would be refused.
  var css =
    ':host{all:initial;--brand:' + config.colour + '}[hidden]{display:none!important}*{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR",sans-serif}' +
    '.open{position:fixed;right:20px;bottom:20px;border:0;border-radius:24px;padding:12px 18px;background:var(--brand);color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25);z-index:2147483000}' +
    '.box{position:fixed;right:20px;bottom:20px;width:min(360px,calc(100vw - 40px));height:min(520px,calc(100vh - 40px));background:#fff;border-radius:12px;box-shadow:0 4px 20px rgba(0,0,0,.25);display:none;flex-direction:column;z-index:2147483001}' +
    '.box.on{display:flex}.head{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:var(--brand);color:#fff;border-radius:12px 12px 0 0}' +
    '.head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}.log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}' +
    '.m{max-width:80%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}.m.in{align-self:flex-end;background:#e8f1fb}.m.out{align-self:flex-start;background:#f1f3f4}.who{display:block;font-size:12px;color:#5f6368}' +
    '.m a{color:#0b57a4;text-decoration:underline;font-weight:600}.notice{font-size:13px;color:#555;background:#fff8e1;padding:8px;border-radius:8px}.orders{font-size:13px;color:#333;border:1px solid #ddd;border-radius:8px;padding:6px 8px}.account{display:block;font-size:13px;color:#0b57a4;font-weight:600;padding:4px 8px}' +
    '.choice{display:block;margin-top:6px;padding:6px 10px;border:1px solid var(--brand);border-radius:8px;background:#fff;color:var(--brand);cursor:pointer;text-align:left}form{display:flex;gap:6px;padding:8px;border-top:1px solid #eee}input{flex:1;padding:8px;border:1px solid #ccc;border-radius:8px}form button{padding:8px 12px;border:0;border-radius:8px;background:var(--brand);color:#fff;cursor:pointer}' +
    '.head img{max-height:24px;max-width:96px;margin-right:8px;vertical-align:middle}.human{font-size:12px!important;border:1px solid #fff8!important;border-radius:12px;padding:2px 8px;margin-left:auto;margin-right:8px}' +
    '.quick{display:flex;flex-wrap:wrap;gap:6px}.quick button{padding:6px 10px;border:1px solid var(--brand);border-radius:16px;background:#fff;color:var(--brand);cursor:pointer;font-size:13px}' +
    '.typing{align-self:flex-start;background:#f1f3f4;border-radius:10px;padding:7px 12px;color:#5f6368;letter-spacing:2px}' +
    // On a phone the launcher keeps clear of the screen's edges and notch, and the chat takes the screen.
    '.open{right:max(16px,env(safe-area-inset-right));bottom:max(16px,env(safe-area-inset-bottom));max-width:calc(100vw - 32px)}' +
    '@media (max-width:480px){.box{right:0;bottom:0;width:100vw;height:100vh;height:100dvh;border-radius:0}.head{border-radius:0}}';
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }
  root.innerHTML +=
    '<button class="open" part="open"></button>' +
    '<div class="box" role="dialog" aria-labelledby="stay-chat-title"><div class="head"><b class="title" id="stay-chat-title"></b><button class="human" type="button"></button><button class="close" aria-label=""></button></div>' +
    '<div class="log" aria-live="polite"></div>' +
    '<form class="send"><input name="text" autocomplete="off"><button type="submit"></button></form></div>';
  var $ = function (sel) { return root.querySelector(sel); };
  function label() {
    $(".open").textContent = t.open;
    $(".title").textContent = t.title;
    $(".close").textContent = "×";
    $(".close").setAttribute("aria-label", t.close);
    $(".send input").placeholder = t.placeholder;
    $(".send button").textContent = t.send;
    $(".human").textContent = t.human;
    host.setAttribute("lang", lang);
  }
  label();
  if (config.logo) {
    var logo = document.createElement("img");
    logo.src = config.logo; logo.alt = "";
    $(".head").insertBefore(logo, $(".title"));
  }
  function follow(text) {
    if (lang !== "ko" && config.texts.ko && /[\uac00-\ud7a3]/.test(text || "")) { lang = "ko"; t = config.texts.ko; label(); }
  }

  // Links in a message become links, safely: only http(s), opened in a new tab, shown with the
  // words the message gave them ("Start your exchange") or a short form of the address.
  var URL_RE = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  function shortUrl(url) {
    try { var u = new URL(url); var path = u.pathname.length > 18 ? u.pathname.slice(0, 16) + "…" : u.pathname; return u.host + path; }
    catch (e) { return t.link; }
  }
  function withLinks(parent, text, links) {
    var labels = {};
    (links || []).forEach(function (l) { if (l && l.url) labels[l.url] = l.label; });
    var at = 0, match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(at, match.index)));
      var a = document.createElement("a");
      a.href = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = labels[match[0]] || shortUrl(match[0]);
      a.title = match[0];
      parent.appendChild(a);
      at = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function add(message) {
    if (message.id && shown[message.id]) return;
    if (message.id) shown[message.id] = true;
    var item = document.createElement("div");
    item.className = "m " + message.direction;
    var who = message.bot ? t.assistant : message.direction === "out" ? message.author : "";
    if (who) {
      var label = document.createElement("span");
      label.className = "who";
      label.textContent = who;
      item.appendChild(label);
    }
    withLinks(item, message.text, message.links);
    // The assistant asks which of two things the shopper means: a button sends its words.
    (message.choices || []).forEach(function (words) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.className = "choice";
      choice.textContent = words;
      choice.addEventListener("click", function () { send(words); });
      item.appendChild(choice);
    });
    item.dataset.text = message.text;
    follow(message.text);
    if (message.id) item.dataset.id = message.id;
    $(".log").appendChild(item);
    $(".log").scrollTop = $(".log").scrollHeight;
    return item;
  }
  var answers = false, typingTimer = null;
  function typing(on) {
    var dots = $(".typing");
    if (dots) dots.remove();
    clearTimeout(typingTimer);
    if (!on || !answers) return;
    dots = document.createElement("div");
    dots.className = "typing"; dots.textContent = "•••"; dots.setAttribute("role", "status"); dots.setAttribute("aria-label", t.typing);
    $(".log").appendChild(dots);
    $(".log").scrollTop = $(".log").scrollHeight;
    typingTimer = setTimeout(function () { typing(false); }, 20000);
  }
  function send(text) {
    $(".send input").value = text;
    $(".send").requestSubmit();
  }
  function quickReplies() {
    var box = document.createElement("div");
    box.className = "quick";
    t.quick.forEach(function (words) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = words;
      b.addEventListener("click", function () { box.remove(); send(words); });
      box.appendChild(b);
    });
    $(".log").appendChild(box);
  }
  function notice(text, extra) {
    var item = document.createElement("div");
    item.className = "notice";
    item.textContent = text;
    if (extra) item.appendChild(extra);
    $(".log").appendChild(item);
  }
  var emailOffered = false;
  function offerEmail() {
    if (emailOffered) return;  // once is enough
    emailOffered = true;
    var form = document.createElement("form");
    form.innerHTML = '<input type="email" required name="email"><button type="submit"></button>';
    form.querySelector("input").placeholder = t.email;
    form.querySelector("button").textContent = t.save;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      socket.send(JSON.stringify({type: "email", email: form.querySelector("input").value}));
    });
    notice(t.offline, form);
  }
  function showOrders(orders) {
    if (!orders || !orders.length) return;
    var box = document.createElement("div");
    box.className = "orders";
    box.textContent = t.orders + ": " + orders.map(function (o) { return o.name + " (" + (o.status_label || o.status) + ")"; }).join(", ");
    $(".log").appendChild(box);
  }

  function showAccount(verified) {
    if (!verified || !config.account || $(".account")) return;
    var link = document.createElement("a");
    link.className = "account"; link.href = config.account + "?lang=" + lang; link.target = "_blank"; link.rel = "noopener";
    link.textContent = t.account;
    $(".log").appendChild(link);
  }

  function connect() {
    var url = config.ws + "?visitor=" + encodeURIComponent(visitor);
    if (customerId && customerHash) url += "&customer_id=" + encodeURIComponent(customerId) + "&hash=" + encodeURIComponent(customerHash);
    socket = new WebSocket(url);
    socket.onopen = function () { retry = 1000; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "hello") {
        visitor = data.visitor;
        localStorage.setItem(storageKey, visitor);
        showOrders(data.orders);
        showAccount(data.verified);
        data.messages.forEach(add);
        answers = Boolean(data.assistant || data.agents_online);
        if (!data.messages.length && !$(".quick")) quickReplies();
        if (!data.agents_online && !data.assistant) offerEmail();
        // What the shopper wrote while the connection was opening goes now.
        waiting.splice(0).forEach(function (frame) { socket.send(frame); });
      } else if (data.type === "message") {
        var m = data.message;
        if (m.direction === "in") {  // our own text, echoed before its ack: already shown
          for (var key in pending) {
            if (pending[key].dataset.text === m.text) {
              pending[key].dataset.id = m.id; shown[m.id] = true; delete pending[key];
              return;
            }
          }
        }
        if (m.direction === "out") typing(false);
        add(m);
        if (m.offer_email) offerEmail();
      } else if (data.type === "ack") {
        var item = pending[data.client_id];
        if (item) { item.dataset.id = data.id; shown[data.id] = true; delete pending[data.client_id]; }
      } else if (data.type === "email_saved") {
        notice(t.saved);
      } else if (data.type === "error") {
        notice(data.error);
      }
    };
    socket.onclose = function () { setTimeout(connect, retry); retry = Math.min(retry * 2, 30000); };
  }

  function open() {
    $(".box").classList.add("on");
    $(".open").hidden = true;
    if (!socket) connect();
    $(".send input").focus();
  }
  $(".open").addEventListener("click", open);
  // A person is always one click away.
  $(".human").addEventListener("click", function () { send(t.human_text); });
  // A page's own button opens the chat: <button data-stay-chat-open>.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-stay-chat-open]")) { event.preventDefault(); open(); }
  });
  window.StayChat = {open: open};
  $(".close").addEventListener("click", function () {
    $(".box").classList.remove("on");
    $(".open").hidden = false;
  });
  $(".send").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $(".send input");
    var text = input.value.trim();
    if (!text) return;
    var clientId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    pending[clientId] = add({direction: "in", text: text});
    var quick = $(".quick");
    if (quick) quick.remove();
    typing(true);
    var frame = JSON.stringify({type: "message", text: text, client_id: clientId});
    if (socket && socket.readyState === 1 && visitor) socket.send(frame);
    else waiting.push(frame);
    input.value = "";
  });
  setInterval(function () { if (socket && socket.readyState === 1) socket.send('{"type":"ping"}'); }, 30000);
})();
