// People pickers: a text input where a username is typed becomes a
// combobox (WAI-ARIA's list autocomplete pattern) fed by
// /people/search.json as one types: arrows move through the people found,
// Enter or a click chooses, Escape closes. A single picker keeps the
// chosen username in its input and names the person below it; a multiple
// one adds the person to its checked boxes and empties the input.
// Without this script the input takes a typed username as it is.
(function () {
  "use strict";
  var delay = 200; // ms after the last key before searching

  function text(tag, cls, value) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    e.textContent = value;
    return e;
  }

  // person fills parent with a person as the server's picked_person does.
  function person(parent, p, newLabel) {
    parent.appendChild(text("span", "picked-name", p.full_name || p.username));
    if (p.full_name && p.full_name !== p.username) {
      parent.appendChild(document.createTextNode(" "));
      parent.appendChild(text("span", "picked-meta", p.username));
    }
    if (p.email) {
      parent.appendChild(document.createTextNode(" "));
      parent.appendChild(text("span", "picked-meta", p.email));
    }
    if (!p.has_account) {
      parent.appendChild(document.createTextNode(" "));
      parent.appendChild(text("span", "badge badge-accent", newLabel));
    }
  }

  function setUp(box) {
    var input = box.querySelector("input");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-picker-status]");
    var multiple = box.hasAttribute("data-picker-multiple");
    var field = box.closest(".picker-field");
    var chosen = field.querySelector("[data-picker-chosen]");
    var picked = field.querySelector("[data-picker-picked]");
    var url = box.getAttribute("data-picker-url");
    var newLabel = box.getAttribute("data-picker-new");
    var people = [];
    var active = -1;
    var timer = 0;
    var asked = 0; // the latest search; older answers are dropped
    var chosenName = input.value;
    var chose = false; // Enter's keydown chose someone

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) {
        o.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // show lists the people found for q; the one highlighted stays so
    // when the new answer still has them.
    function show(answer, q) {
      var was = active >= 0 && people[active] ? people[active].username : "";
      people = answer.people || [];
      list.textContent = "";
      people.forEach(function (p, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-username", p.username);
        person(li, p, newLabel);
        list.appendChild(li);
      });
      // Notes are not choices: the status line says them too.
      var notes = [];
      if (!people.length) {
        notes.push(text("li", "picker-note", box.getAttribute("data-picker-none")));
      }
      if (answer.directory_failed) {
        notes.push(text("li", "picker-note picker-warning", box.getAttribute("data-picker-failed")));
      }
      notes.forEach(function (li) {
        li.setAttribute("role", "presentation");
        list.appendChild(li);
      });
      var count = box.getAttribute(people.length === 1 ? "data-picker-count-one" : "data-picker-count-many");
      status.textContent = [count.replace("%d", people.length)].concat(notes.map(function (li) { return li.textContent; })).join(" ");
      list.setAttribute("data-query", q);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(people.findIndex(function (p) { return p.username === was; }));
    }

    function search() {
      var q = input.value.trim();
      if (q.length < 2) {
        close();
        return;
      }
      var n = ++asked;
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) {
          return res.ok ? res.json() : null;
        })
        .then(function (answer) {
          if (answer && n === asked && document.activeElement === input) {
            show(answer, q);
          }
        })
        .catch(function () {});
    }

    function choose(i) {
      var p = people[i];
      if (!p) {
        return;
      }
      asked++;
      close();
      if (!multiple) {
        input.value = chosenName = p.username;
        chosen.textContent = "";
        person(chosen, p, newLabel);
        return;
      }
      input.value = "";
      var boxes = picked.querySelectorAll("input[type=checkbox]");
      for (var j = 0; j < boxes.length; j++) {
        if (boxes[j].value === p.username) {
          boxes[j].checked = true;
          return;
        }
      }
      var label = document.createElement("label");
      label.className = "picked";
      var check = document.createElement("input");
      check.type = "checkbox";
      check.name = input.name;
      check.value = p.username;
      check.checked = true;
      label.appendChild(check);
      label.appendChild(document.createTextNode(" "));
      person(label, p, newLabel);
      picked.appendChild(label);
      picked.hidden = false;
    }

    input.addEventListener("input", function () {
      if (!multiple && input.value.trim() !== chosenName) {
        chosen.textContent = ""; // what is typed is no longer the person named below
      }
      clearTimeout(timer);
      timer = setTimeout(search, delay);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && people.length > 0;
      switch (e.key) {
        case "ArrowDown":
          if (!open) {
            search();
          } else {
            highlight((active + 1) % people.length);
          }
          e.preventDefault();
          break;
        case "ArrowUp":
          if (open) {
            highlight(active <= 0 ? people.length - 1 : active - 1);
            e.preventDefault();
          }
          break;
        case "Enter":
          if (open && active >= 0) {
            e.preventDefault(); // choose, do not submit the form
            chose = true;
            choose(active);
          }
          break;
        case "Escape":
          if (!list.hidden) {
            e.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
      }
    });
    // A keypress of its own (as automation sends one) must not submit the
    // form either, once its keydown chose.
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && chose) {
        e.preventDefault();
      }
      chose = false;
    });
    input.addEventListener("keyup", function () {
      chose = false;
    });
    input.addEventListener("blur", function () {
      close();
    });
    // mousedown, not click: the input keeps the focus.
    list.addEventListener("mousedown", function (e) {
      e.preventDefault();
      var li = e.target.closest("[role=option]");
      if (li) {
        choose(Array.prototype.indexOf.call(list.querySelectorAll("[role=option]"), li));
      }
    });
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
