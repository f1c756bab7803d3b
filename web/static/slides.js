// Follows the player of a video page with its slides. The page lists them
// ([data-slide-list]: each item's data-start and data-end, in seconds, and
// a link to its image); this script turns each link into a button that
// plays the video from the slide's start, and shows the current slide in
// [data-slide-current], highlighted in the list. The current slide is the
// last one whose start <= currentTime < end; the last one runs until the
// video's end (data-duration), whatever the media's exact length. Without
// script the list stays a list of links to the images.
(function () {
  "use strict";
  var media = document.querySelector(".player video, .player audio");
  var list = document.querySelector("[data-slide-list]");
  var figure = document.querySelector("[data-slide-current]");
  if (!media || !list || !figure) {
    return;
  }
  var image = figure.querySelector("[data-slide-image]");
  var link = figure.querySelector("[data-slide-link]");
  var caption = figure.querySelector("[data-slide-caption]");
  var duration = parseFloat(list.getAttribute("data-duration")) || 0;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var slides = Array.prototype.map.call(list.querySelectorAll("[data-start]"), function (item, i) {
    var a = item.querySelector("[data-seek]");
    var thumb = a.querySelector("img");
    var slide = {
      start: parseFloat(item.getAttribute("data-start")) || 0,
      end: parseFloat(item.getAttribute("data-end")) || 0,
      src: a.getAttribute("href"),
      title: a.getAttribute("title"),
      alt: thumb ? thumb.alt : "",
      width: thumb ? thumb.getAttribute("width") : null,
      height: thumb ? thumb.getAttribute("height") : null,
      caption: item.getAttribute("data-caption"),
      item: item
    };
    var button = document.createElement("button");
    button.type = "button";
    button.className = a.className;
    button.title = a.getAttribute("data-seek");
    while (a.firstChild) {
      button.appendChild(a.firstChild);
    }
    a.parentNode.replaceChild(button, a);
    button.addEventListener("click", function () {
      media.currentTime = slide.start;
      show(i);
      var p = media.play();
      if (p && p.catch) {
        p.catch(function () {});
      }
    });
    slide.button = button;
    return slide;
  });
  if (!slides.length) {
    return;
  }

  // at is the slide current at second t, or -1 (before the first, in a
  // gap between two).
  function at(t) {
    var last = slides.length - 1;
    for (var i = last; i >= 0; i--) {
      var s = slides[i];
      if (s.start <= t && (t < s.end || (i === last && s.end >= duration))) {
        return i;
      }
    }
    return -1;
  }

  var current = -1; // the highlighted slide
  var shown = 0; // the pictured slide (the page shows the first)

  // show makes slide i the current one: its picture, link and caption,
  // and the list's highlight, scrolled into view within the list only.
  // -1 highlights none and leaves the picture as it is.
  function show(i) {
    if (i === current) {
      return;
    }
    if (current >= 0) {
      slides[current].button.removeAttribute("aria-current");
      slides[current].item.classList.remove("is-current");
    }
    current = i;
    if (i < 0) {
      return;
    }
    picture(i);
    slides[i].button.setAttribute("aria-current", "true");
    slides[i].item.classList.add("is-current");
    reveal(slides[i].item);
  }

  // picture shows slide i's image beside the player.
  function picture(i) {
    if (i === shown) {
      return;
    }
    shown = i;
    var s = slides[i];
    if (image) {
      if (s.width && s.height) {
        image.setAttribute("width", s.width);
        image.setAttribute("height", s.height);
      } else {
        image.removeAttribute("width");
        image.removeAttribute("height");
      }
      image.src = s.src;
      image.alt = s.alt;
    }
    if (link) {
      link.href = s.src;
      link.title = s.title;
    }
    if (caption) {
      caption.textContent = s.caption;
    }
  }

  // reveal scrolls the list (never the page, as scrollIntoView would) so
  // that item is wholly in view, centred when it was not.
  function reveal(item) {
    var lr = list.getBoundingClientRect();
    var ir = item.getBoundingClientRect();
    var dx = 0, dy = 0;
    if (ir.left < lr.left || ir.right > lr.right) {
      dx = ir.left + ir.width / 2 - (lr.left + lr.width / 2);
    }
    if (ir.top < lr.top || ir.bottom > lr.bottom) {
      dy = ir.top + ir.height / 2 - (lr.top + lr.height / 2);
    }
    if (!dx && !dy) {
      return;
    }
    if (list.scrollBy) {
      list.scrollBy({ left: dx, top: dy, behavior: reduceMotion ? "auto" : "smooth" });
    } else {
      list.scrollLeft += dx;
      list.scrollTop += dy;
    }
  }

  // follow shows the slide of the player's time; before the first one,
  // the first is pictured (it comes next), none highlighted; in a gap the
  // last one seen stays.
  function follow() {
    var i = at(media.currentTime);
    show(i);
    if (i < 0 && media.currentTime < slides[0].start) {
      picture(0);
    }
  }
  media.addEventListener("timeupdate", follow);
  media.addEventListener("seeked", follow);
  media.addEventListener("loadedmetadata", follow);
  follow();
})();
