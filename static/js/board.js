// The live board's clocks: time in state ticks without asking the server. Wrap-up lasts
// until the agent saves or skips it, which redraws the board through its stream.
(function () {
  "use strict";

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() / 1000;
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
