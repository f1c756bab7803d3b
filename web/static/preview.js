// Opens the links marked data-preview in the page's preview dialog: a
// <video> playing the deposit straight from Lectern, with range requests.
(function () {
  "use strict";
  var dialog = document.getElementById("preview-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return; // the links open the file itself
  }
  var video = dialog.querySelector("video");
  var title = dialog.querySelector("h2");
  var baseTitle = title.textContent;
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-preview]");
    if (!link) {
      return;
    }
    e.preventDefault();
    title.textContent = link.getAttribute("data-preview-title") || baseTitle;
    video.src = link.getAttribute("href");
    dialog.showModal();
    video.play().catch(function () {});
  });
  dialog.addEventListener("click", function (e) {
    if (e.target === dialog || e.target.closest("[data-preview-close]")) {
      dialog.close();
    }
  });
  dialog.addEventListener("close", function () {
    video.pause();
    video.removeAttribute("src");
    video.load();
  });
})();
