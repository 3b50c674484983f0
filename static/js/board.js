// The live board's clocks: call timers tick, and wrap-up turns to idle when it runs out,
// both without asking the server (nothing in the database changes at those moments).
(function () {
  "use strict";

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function endWrapUps(now) {
    document.querySelectorAll(".agent-state[data-until]").forEach(function (row) {
      if (now < parseInt(row.dataset.until, 10)) return;
      var board = row.closest("[data-idle-label]");
      row.removeAttribute("data-until");
      row.dataset.state = "idle";
      row.className = "agent-state state-idle";
      row.querySelector(".badge").textContent = board ? board.dataset.idleLabel : "";
      row.querySelectorAll("td").forEach(function (cell, i) { if (i >= 2) cell.textContent = ""; });
    });
  }

  function tick() {
    var now = Date.now() / 1000;
    endWrapUps(now);
    document.querySelectorAll(".timer[data-since]").forEach(function (el) {
      var since = parseInt(el.dataset.since, 10);
      if (since) el.textContent = format(Math.max(0, Math.floor(now - since)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    document.body.addEventListener("htmx:sseMessage", tick);
    document.body.addEventListener("htmx:afterSwap", tick);
  });
})();
