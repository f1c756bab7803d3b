// Plays the <video> of a video page. Where the browser plays HLS itself
// and is Apple's (Safari, iOS) or has no Media Source Extensions, the
// master playlist goes straight to it. Elsewhere hls.js (vendor/, loaded
// only then) plays the playlist through Media Source Extensions, with a
// choice among its levels. Without either, or when hls.js fails, the MP4
// renditions play with a choice among them. Without script, the default
// MP4 in <source> plays.
// While other qualities are encoded, progress.js tells each status of the
// video ("lectern:status"); when the renditions ready change, the player
// takes them without reloading the page: hls.js reads the new master
// playlist with a second instance, which takes over the element's
// MediaSource and what it has buffered (transferMedia), so that playback
// goes on; the browser's own HLS takes it at the next pause, at the same
// moment; the MP4 choice lists the new files.
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

  // known lists the MP4s offered (their links, which the master playlist
  // follows); update takes a new list, the way the player plays.
  var known = links(mp4s);
  var update = function () {};

  function links(list) {
    return list.map(function (o) { return o.value; }).join(" ");
  }

  // fresh is the master playlist's link for the renditions known: a URL
  // of their own (a hash of their links), so that no cache answers with
  // the playlist of others.
  function fresh() {
    var h = 5381;
    for (var i = 0; i < known.length; i++) {
      h = (h * 33 + known.charCodeAt(i)) >>> 0;
    }
    return hlsURL + (hlsURL.indexOf("?") < 0 ? "?" : "&") + "v=" + h.toString(36);
  }

  document.addEventListener("lectern:status", function (e) {
    var ready = (e.detail && e.detail.ready) || [];
    var next = ready.map(function (r) { return { value: r.url, label: r.label, selected: !!r["default"] }; });
    if (!next.length || links(next) === known) {
      return;
    }
    // The viewer's MP4 stays chosen while there is one of its quality.
    var was = mp4s.filter(function (o) { return o.selected; })[0];
    if (was && next.some(function (o) { return o.label === was.label; })) {
      next.forEach(function (o) { o.selected = o.label === was.label; });
    }
    known = links(next);
    mp4s = next;
    update();
  });

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

  // playMP4 plays url from second at, playing if it was, at the speed it
  // played (loading resets it).
  function playMP4(url, at, playing) {
    var rate = video.playbackRate;
    video.src = url;
    video.addEventListener("loadedmetadata", function once() {
      video.removeEventListener("loadedmetadata", once);
      video.playbackRate = rate;
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
    function offer() {
      choice(mp4s, function (url) {
        mp4s.forEach(function (o) { o.selected = o.value === url; });
        playMP4(url, video.currentTime, !video.paused);
      });
    }
    offer();
    update = function () {
      offer();
      // The file playing may be gone (a remux the ladder's own top rung
      // replaced): the one chosen takes over at the same moment.
      var playing = video.currentSrc;
      var there = mp4s.some(function (o) { return new URL(o.value, location.href).href === playing; });
      var pick = mp4s.filter(function (o) { return o.selected; })[0] || mp4s[0];
      if (playing && !there && pick) {
        playMP4(pick.value, video.currentTime, !video.paused);
      }
    };
  }

  // useNative gives the master playlist to the browser, and a new one at
  // the next pause (or at once when paused), at the same moment.
  function useNative() {
    video.preload = "metadata";
    video.src = hlsURL;
    var pending = false;
    function reload() {
      pending = false;
      playMP4(fresh(), video.currentTime, false);
    }
    video.addEventListener("pause", function () {
      if (pending) {
        reload();
      }
    });
    update = function () {
      pending = true;
      if (video.paused) {
        reload();
      }
    };
  }

  function useHlsJs() {
    var Hls = window.Hls;
    var hls = null, next = null, failed = false, attached = false, start = -1;
    // took: the instance playing took over a buffer another loaded.
    var took = false;
    // chosen is the level the viewer chose ({uri, height}), null for Auto:
    // it stays chosen in a new master playlist, found by its playlist or
    // else by its height.
    var chosen = null;

    // make returns an instance that loads nothing before it is told to;
    // estimate carries the bandwidth a former one measured.
    function make(estimate) {
      // No worker: fMP4 needs no transmuxing, and a worker would need a
      // blob: script the Content-Security-Policy does not allow. No
      // interstitials (Lectern's playlists have none): their controller
      // would start an instance taking over at 0, not where playback is.
      var config = { enableWorker: false, enableInterstitialPlayback: false, capLevelToPlayerSize: true, autoStartLoad: false };
      if (estimate > 0) {
        config.abrEwmaDefaultEstimate = estimate;
      }
      var h = new Hls(config);
      h.on(Hls.Events.MANIFEST_PARSED, function () {
        if (h === hls) {
          offer();
        }
      });
      h.on(Hls.Events.ERROR, function (e, data) {
        if (data.fatal) {
          fatal(h);
        }
      });
      h.on(Hls.Events.MEDIA_ATTACHED, function () {
        if (!h.loadingEnabled) {
          h.startLoad(start);
        }
      });
      return h;
    }

    // find is the index of level l's like among h's levels; -1 for none.
    function find(h, l) {
      if (!l) {
        return -1;
      }
      var i, levels = h.levels;
      for (i = 0; i < levels.length; i++) {
        if (levels[i].uri === l.uri) {
          return i;
        }
      }
      for (i = 0; i < levels.length; i++) {
        if (l.height && levels[i].height === l.height) {
          return i;
        }
      }
      return -1;
    }

    function offer() {
      var at = find(hls, chosen);
      if (at < 0) {
        chosen = null;
      }
      var options = [{ value: "-1", label: select ? select.getAttribute("data-auto-label") : "Auto", selected: at < 0 }];
      hls.levels.map(function (l, i) {
        return { value: String(i), label: l.height ? l.height + "p" : (l.name || String(i + 1)), height: l.height || 0, selected: i === at };
      }).sort(function (a, b) { return b.height - a.height; }).forEach(function (o) { options.push(o); });
      choice(options, function (v) {
        // nextLevel switches at the next fragment: no stall, no rebuffer.
        // Before the first play, the first fragment is of that level.
        var level = parseInt(v, 10);
        chosen = level < 0 ? null : { uri: hls.levels[level].uri, height: hls.levels[level].height };
        if (!attached) {
          hls.startLevel = level;
        }
        hls.nextLevel = level;
        if (took && level >= 0) {
          flushAhead(hls);
        }
      });
    }

    // flushAhead drops what is buffered from a quarter into the fragment
    // after the one playing (where hls.js itself would), so that the
    // level chosen plays from there. hls.js flushes only what it loaded:
    // an instance that took over a buffer would play the former's to its
    // end first.
    function flushAhead(h) {
      // The fragments of a level loaded (the ladder's are aligned).
      var l = h.levels.filter(function (l) { return l.details; })[0];
      var frags = l && l.details.fragments;
      var t = video.currentTime + 1; // the time to fetch a fragment
      for (var i = 0; frags && i < frags.length - 1; i++) {
        if (frags[i].start <= t && t < frags[i + 1].start) {
          var n = frags[i + 1];
          h.trigger(Hls.Events.BUFFER_FLUSHING, { startOffset: n.start + n.duration / 4, endOffset: Infinity, type: null });
          return;
        }
      }
    }

    // fatal plays the MP4s where hls.js fails; an instance reading a new
    // master playlist that fails leaves the one playing as it is.
    function fatal(h) {
      if (h === next) {
        next = null;
        h.destroy();
        return;
      }
      if (h !== hls || failed) {
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
    }

    // update reads the new master playlist with a second instance; once
    // it has its levels, the second takes over: the element, its
    // MediaSource and what is buffered when playing has begun (the one
    // playing hands them over, transferMedia), the level playing (or
    // chosen) to start with, and the bandwidth measured.
    update = function () {
      if (failed) {
        return;
      }
      if (next) {
        next.destroy();
      }
      var h = next = make(hls.bandwidthEstimate);
      h.once(Hls.Events.MANIFEST_PARSED, function () {
        if (h !== next) {
          return;
        }
        next = null;
        var old = hls;
        var current = old.levels[old.currentLevel];
        var level = find(h, chosen || (current && { uri: current.uri, height: current.height }));
        if (level >= 0) {
          h.startLevel = level;
        }
        if (chosen && level >= 0) {
          h.loadLevel = level;
        }
        hls = video.hls = h;
        took = false;
        offer();
        if (!attached) {
          old.destroy();
          return;
        }
        start = video.currentTime;
        var playing = !video.paused;
        var media = old.transferMedia();
        old.destroy();
        if (!media || !media.mediaSource) {
          // Nothing to take over: a MediaSource of its own, from the
          // same moment (MEDIA_ATTACHED starts the load there).
          h.attachMedia(video);
          if (playing) {
            video.play().catch(function () {});
          }
          return;
        }
        took = true;
        h.attachMedia(media);
        // Loading from where playback is (hls.js seeks to a start
        // position only forward: playback has moved on meanwhile, it
        // stays where it is); the transferred MediaSource is attached
        // only once the first fragment tells its tracks.
        h.startLoad(start);
      });
      h.loadSource(fresh());
    };

    // The playlists load now, for the choice of quality; the media is
    // attached, and segments load, on the first play. Attached at once,
    // hls.js gives the element a MediaSource (preload="none" does not
    // hold it back): loading with nothing to show, Chromium draws its
    // spinner over the poster until the first segment is in, and the
    // segments of a video nobody plays are fetched all the same.
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
    // video.hls is the instance playing, for tests and the console.
    hls = video.hls = make(0);
    hls.loadSource(hlsURL);
  }

  var mse = !!(window.MediaSource || window.ManagedMediaSource);
  var apple = /Apple/.test(navigator.vendor || "");
  if (hlsURL && video.canPlayType("application/vnd.apple.mpegurl") && (apple || !mse)) {
    useNative();
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
