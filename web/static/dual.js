// Plays a video's screen capture beside its camera (a deposit of a
// presenter and a presentation): the camera's <video> (player.js) is the
// clock and the sound; the muted screen follows its play, pause and
// seeks, and leads it when a visitor uses the screen's own controls. On a
// phone the Camera / Screen switch shows one of the two; the hidden one
// keeps playing, so the sound and the time go on.
// A sound with a screen capture has no switch: the screen above the
// <audio>, which is the clock.
(function () {
  "use strict";
  var camera = document.querySelector(".player-main video, .player-audio audio");
  var screen = document.querySelector("[data-presentation]");
  if (!camera || !screen) {
    return;
  }
  var dual = document.querySelector("[data-dual]");
  var stage = dual && dual.querySelector("[data-show]");
  var views = dual && dual.querySelector("[data-dual-switch]");
  if (stage && views) {
    dual.classList.add("dual-js");
    views.hidden = false;
    views.addEventListener("click", function (e) {
      var b = e.target.closest("[data-view]");
      if (!b) {
        return;
      }
      stage.setAttribute("data-show", b.getAttribute("data-view"));
      Array.prototype.forEach.call(views.querySelectorAll("[data-view]"), function (x) {
        x.setAttribute("aria-pressed", String(x === b));
      });
    });
  }

  // follow makes to do what from does; a seek within a third of a second
  // is none, so that the two never answer each other forever.
  function follow(from, to) {
    from.addEventListener("play", function () {
      if (to.paused) {
        to.play().catch(function () {});
      }
    });
    from.addEventListener("pause", function () {
      if (!to.paused) {
        to.pause();
      }
    });
    from.addEventListener("seeked", function () {
      if (Math.abs(to.currentTime - from.currentTime) > 0.3) {
        to.currentTime = from.currentTime;
      }
    });
  }
  follow(camera, screen);
  follow(screen, camera);
  // The two drift apart when one waits for data: the camera sets the time.
  camera.addEventListener("timeupdate", function () {
    if (!camera.paused && !screen.seeking && Math.abs(screen.currentTime - camera.currentTime) > 0.5) {
      screen.currentTime = camera.currentTime;
    }
  });
})();
