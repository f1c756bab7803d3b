// Closes the administration menu of the navigation (a <details>, which
// opens and closes without script) as other menus do: on a click outside
// it, and on Escape, which gives the focus back to its summary.
(function () {
  "use strict";
  var menus = document.querySelectorAll("[data-nav-menu]");
  if (!menus.length) {
    return;
  }
  document.addEventListener("click", function (e) {
    Array.prototype.forEach.call(menus, function (m) {
      if (m.open && !m.contains(e.target)) {
        m.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    Array.prototype.forEach.call(menus, function (m) {
      if (m.open) {
        m.open = false;
        m.querySelector("summary").focus();
      }
    });
  });
})();
