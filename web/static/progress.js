// Keeps the progress of encoding videos live: every element with
// data-status-url polls that URL (the video's status.json) every two
// seconds and shows the state (every data-state inside), the bar
// (progress) and the percentage (data-progress-text) it answers,
// translated by the server.
// A recording's status (waiting for its video, then the video's) is
// polled the same way, and shows the video's link once there is one.
// Once the encoding ends, an element marked data-reload reloads the page,
// where the player now is; the others keep the final state and drop the
// bar.
// A video page that plays while other qualities are encoded is not
// reloaded: its line naming them (data-coming) follows the status, and
// each status is told to the player (player.js) as a "lectern:status"
// event, which offers the renditions as they are ready.
(function () {
  "use strict";
  var every = 2000;

  function watch(el) {
    var url = el.getAttribute("data-status-url");
    var badges = el.querySelectorAll("[data-state]");
    var bar = el.querySelector("progress");
    var text = el.querySelector("[data-progress-text]");
    var box = el.querySelector("[data-progress]");
    // A recording just published has no video yet: its link shows once
    // the status gives one (video_url).
    var link = el.querySelector("[data-video-link]");
    var coming = el.querySelector("[data-coming]");

    function show(s) {
      if (coming && typeof s.coming === "string") {
        coming.textContent = s.coming;
        coming.hidden = s.coming === "";
      }
      el.dispatchEvent(new CustomEvent("lectern:status", { bubbles: true, detail: s }));
      if (link && s.video_url) {
        link.href = s.video_url;
        link.hidden = false;
      }
      Array.prototype.forEach.call(badges, function (badge) {
        badge.textContent = s.state_label;
        badge.className = "badge badge-" + s.state_class;
      });
      if (bar) {
        bar.value = s.encoding_progress;
      }
      if (text) {
        text.textContent = s.progress_label;
      }
    }

    function tick() {
      if (document.hidden) {
        setTimeout(tick, every); // no polling from a tab nobody looks at
        return;
      }
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) {
            throw new Error("status " + r.status);
          }
          return r.json();
        })
        .then(function (s) {
          show(s);
          if (s.playable && el.hasAttribute("data-reload")) {
            // The first rendition is ready: the page shows the player.
            window.location.reload();
            return;
          }
          if (s.encoding_state === "done" || s.encoding_state === "error") {
            if (el.hasAttribute("data-reload")) {
              window.location.reload();
            } else if (box) {
              box.hidden = true;
            }
            return;
          }
          setTimeout(tick, every);
        })
        .catch(function () {
          setTimeout(tick, every * 5); // the server restarts: slower
        });
    }
    setTimeout(tick, every);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-status-url]"), watch);
})();
