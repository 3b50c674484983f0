// The menu's Callbacks count stays true while the page is open: it is asked again when
// the page's live stream reports a call change, after a callback is dismissed, and every
// half minute on pages without a stream.
(function () {
  "use strict";

  var link = document.getElementById("nav-callbacks");
  if (!link || !window.fetch) return;
  var url = link.dataset.countUrl, pending = null, POLL_MS = 30000;

  function show(open) {
    var badge = link.querySelector(".count");
    if (!open) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "count";
      badge.title = link.dataset.countTitle;
      link.append(" ", badge);
    }
    badge.textContent = String(open);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data.open); })
      .catch(function () { /* offline for a moment: the next change or poll tries again */ });
  }

  function soon() {
    // Several call events arrive together (ringing, missed): one request for all of them.
    clearTimeout(pending);
    pending = setTimeout(refresh, 400);
  }

  document.body.addEventListener("htmx:sseMessage", soon);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var path = event.detail && event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (path && path.indexOf("/dismiss/") !== -1) soon();
  });
  setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
