// The PBX account form shows only the chosen vendor's credentials. Inputs of other vendors
// are hidden and disabled (not sent); without this script every input shows, as before.
(function () {
  "use strict";

  function rowOf(input) {
    return input.closest(".form-row") || input.parentElement;
  }

  function showVendor(vendor) {
    document.querySelectorAll("input[data-vendors]").forEach(function (input) {
      var used = input.dataset.vendors.split(" ").indexOf(vendor) !== -1;
      input.disabled = !used;
      rowOf(input).hidden = !used;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var vendor = document.getElementById("id_vendor");
    if (!vendor) return;
    showVendor(vendor.value);
    // "change" fires for the mouse and the keyboard (arrow keys, type-ahead) alike.
    vendor.addEventListener("change", function () { showVendor(vendor.value); });
  });
})();
