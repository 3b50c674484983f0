// A <select data-autosubmit> sends its form when changed (the language and project menus).
// A listener instead of onchange="...": the Content-Security-Policy allows no inline script.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.dataset.autosubmit !== undefined && field.form) {
    field.form.submit();
  }
});
