// Closes the navigation's menus (each a <details>, which opens and closes
// without script: the administration's, and the phone's menu button) as
// other menus do: on a click outside it, and on Escape, which gives the
// focus back to its summary. A menu whose data-nav-menu-with names other
// elements (the phone's: the links and the account it shows) counts a
// click in them as inside.
(function () {
  "use strict";
  var menus = document.querySelectorAll("[data-nav-menu]");
  if (!menus.length) {
    return;
  }
  function inside(m, target) {
    if (m.contains(target)) {
      return true;
    }
    var with_ = m.getAttribute("data-nav-menu-with");
    if (!with_) {
      return false;
    }
    return Array.prototype.some.call(document.querySelectorAll(with_), function (e) {
      return e.contains(target);
    });
  }
  document.addEventListener("click", function (e) {
    Array.prototype.forEach.call(menus, function (m) {
      if (m.open && !inside(m, e.target)) {
        m.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    // The innermost open menu closes first: the administration's inside
    // the phone's.
    var open = Array.prototype.filter.call(menus, function (m) {
      return m.open && m.offsetParent !== null;
    });
    var m = open.find(function (x) { return x.classList.contains("nav-menu"); }) || open[0];
    if (m) {
      m.open = false;
      m.querySelector("summary").focus();
    }
  });
})();
