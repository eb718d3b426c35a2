/* The episode page's behaviour. Without it the page is complete to read and to play with the
   browser's own audio controls; with it, chapters and sentences seek, the spoken sentence is
   followed, the transcript can be searched, and the player has keys.
   Plain ES2017 in one function, no modules, nothing fetched: it works from file://. */
(function () {
  "use strict";

  var dataElement = document.getElementById("episode-data");
  var audio = document.getElementById("episode-audio");
  if (!dataElement || !audio) return;
  var data = JSON.parse(dataElement.textContent);
  var strings = data.strings;
  var cues = data.cues;
  var chapters = data.chapters;
  var RATE_KEY = "audionews.playbackRate";

  var player = document.getElementById("player");
  var transcript = document.getElementById("transcript-body");
  var announcer = document.getElementById("announcer");
  var nowChapter = document.getElementById("now-chapter");
  var followBox = document.getElementById("follow");
  var speed = document.getElementById("speed");
  var playButton = document.getElementById("play");
  var side = document.querySelector(".side");
  var rtl = document.documentElement.dir === "rtl";
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  var sentences = cues.map(function (cue) {
    return document.getElementById(cue.id);
  });
  var starts = cues.map(function (cue) {
    return cue.start_ms;
  });
  var chapterStarts = chapters.map(function (chapter) {
    return chapter.start_ms;
  });
  // The first sentence of each chapter, for Page Up / Page Down in the transcript.
  var chapterFirst = chapters.map(function (_, index) {
    for (var i = 0; i < cues.length; i++) if (cues[i].chapter === index) return i;
    return -1;
  });

  var current = -1; // the sentence being heard
  var currentChapter = -1;
  var roving = 0; // the one sentence in the tab order
  var follow = true; // the transcript scrolls with playback
  var chapterButtons = []; // filled when the chapter links become buttons

  document.querySelectorAll("[data-needs-script]").forEach(function (element) {
    element.hidden = false;
  });

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // The last entry of a sorted list of times that is <= ms (or -1).
  function lastAtOrBefore(list, ms) {
    var low = 0;
    var high = list.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (list[middle] <= ms) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function announce(text) {
    // Cleared first, so the same words said twice are announced twice.
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 60);
  }

  function chapterText(index) {
    return format(strings.chapter_of, {
      number: index + 1,
      total: chapters.length,
      title: chapters[index].title,
    });
  }

  function play() {
    var promise = audio.play();
    if (promise && promise.catch) promise.catch(function () {});
  }

  // Every seek the user asks for; a chapter change it causes is announced (politely, once).
  function seekTo(ms, options) {
    var before = lastAtOrBefore(chapterStarts, audio.currentTime * 1000);
    var duration = isFinite(audio.duration) ? audio.duration : Infinity;
    audio.currentTime = Math.max(0, Math.min(ms / 1000, duration));
    var after = lastAtOrBefore(chapterStarts, ms);
    update(ms);
    if (after >= 0 && (options.announce === "always" || after !== before)) {
      announce(chapterText(after));
    }
    if (options.play) play();
  }

  // ---- Following playback -------------------------------------------------------------

  function setFollow(on) {
    follow = on;
    if (followBox) followBox.checked = on;
    if (on) reveal(current);
  }

  function focusVisible(element) {
    try {
      return element.matches(":focus-visible");
    } catch (error) {
      return true; // an older browser: assume a keyboard user
    }
  }

  function isSticky(element) {
    return !!element && window.getComputedStyle(element).position === "sticky";
  }

  // Scroll the spoken sentence into view, unless that would carry a control the keyboard user
  // is on out of sight (on wide screens the player column stays put, so it never does).
  function reveal(index) {
    if (!follow || index < 0 || !sentences[index]) return;
    var focused = document.activeElement;
    if (
      focused &&
      focused !== document.body &&
      !transcript.contains(focused) &&
      !(side && side.contains(focused) && isSticky(side)) &&
      focusVisible(focused)
    ) {
      return;
    }
    var box = sentences[index].getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    if (box.top >= height * 0.15 && box.bottom <= height * 0.8) return;
    sentences[index].scrollIntoView({
      block: "center",
      behavior: reducedMotion && reducedMotion.matches ? "auto" : "smooth",
    });
  }

  function setRoving(index) {
    if (index < 0 || !sentences[index] || index === roving) return;
    if (sentences[roving]) sentences[roving].tabIndex = -1;
    sentences[index].tabIndex = 0;
    roving = index;
  }

  function update(ms) {
    var index = lastAtOrBefore(starts, ms);
    if (index !== current) {
      if (current >= 0 && sentences[current]) sentences[current].removeAttribute("aria-current");
      current = index;
      if (index >= 0 && sentences[index]) {
        sentences[index].setAttribute("aria-current", "true");
        // Tab into the transcript lands on what is being said, unless the user is in it.
        if (!transcript.contains(document.activeElement)) setRoving(index);
        // Only playback moves the view: opening or pausing the page never scrolls it.
        if (!audio.paused) reveal(index);
      }
    }
    var chapter = lastAtOrBefore(chapterStarts, ms);
    if (chapter !== currentChapter) {
      if (currentChapter >= 0 && chapterButtons[currentChapter]) {
        chapterButtons[currentChapter].removeAttribute("aria-current");
      }
      currentChapter = chapter;
      if (chapter >= 0) {
        if (chapterButtons[chapter]) chapterButtons[chapter].setAttribute("aria-current", "true");
        // Shown, not announced: playback moving on is not a status message.
        if (nowChapter) nowChapter.textContent = chapterText(chapter);
      }
    }
  }

  var frame = 0;
  function tick() {
    update(audio.currentTime * 1000);
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }
  audio.addEventListener("play", function () {
    if (playButton) playButton.textContent = strings.pause;
    if (!frame) frame = window.requestAnimationFrame(tick);
  });
  audio.addEventListener("pause", function () {
    if (playButton) playButton.textContent = strings.play;
    update(audio.currentTime * 1000);
  });
  ["timeupdate", "seeked", "loadedmetadata"].forEach(function (type) {
    audio.addEventListener(type, function () {
      update(audio.currentTime * 1000);
    });
  });

  // The user scrolling or moving focus stops following; the checkbox or a chapter resumes it.
  function stopFollowing() {
    if (follow) setFollow(false);
  }
  window.addEventListener("wheel", stopFollowing, { passive: true });
  window.addEventListener("touchmove", stopFollowing, { passive: true });
  document.addEventListener("pointerdown", function (event) {
    if (event.target === document.documentElement) stopFollowing(); // the scroll bar
  });
  document.addEventListener("keydown", function (event) {
    var scrollKeys = ["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown", " "];
    if (event.target === document.body && scrollKeys.indexOf(event.key) >= 0) stopFollowing();
  });
  document.addEventListener("focusin", function (event) {
    if (!player.contains(event.target)) stopFollowing();
  });
  if (followBox) {
    followBox.addEventListener("change", function () {
      setFollow(followBox.checked);
    });
  }

  // ---- Chapters: links without script, buttons that seek and play with it -------------

  document.querySelectorAll("a.chapter[data-chapter]").forEach(function (link) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    var index = Number(link.getAttribute("data-chapter"));
    button.setAttribute("data-chapter", String(index));
    while (link.firstChild) button.appendChild(link.firstChild);
    link.parentNode.replaceChild(button, link);
    chapterButtons[index] = button;
    button.addEventListener("click", function () {
      seekTo(chapters[index].start_ms, { announce: "always", play: true });
      setFollow(true);
    });
  });

  function stepChapter(step) {
    var ms = audio.currentTime * 1000;
    var index = lastAtOrBefore(chapterStarts, ms);
    var target = index + step;
    // "Previous" from well inside a chapter goes back to its start, as players do.
    if (step < 0 && index >= 0 && ms - chapters[index].start_ms > 3000) target = index;
    if (target < 0 || target >= chapters.length) return;
    seekTo(chapters[target].start_ms, { announce: "always", play: !audio.paused });
  }

  function skip(seconds) {
    seekTo((audio.currentTime + seconds) * 1000, { announce: "changed", play: false });
  }

  // ---- The player: buttons, speed, and keys that work only while focus is in it --------

  function on(id, handler) {
    var element = document.getElementById(id);
    if (element) element.addEventListener("click", handler);
  }
  on("play", function () {
    if (audio.paused) play();
    else audio.pause();
  });
  on("back", function () {
    skip(-10);
  });
  on("forward", function () {
    skip(10);
  });
  on("previous-chapter", function () {
    stepChapter(-1);
  });
  on("next-chapter", function () {
    stepChapter(1);
  });

  player.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var target = event.target;
    // The audio element, the speed list and text fields keep their own keys.
    if (/^(AUDIO|VIDEO|SELECT|INPUT|TEXTAREA)$/.test(target.tagName) || target.isContentEditable) {
      return;
    }
    switch (event.key) {
      case "ArrowLeft":
        skip(-10);
        break;
      case "ArrowRight":
        skip(10);
        break;
      case "PageUp":
        stepChapter(-1);
        break;
      case "PageDown":
        stepChapter(1);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  function storedRate() {
    try {
      var value = parseFloat(window.localStorage.getItem(RATE_KEY));
      if (value >= 1 && value <= 3) return value;
    } catch (error) {
      // Storage can be refused (file:// in some browsers, private modes): use 1x.
    }
    return 1;
  }
  function applyRate(rate) {
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
  }
  if (speed) {
    var rate = storedRate();
    var option = Array.prototype.find.call(speed.options, function (item) {
      return Math.abs(parseFloat(item.value) - rate) < 0.001;
    });
    if (option) {
      speed.value = option.value;
      applyRate(rate);
    }
    speed.addEventListener("change", function () {
      var chosen = parseFloat(speed.value);
      applyRate(chosen);
      try {
        window.localStorage.setItem(RATE_KEY, String(chosen));
      } catch (error) {
        // Not remembered, still applied.
      }
    });
    audio.addEventListener("loadedmetadata", function () {
      applyRate(parseFloat(speed.value));
    });
  }

  // ---- The transcript: every sentence a button in one roving-tabindex group ------------

  sentences.forEach(function (element, index) {
    if (!element) return;
    element.setAttribute("role", "button");
    element.tabIndex = index === 0 ? 0 : -1;
    element.setAttribute("data-index", String(index));
  });

  function sentenceIndex(target) {
    var element = target && target.closest ? target.closest(".s[role=button]") : null;
    return element ? Number(element.getAttribute("data-index")) : -1;
  }

  function focusSentence(index) {
    if (index < 0 || index >= sentences.length || !sentences[index]) return;
    setRoving(index);
    sentences[index].focus();
  }

  function activate(index) {
    seekTo(cues[index].start_ms, { announce: "changed", play: true });
  }

  transcript.addEventListener("click", function (event) {
    var index = sentenceIndex(event.target);
    if (index >= 0) activate(index);
  });
  transcript.addEventListener("focusin", function (event) {
    var index = sentenceIndex(event.target);
    if (index >= 0) setRoving(index);
  });
  var spaceDown = -1;
  transcript.addEventListener("keydown", function (event) {
    var index = sentenceIndex(event.target);
    if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    var next = -1;
    var chapter = cues[index].chapter;
    switch (event.key) {
      case "Enter":
        activate(index);
        break;
      case " ":
        spaceDown = index; // a button acts on Space when it is released
        break;
      case "ArrowDown":
        next = index + 1;
        break;
      case "ArrowUp":
        next = index - 1;
        break;
      case "ArrowRight":
        next = rtl ? index - 1 : index + 1;
        break;
      case "ArrowLeft":
        next = rtl ? index + 1 : index - 1;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = sentences.length - 1;
        break;
      case "PageDown":
        next = chapter + 1 < chapters.length ? chapterFirst[chapter + 1] : sentences.length - 1;
        break;
      case "PageUp":
        next = index > chapterFirst[chapter] ? chapterFirst[chapter] : chapterFirst[Math.max(chapter - 1, 0)];
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next >= 0) focusSentence(Math.max(0, Math.min(next, sentences.length - 1)));
  });
  transcript.addEventListener("keyup", function (event) {
    if (event.key !== " ") return;
    var index = sentenceIndex(event.target);
    if (index >= 0 && index === spaceDown) {
      event.preventDefault();
      activate(index);
    }
    spaceDown = -1;
  });

  // ---- Search: marks every match and jumps to the next or previous one -----------------

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var searchStatus = document.getElementById("search-status");
  var matches = [];
  var position = -1;
  var searched = null; // the query the matches are for
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var folded = cues.map(function (cue) {
    return fold(cue.text);
  });

  function countText(count) {
    if (count === 0) return strings.matches_none;
    return format(count === 1 ? strings.matches_one : strings.matches_many, { count: count });
  }

  function search() {
    matches.forEach(function (index) {
      if (sentences[index]) sentences[index].classList.remove("hit");
    });
    matches = [];
    position = -1;
    var query = fold(input.value.trim());
    searched = input.value;
    if (!query) {
      searchStatus.textContent = "";
      return;
    }
    folded.forEach(function (text, index) {
      if (text.indexOf(query) >= 0) matches.push(index);
    });
    matches.forEach(function (index) {
      if (sentences[index]) sentences[index].classList.add("hit");
    });
    searchStatus.textContent = countText(matches.length);
  }

  function jump(step) {
    window.clearTimeout(timer);
    if (input.value !== searched) search();
    if (!matches.length) return;
    if (position < 0) {
      // Start from the sentence being heard: the first match there or after it (or before).
      var from = current >= 0 ? current : 0;
      position = -1;
      for (var i = 0; i < matches.length; i++) {
        if (matches[i] >= from) {
          position = step > 0 ? i : i - 1;
          break;
        }
      }
      if (position < 0 || position >= matches.length) position = step > 0 ? 0 : matches.length - 1;
    } else {
      position = (position + step + matches.length) % matches.length;
    }
    searchStatus.textContent = format(strings.match_of, {
      number: position + 1,
      total: matches.length,
    });
    focusSentence(matches[position]);
  }

  var timer = 0;
  if (form && input) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 300);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      jump(1);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        jump(-1);
      }
    });
    on("search-previous", function () {
      jump(-1);
    });
  }

  update(audio.currentTime * 1000);
})();
