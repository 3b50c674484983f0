// The dialer's small behaviours: tel: links, the keypad, and ticking call timers.
(function () {
  "use strict";

  function registerTelHandler() {
    var root = document.querySelector("[data-tel-handler]");
    if (!root || !navigator.registerProtocolHandler) return;
    try {
      // Clicking a tel: link anywhere opens this dialer with the number filled in.
      navigator.registerProtocolHandler("tel", new URL(root.dataset.telHandler, location.href).href);
    } catch (err) {
      // Browsers refuse on plain http outside localhost; the dialer works without it.
    }
  }

  function keypad() {
    document.addEventListener("click", function (event) {
      var key = event.target.closest(".key");
      if (!key) return;
      var input = document.getElementById("dial-number");
      input.value += key.dataset.key;
      input.focus();
    });
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() / 1000;
    // "I've hung up" shows by itself once the PBX has been quiet too long (dialer.py).
    document.querySelectorAll("[data-reveal-at]").forEach(function (el) {
      if (now < parseInt(el.dataset.revealAt, 10)) return;
      el.removeAttribute("data-reveal-at");
      el.hidden = false;
    });
    document.querySelectorAll(".timer[data-since]").forEach(function (el) {
      var since = parseInt(el.dataset.since, 10);
      if (since) el.textContent = format(Math.max(0, Math.floor(now - since)));
    });
  }

  // Screen-pop: an incoming call's card pops up once per call, in one tab only,
  // however many tabs of the dialer the agent has open.
  function claimOnce(callId, show) {
    var key = "pbxportal-pop-" + callId;
    function claim() {
      if (localStorage.getItem(key)) return;
      localStorage.setItem(key, String(Date.now()));
      show();
    }
    if (navigator.locks) {
      navigator.locks.request("pbxportal-screen-pop", claim);
    } else {
      claim();
    }
  }

  function screenPop() {
    var marker = document.querySelector("[data-pop-call]");
    var dialog = document.getElementById("screen-pop");
    if (!marker || !dialog) return;
    claimOnce(marker.dataset.popCall, function () {
      var card = marker.closest(".call-card");
      var body = dialog.querySelector(".pop-body");
      body.innerHTML = "";
      [".caller", ".caller-details"].forEach(function (sel) {
        var part = card.querySelector(sel);
        if (part) body.appendChild(part.cloneNode(true));
      });
      body.querySelectorAll("form").forEach(function (form) {
        htmx.process(form);
        // Once the contact is created the card behind shows it: the pop has done its job.
        form.addEventListener("htmx:afterRequest", function () { dialog.close(); });
      });
      if (!dialog.open) dialog.showModal();
      // The desktop alert and its sound (workday.js) follow the same one-tab claim.
      var name = card.querySelector(".caller strong");
      document.dispatchEvent(new CustomEvent("pbxportal:pop", {
        detail: { caller: name ? name.textContent.trim() : "" }
      }));
    });
  }

  // A refused click (an impossible number, a second call) puts its sentence on the card.
  // The live stream re-sends the card when it connects and at every wake-up; one that
  // shows the call in the same state must not wipe the sentence before it is read.
  // The same holds for a wrap-up being written: a re-sent card would wipe the note.
  function keepRefusal(event) {
    var card = document.querySelector("#current-call .call-card");
    if (!card || event.detail.type !== "call") return;
    if (!card.querySelector(".error") && !card.querySelector(".wrap-up")) return;
    var incoming = /data-state="([^"]*)"/.exec(event.detail.data);
    if (incoming && incoming[1] === card.dataset.state) event.preventDefault();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("htmx:sseBeforeMessage", keepRefusal);
    registerTelHandler();
    keypad();
    tick();
    setInterval(tick, 1000);
    document.body.addEventListener("htmx:afterSwap", tick);
    document.body.addEventListener("htmx:sseMessage", tick);
    // However the card got there (page load, a click, a live update), look at it once it
    // is in the page: htmx's events for server-sent swaps may come before the swap.
    var current = document.getElementById("current-call");
    if (current && window.MutationObserver) {
      new MutationObserver(screenPop).observe(current, { childList: true, subtree: true });
    }
    screenPop();
  });
})();
