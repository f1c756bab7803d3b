// Plays the <video> of a video page. Where the browser plays HLS itself
// and is Apple's (Safari, iOS) or has no Media Source Extensions, the
// master playlist goes straight to it. Elsewhere hls.js (vendor/, loaded
// only then) plays the playlist through Media Source Extensions, with a
// choice among its levels. Without either, or when hls.js fails, the MP4
// renditions play with a choice among them. Without script, the default
// MP4 in <source> plays.
(function () {
  "use strict";
  var video = document.querySelector(".player video");
  if (!video) {
    return;
  }
  var box = document.querySelector("[data-quality-box]");
  var select = document.querySelector("[data-quality]");
  var hlsURL = video.getAttribute("data-hls");
  var mp4s = select ? Array.prototype.map.call(select.options, function (o) {
    return { value: o.value, label: o.textContent, selected: o.selected };
  }) : [];

  // choice fills the quality select with options and shows it when there
  // is a choice to make.
  function choice(options, change) {
    if (!select || !box) {
      return;
    }
    select.textContent = "";
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      opt.selected = !!o.selected;
      select.appendChild(opt);
    });
    select.onchange = function () { change(select.value); };
    box.hidden = options.length < 2;
  }

  // playMP4 plays url from second at, playing if it was.
  function playMP4(url, at, playing) {
    video.src = url;
    video.addEventListener("loadedmetadata", function once() {
      video.removeEventListener("loadedmetadata", once);
      if (at > 0) {
        video.currentTime = at;
      }
      if (playing) {
        video.play().catch(function () {});
      }
    });
  }

  function useMP4() {
    video.preload = "metadata";
    choice(mp4s, function (url) { playMP4(url, video.currentTime, !video.paused); });
  }

  function useHlsJs() {
    var Hls = window.Hls;
    // No worker: fMP4 needs no transmuxing, and a worker would need a
    // blob: script the Content-Security-Policy does not allow.
    var hls = new Hls({ enableWorker: false, capLevelToPlayerSize: true, autoStartLoad: false });
    var failed = false;
    hls.on(Hls.Events.MANIFEST_PARSED, function () {
      var options = [{ value: "-1", label: select ? select.getAttribute("data-auto-label") : "Auto", selected: true }];
      hls.levels.map(function (l, i) {
        return { value: String(i), label: l.height ? l.height + "p" : (l.name || String(i + 1)), height: l.height || 0 };
      }).sort(function (a, b) { return b.height - a.height; }).forEach(function (o) { options.push(o); });
      choice(options, function (v) {
        // nextLevel switches at the next fragment: no stall, no rebuffer.
        // Before the first play, the first fragment is of that level.
        var level = parseInt(v, 10);
        if (!attached) {
          hls.startLevel = level;
        }
        hls.nextLevel = level;
      });
    });
    hls.on(Hls.Events.ERROR, function (e, data) {
      if (!data.fatal || failed) {
        return;
      }
      failed = true;
      var at = video.currentTime, playing = !video.paused;
      hls.destroy();
      var pick = mp4s.filter(function (o) { return o.selected; })[0] || mp4s[0];
      if (pick) {
        playMP4(pick.value, at, playing);
      }
      useMP4();
    });
    // The playlists load now, for the choice of quality; the media is
    // attached, and segments load, on the first play. Attached at once,
    // hls.js gives the element a MediaSource (preload="none" does not
    // hold it back): loading with nothing to show, Chromium draws its
    // spinner over the poster until the first segment is in, and the
    // segments of a video nobody plays are fetched all the same.
    hls.on(Hls.Events.MEDIA_ATTACHED, function () {
      hls.startLoad(start);
    });
    var attached = false, start = -1;
    function attach() {
      video.removeEventListener("play", attach);
      if (attached || failed) {
        return;
      }
      attached = true;
      // Where a slide or a seek before play put it (attaching loads the
      // element anew, back to 0).
      start = video.currentTime > 0 ? video.currentTime : -1;
      hls.attachMedia(video);
      video.play().catch(function () {});
    }
    video.addEventListener("play", attach);
    hls.loadSource(hlsURL);
  }

  var mse = !!(window.MediaSource || window.ManagedMediaSource);
  var apple = /Apple/.test(navigator.vendor || "");
  if (hlsURL && video.canPlayType("application/vnd.apple.mpegurl") && (apple || !mse)) {
    video.preload = "metadata";
    video.src = hlsURL;
    return;
  }
  if (hlsURL && mse) {
    var s = document.createElement("script");
    s.src = video.getAttribute("data-hls-script");
    s.onload = function () {
      if (window.Hls && window.Hls.isSupported()) {
        useHlsJs();
      } else {
        useMP4();
      }
    };
    s.onerror = useMP4;
    document.head.appendChild(s);
    return;
  }
  useMP4();
})();
