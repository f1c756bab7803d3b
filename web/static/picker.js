// People pickers: a text input where a username is typed becomes a
// combobox (WAI-ARIA's list autocomplete pattern) fed by
// /people/search.json as one types: arrows move through the people found,
// Enter or a click chooses, Escape closes; when the search found more
// than a page, its last option, "More results", brings the next page. A
// single picker keeps the chosen username in its input and names the
// person below it; a multiple one adds the person as a chip (a hidden
// input and a remove button, which the server's checked boxes become
// too) and empties the input. Without this script the input takes a
// typed username as it is.
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
    var nextPage = 0; // the search's next page, 0 for none
    var query = "";
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

    // count is the number of options: the people, and "More results".
    function count() {
      return people.length + (nextPage ? 1 : 0);
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

    // show lists the people found for q (after those listed, for a next
    // page); the one highlighted stays so when the new answer still has
    // them, else a next page's first person is.
    function show(answer, q, more) {
      var was = active >= 0 && people[active] ? people[active].username : "";
      var first = more ? people.length : 0;
      people = (more ? people : []).concat(answer.people || []);
      nextPage = answer.next_page || 0;
      query = q;
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
      if (nextPage) {
        var li = text("li", "picker-more", box.getAttribute("data-picker-more"));
        li.id = list.id + "-more";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-more", "");
        list.appendChild(li);
      }
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
      highlight(more ? first : people.findIndex(function (p) { return p.username === was; }));
    }

    // search asks for the people the input names; more: the next page
    // of the last search, added to its list.
    function search(more) {
      var q = more ? query : input.value.trim();
      if (q.length < 2) {
        close();
        return;
      }
      var n = ++asked;
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      var page = more ? "&page=" + nextPage : "";
      fetch(url + sep + "q=" + encodeURIComponent(q) + page, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) {
          return res.ok ? res.json() : null;
        })
        .then(function (answer) {
          if (answer && n === asked && document.activeElement === input) {
            show(answer, q, more);
          }
        })
        .catch(function () {});
    }

    // chip turns li (a chip of the server's, with its checked box, or a
    // new one) into a chip with a hidden input and a remove button.
    function chip(li, username, name) {
      var box = li.querySelector("input[type=checkbox]");
      if (box) {
        if (!box.checked) {
          return; // unticked before this script ran: dropped on save
        }
        var label = li.querySelector("label");
        while (label.firstChild) {
          li.insertBefore(label.firstChild, label);
        }
        label.remove();
        box.remove();
      }
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = input.name;
      hidden.value = username;
      li.insertBefore(hidden, li.firstChild);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.setAttribute("aria-label", picked.getAttribute("data-picker-remove").replace("%s", name));
      remove.textContent = "×";
      li.appendChild(remove);
      remove.addEventListener("click", function () {
        var chips = Array.prototype.slice.call(picked.querySelectorAll(".chip-remove"));
        var i = chips.indexOf(remove);
        li.remove();
        status.textContent = picked.getAttribute("data-picker-removed").replace("%s", name);
        var next = chips[i + 1] || chips[i - 1];
        if (next) {
          next.focus();
        } else {
          picked.hidden = true;
          input.focus();
        }
      });
    }

    function choose(i) {
      if (i === people.length && nextPage) {
        search(true);
        return;
      }
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
      var inputs = picked.querySelectorAll("input");
      for (var j = 0; j < inputs.length; j++) {
        if (inputs[j].value === p.username) {
          return; // already chosen
        }
      }
      var li = document.createElement("li");
      li.className = "chip";
      li.title = p.email || "";
      var name = text("span", "picked-name", p.full_name || p.username);
      li.appendChild(name);
      if (p.full_name && p.full_name !== p.username) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(text("span", "picked-meta", p.username));
      }
      if (!p.has_account) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(text("span", "badge badge-accent", newLabel));
      }
      chip(li, p.username, name.textContent);
      picked.appendChild(li);
      picked.hidden = false;
    }

    if (multiple) {
      picked.querySelectorAll(".chip").forEach(function (li) {
        var box = li.querySelector("input[type=checkbox]");
        if (box) {
          chip(li, box.value, li.querySelector(".picked-name").textContent);
        }
      });
    }

    input.addEventListener("input", function () {
      if (!multiple && input.value.trim() !== chosenName) {
        chosen.textContent = ""; // what is typed is no longer the person named below
      }
      clearTimeout(timer);
      timer = setTimeout(search, delay);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && count() > 0;
      switch (e.key) {
        case "ArrowDown":
          if (!open) {
            search();
          } else {
            highlight((active + 1) % count());
          }
          e.preventDefault();
          break;
        case "ArrowUp":
          if (open) {
            highlight(active <= 0 ? count() - 1 : active - 1);
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
        choose(li.hasAttribute("data-more") ? people.length : Array.prototype.indexOf.call(list.querySelectorAll("[role=option]"), li));
      }
    });
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
