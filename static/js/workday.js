// The dialer for people who live in it all day: keyboard shortcuts (listed behind "?"),
// a desktop alert and a short sound when a caller pops up (asked for once, can be off).
(function () {
  "use strict";

  var ALERTS = "pbxportal-alerts";  // "on" | "off", this browser's choice

  function typing(target) {
    return target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && !dialog.open) dialog.showModal();
  }

  function shortcuts(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]") && event.key !== "Escape") return;
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.blur) event.target.blur();
      return;
    }
    var dial = document.getElementById("dial-number");
    if (event.key === "/") {
      var search = document.querySelector("input.search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "?") {
      event.preventDefault();
      openDialog("shortcuts");
    } else if (dial && /^[0-9*#+]$/.test(event.key)) {
      // Typing a number anywhere on the dialer types it into the dial field.
      event.preventDefault();
      dial.value += event.key;
      dial.focus();
    }
  }

  function alertsOn() {
    return localStorage.getItem(ALERTS) === "on";
  }

  function showAlertsChoice() {
    var box = document.getElementById("desktop-alerts");
    if (!box) return;
    box.checked = alertsOn() && window.Notification && Notification.permission === "granted";
    box.addEventListener("change", function () {
      if (!box.checked) { localStorage.setItem(ALERTS, "off"); return; }
      if (!window.Notification) { localStorage.setItem(ALERTS, "on"); return; }
      Notification.requestPermission().then(function (answer) {
        localStorage.setItem(ALERTS, answer === "granted" ? "on" : "off");
        box.checked = answer === "granted";
      });
    });
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context(), tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (err) {
      // No sound device, or autoplay refused before the first click: the alert still shows.
    }
  }

  function onPop(event) {
    if (!alertsOn()) return;
    beep();
    if (!window.Notification || Notification.permission !== "granted") return;
    var root = document.querySelector("[data-alert-title]");
    var title = root ? root.dataset.alertTitle : "";
    var note = new Notification(title, { body: event.detail.caller, tag: "pbxportal-pop" });
    note.onclick = function () { window.focus(); note.close(); };
  }

  // The callbacks list refreshes itself (a call changed, a minute passed): not while a
  // person is filling in its "Later…" form.
  function keepOpenForms(event) {
    var list = event.detail.elt;
    if (list.id === "callback-list" && event.detail.requestConfig.verb === "get" &&
        list.querySelector("details.schedule[open]")) {
      event.preventDefault();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", shortcuts);
    document.body.addEventListener("htmx:beforeRequest", keepOpenForms);
    document.addEventListener("pbxportal:pop", onPop);
    showAlertsChoice();
    // A keyboard user leaves the long contact list in one step (Tab, Enter).
    document.querySelectorAll("a[data-focus]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.dataset.focus);
        if (!target) return;
        event.preventDefault();
        target.focus();
      });
    });
    document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { openDialog(button.dataset.openDialog); });
    });
  });
})();
