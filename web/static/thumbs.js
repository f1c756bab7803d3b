// The claim list's thumbnails are taken when first asked for (ffmpeg,
// seconds each): a card marked data-thumb-loading shows a spinner behind
// its picture; once the picture came (or failed: the browser shows
// nothing better), the spinner goes and the card is no longer busy.
(function () {
  "use strict";
  document.querySelectorAll("[data-thumb-loading]").forEach(function (box) {
    var img = box.querySelector("img");
    function done() {
      box.removeAttribute("data-thumb-loading");
      box.removeAttribute("aria-busy");
      var spinner = box.querySelector(".thumb-loading");
      if (spinner) {
        spinner.remove();
      }
    }
    if (img.complete && img.naturalWidth > 0) {
      done();
      return;
    }
    img.addEventListener("load", done);
    img.addEventListener("error", done);
  });
})();
