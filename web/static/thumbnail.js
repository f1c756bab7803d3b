// Sends the player's current time with the "Use this frame as the
// thumbnail" form of a video page: the seconds typed without script are
// hidden, and filled when the form is sent.
(function () {
  "use strict";
  var form = document.querySelector("[data-thumbnail-form]");
  var video = document.querySelector(".player video");
  if (!form || !video) {
    return;
  }
  var at = form.querySelector("[data-thumbnail-at]");
  var manual = form.querySelector("[data-thumbnail-manual]");
  var max = parseFloat(at.getAttribute("max"));
  // A hidden input is not validated: the browser never blocks the form
  // on a value the visitor cannot see.
  at.type = "hidden";
  manual.hidden = true;
  form.addEventListener("submit", function () {
    var t = video.currentTime || 0;
    if (max > 0 && t >= max) {
      t = Math.max(max - 0.1, 0); // the end of a finished video: its last frames
    }
    at.value = String(Math.round(t * 1000) / 1000);
  });
})();
