"""The episode page in headless chromium: axe-core with script on and off, and the keyboard.

The pages are those of real episodes (``page_fixtures.episodes``), opened from ``file://``;
expected times come from ffprobe and a plain parse of the VTT, not from the page. A transcript
that is click-only passes axe-core, so the keyboard has scripted tests of its own.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

# One plugin for both modules, so each episode is built once per session.
pytest_plugins = ["page_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# What document.activeElement is, in a few words a test can compare.
ACTIVE = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, id: e.id, role: e.getAttribute('role'),
          cls: e.className, chapter: e.getAttribute('data-chapter'), text: e.textContent};
}"""


class Opened:
    """A page opened in a fresh browser context, with its console errors collected."""

    def __init__(self, browser, url: str, **options) -> None:
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: self.errors.append("dialog: " + dialog.message))
        self.page.goto(url)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def time(self) -> float:
        return self.js("document.getElementById('episode-audio').currentTime")

    def active(self) -> dict:
        return self.js(ACTIVE)

    def wait(self, expression: str, arg=None, timeout: float = 10.0) -> None:
        wait_until(self.page, expression, arg, timeout)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser):
    pages: list[Opened] = []

    def open_page(episode, **options) -> Opened:
        """Open an episode's page (or any URL) in a fresh context."""
        page = Opened(browser, getattr(episode, "url", episode), **options)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        assert page.errors == [], page.errors
        page.close()


def wait_until(page, expression: str, arg=None, timeout: float = 10.0) -> None:
    """Poll until ``expression`` is true. (Playwright's wait_for_function evaluates a string,
    which the page's Content-Security-Policy rightly forbids; evaluate itself is not.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def axe_violations(page) -> list[dict]:
    results = Axe().run(page).response
    assert len(results["passes"]) > 20, "axe-core checked almost nothing"
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in results["violations"]
    ]


# ---- axe-core ---------------------------------------------------------------------------

# The pages of the plain-text example, the HTML example and the seed article. Every check runs
# in CI's slow run; scripts/test keeps a few of each kind within its time (README, "Tests").
slow = pytest.mark.slow
SEED = pytest.param("seed", marks=[pytest.mark.shared, slow])


@pytest.mark.parametrize("name", ["harbour", "courier", SEED])
@pytest.mark.parametrize("scheme", ["light", pytest.param("dark", marks=slow)])
def test_axe_with_script(episodes, opened, name, scheme):
    page = opened(episodes[name], color_scheme=scheme)
    assert page.js("document.querySelectorAll('.s[role=button]').length") == len(
        episodes[name].cues
    )
    assert axe_violations(page.page) == []


@slow
def test_french_page(episodes, opened):
    episode = episodes["marche"]
    page = opened(episode)
    assert page.js("document.documentElement.lang") == "fr"
    assert page.js("document.querySelector('nav').getAttribute('aria-label')") == "Chapitres"
    page.page.click("nav button[data-chapter='1']")
    page.wait("document.getElementById('announcer').textContent !== ''")
    assert page.js("document.getElementById('announcer').textContent") == (
        "Chapitre 2 sur 2 : Ce qui change"
    )
    assert axe_violations(page.page) == []


@pytest.mark.parametrize("name", [pytest.param("harbour", marks=slow), "courier", SEED])
def test_axe_without_script(episodes, browser, name):
    """The page as a browser builds it with scripting off: served with a policy that lets no
    script of the page run (axe-core itself is injected by the driver, not by the page)."""
    episode = episodes[name]
    context = browser.new_context()
    folder = episode.page.parent

    def serve(route):
        path = folder / route.request.url.split("/")[-1].split("#")[0]
        headers = {"Content-Security-Policy": "script-src 'none'"}
        if path.suffix == ".html":
            route.fulfill(path=path, content_type="text/html; charset=utf-8", headers=headers)
        else:
            route.fulfill(path=path)

    context.route("http://episode.test/**", serve)
    page = context.new_page()
    page.goto(f"http://episode.test/{episode.page.name}")
    try:
        # The script did not run: sentences are text, chapters are links, controls hidden.
        assert page.evaluate("document.querySelectorAll('[role=button]').length") == 0
        assert page.evaluate("document.querySelectorAll('nav a.chapter').length") == len(
            episode.chapters
        )
        assert page.evaluate("document.querySelector('.controls').hidden") is True
        assert axe_violations(page) == []
    finally:
        context.close()


@slow
def test_readable_with_javascript_disabled(episodes, browser):
    episode = episodes["harbour"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(episode.url)
        assert page.evaluate("document.title").startswith(episode.chapters[0][0])
        assert page.evaluate("document.querySelector('audio').controls") is True
        text = page.evaluate("document.getElementById('transcript-body').innerText")
        assert all(cue.text in text for cue in episode.cues)
        assert (
            page.evaluate("document.querySelector('[role=button], .controls:not([hidden])')")
            is None
        )
        # A chapter link takes the reader to that chapter of the transcript.
        page.click("nav a.chapter[data-chapter='2']")
        assert page.url.endswith("#c3")
        top = page.evaluate("document.getElementById('c3').getBoundingClientRect().top")
        assert abs(top) < 5
    finally:
        context.close()


# ---- Keyboard -----------------------------------------------------------------------------


def tab_until(page: Opened, predicate, limit: int = 60) -> dict:
    for _ in range(limit):
        page.page.keyboard.press("Tab")
        active = page.active()
        if predicate(active):
            return active
    raise AssertionError("Tab never reached it")


def test_tab_reaches_player_chapters_and_transcript(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    stops = []
    for _ in range(60):
        page.page.keyboard.press("Tab")
        active = page.active()
        if active["tag"] == "BODY":
            break
        stops.append(active)
    names = [
        "sentence"
        if s["role"] == "button"
        else f"chapter {s['chapter']}"
        if s["chapter"] is not None
        else s["id"] or s["tag"]
        for s in stops
    ]
    chapters = [f"chapter {n}" for n in range(len(episode.chapters))]
    # In order: the player (the audio element first), the chapter list, search, transcript.
    wanted = ["episode-audio", "play", "speed", "follow", *chapters, "search-input", "sentence"]
    visited = [name for name in names if name in wanted]
    # (The audio element's own controls are several stops of one element.)
    visited = [name for n, name in enumerate(visited) if n == 0 or visited[n - 1] != name]
    assert visited == wanted, names
    # The whole transcript is one tab stop (roving tabindex), and the last one on the page.
    assert names.count("sentence") == 1 and names[-1] == "sentence"
    assert stops[-1]["text"] == episode.cues[0].text


def test_enter_on_chapter_3_seeks_and_plays(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    tab_until(page, lambda a: a["chapter"] == "2")
    page.page.keyboard.press("Enter")
    title, start_ms = episode.chapters[2]
    assert start_ms / 1000 <= page.time() < start_ms / 1000 + 1.5
    page.wait("!document.getElementById('episode-audio').paused")
    page.wait("document.getElementById('announcer').textContent !== ''", timeout=2000)
    assert page.js("document.getElementById('announcer').textContent") == (
        f"Chapter 3 of {len(episode.chapters)}: {title}"
    )
    assert page.js("document.querySelector('nav [aria-current=true]').dataset.chapter") == "2"
    assert page.active()["chapter"] == "2", "focus stays on the chapter button"


def test_enter_or_space_on_a_sentence_seeks_to_its_cue(episodes, opened):
    episode = episodes["courier"]
    page = opened(episode)
    tab_until(page, lambda a: a["role"] == "button")
    for _ in range(12):
        page.page.keyboard.press("ArrowDown")
    active = page.active()
    assert active["text"] == episode.cues[12].text
    page.page.keyboard.press("Enter")
    cue = episode.cues[12]
    assert cue.start_ms / 1000 <= page.time() < cue.start_ms / 1000 + 0.5
    page.js("document.getElementById('episode-audio').pause()")
    # Up, Home and End move within the group; Space plays from where focus is.
    page.page.keyboard.press("End")
    assert page.active()["text"] == episode.cues[-1].text
    page.page.keyboard.press("ArrowUp")
    page.page.keyboard.press("Space")
    cue = episode.cues[-2]
    assert cue.start_ms / 1000 <= page.time() < cue.start_ms / 1000 + 0.5
    page.page.keyboard.press("Home")
    assert page.active()["text"] == episode.cues[0].text
    # Still a single tab stop after moving around.
    assert page.js("document.querySelectorAll('.s[tabindex=\"0\"]').length") == 1


@slow
def test_aria_current_follows_playback(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    page.js("""() => {
      window.marks = [];
      const audio = document.getElementById('episode-audio');
      new MutationObserver(records => {
        for (const r of records) {
          if (r.target.getAttribute('aria-current') === 'true' && r.target.classList.contains('s'))
            window.marks.push([audio.currentTime * 1000, r.target.textContent]);
        }
      }).observe(document.getElementById('transcript-body'),
                 {attributes: true, attributeFilter: ['aria-current'], subtree: true});
    }""")
    page.page.select_option("#speed", "3")
    start_ms = episode.chapters[1][1]
    page.page.click("nav button[data-chapter='1']")
    page.wait("!document.getElementById('episode-audio').paused")
    # Until four sentences have been marked in turn (bounded), not a fixed wait.
    page.wait("new Set(window.marks.map(m => m[1])).size >= 4", timeout=15)
    page.js("document.getElementById('episode-audio').pause()")
    marks = page.js("window.marks")
    texts = [text for _, text in marks]
    assert len(set(texts)) >= 4, texts
    starts = [cue.start_ms for cue in episode.cues]
    for at_ms, text in marks:
        index = max(i for i, start in enumerate(starts) if start <= at_ms + 50)
        # Marked when its cue starts, at most a frame or two late at 3x.
        assert text == episode.cues[index].text or (
            text == episode.cues[index - 1].text and at_ms - starts[index] < 300
        ), (at_ms, text)
    assert marks[0][0] >= start_ms - 50
    # Paused: exactly the cue the audio is in is current, and only one.
    now = page.time() * 1000
    current = max(i for i, start in enumerate(starts) if start <= now)
    assert page.js(
        "[...document.querySelectorAll('[aria-current=true].s')].map(e => e.textContent)"
    ) == [episode.cues[current].text]
    # Tab into the transcript lands on the sentence being heard.
    page.page.focus("#search-previous")
    page.page.keyboard.press("Tab")
    assert page.active()["text"] == episode.cues[current].text


@slow
def test_playback_crossing_a_chapter_announces_nothing(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    title, boundary = episode.chapters[2]
    page.js(
        """(seconds) => {
          const audio = document.getElementById('episode-audio');
          audio.playbackRate = 3;
          audio.currentTime = seconds;
          return audio.play();
        }""",
        boundary / 1000 - 1.0,
    )
    page.wait(f"document.getElementById('episode-audio').currentTime > {boundary / 1000 + 0.8}")
    page.js("document.getElementById('episode-audio').pause()")
    assert page.js("document.getElementById('now-chapter').textContent").endswith(title)
    assert page.js("document.getElementById('announcer').textContent") == ""
    # The live region is only the announcer and the search count: no live transcript.
    live = page.js(
        "[...document.querySelectorAll('[aria-live],[role=status],[role=log],[role=alert]')]"
        ".map(e => e.id)"
    )
    assert sorted(live) == ["announcer", "search-status"]


@slow
def test_player_shortcuts(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    page.wait("document.getElementById('episode-audio').readyState >= 1")
    page.page.focus("#play")
    page.page.keyboard.press("ArrowRight")
    assert page.time() == pytest.approx(10.0, abs=0.01)
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowLeft")
    assert page.time() == pytest.approx(10.0, abs=0.01)
    page.page.keyboard.press("PageDown")
    assert page.time() == pytest.approx(episode.chapters[1][1] / 1000, abs=0.01)
    page.page.keyboard.press("PageDown")
    assert page.time() == pytest.approx(episode.chapters[2][1] / 1000, abs=0.01)
    page.page.keyboard.press("PageUp")
    assert page.time() == pytest.approx(episode.chapters[1][1] / 1000, abs=0.01)
    page.wait(
        "(title) => document.getElementById('announcer').textContent.endsWith(title)",
        episode.chapters[1][0],
    )
    # Space on the Play button plays; again, pauses. Modified arrows are not ours.
    page.page.keyboard.press("Space")
    page.wait("!document.getElementById('episode-audio').paused")
    page.page.keyboard.press("Space")
    page.wait("document.getElementById('episode-audio').paused")
    before = page.time()
    for key in ("Control+Alt+ArrowRight", "Alt+ArrowLeft", "Shift+ArrowRight", "k"):
        page.page.keyboard.press(key)
    assert page.time() == before


def test_shortcuts_do_nothing_in_the_search_box_or_outside_the_player(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    page.wait("document.getElementById('episode-audio').readyState >= 1")
    page.page.focus("#search-input")
    for key in ("Space", "ArrowRight", "ArrowLeft", "PageDown", "PageUp", "k", "j", "l"):
        page.page.keyboard.press(key)
    assert page.time() == 0
    assert page.js("document.getElementById('episode-audio').paused") is True
    # The keys went to the box (a space and letters typed, arrows moving the caret).
    typed = page.js("document.getElementById('search-input').value")
    assert sorted(typed) == [" ", "j", "k", "l"]
    assert page.js("document.getElementById('announcer').textContent") == ""
    # Nor on the page itself, nor in the chapter list: no global keys.
    page.page.focus("nav button[data-chapter='0']")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("PageDown")
    page.js("document.activeElement.blur()")
    for key in ("ArrowRight", "PageDown", "k", "Space"):
        page.page.keyboard.press(key)
    assert page.time() == 0


@slow
def test_search_counts_and_jumps(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    hits = [i for i, cue in enumerate(episode.cues) if "barrier" in cue.text.lower()]
    assert len(hits) >= 3
    page.page.focus("#search-input")
    page.page.keyboard.type("BARRIER")
    page.wait("document.getElementById('search-status').textContent.includes('match')")
    assert page.js("document.getElementById('search-status').textContent") == f"{len(hits)} matches"
    assert page.js("document.querySelectorAll('.s.hit').length") == len(hits)
    page.page.keyboard.press("Enter")
    assert page.active()["text"] == episode.cues[hits[0]].text
    assert page.js("document.getElementById('search-status').textContent") == (
        f"Match 1 of {len(hits)}"
    )
    page.page.click("#search-next")
    assert page.active()["text"] == episode.cues[hits[1]].text
    page.page.focus("#search-input")
    page.page.keyboard.press("Shift+Enter")
    assert page.active()["text"] == episode.cues[hits[0]].text
    # Accents and case do not matter; nothing found is said so.
    page.page.fill("#search-input", "résidents")
    page.page.keyboard.press("Enter")
    assert "Residents" in page.active()["text"]
    page.page.fill("#search-input", "zeppelin")
    page.page.keyboard.press("Enter")
    assert page.js("document.getElementById('search-status').textContent") == "No match"


@slow
def test_speed_is_remembered(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode)
    page.page.select_option("#speed", "2")
    assert page.js("document.getElementById('episode-audio').playbackRate") == 2
    page.page.reload()
    assert page.js("document.getElementById('speed').value") == "2"
    assert page.js("document.getElementById('episode-audio').playbackRate") == 2
    assert page.js("document.getElementById('episode-audio').defaultPlaybackRate") == 2


@slow
def test_speed_works_where_storage_is_refused(episodes, browser):
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage',"
        " {get() { throw new DOMException('denied', 'SecurityError'); }});"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(episodes["harbour"].url)
        page.select_option("#speed", "1.5")
        assert page.evaluate("document.getElementById('episode-audio').playbackRate") == 1.5
        assert page.evaluate("document.querySelectorAll('.s[role=button]').length") > 0
        assert errors == []
    finally:
        context.close()


SCROLL_SPY = """
window.scrolls = [];
const original = Element.prototype.scrollIntoView;
Element.prototype.scrollIntoView = function (options) {
  window.scrolls.push(options && options.behavior);
  return original.call(this, options);
};
"""


@slow
@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_following_scrolls_with_playback_respecting_reduced_motion(episodes, browser, motion):
    context = browser.new_context(reduced_motion=motion, viewport={"width": 1280, "height": 720})
    context.add_init_script(SCROLL_SPY)
    page = context.new_page()
    try:
        page.goto(episodes["harbour"].url)
        assert page.evaluate("window.scrollY") == 0, "opening the page never scrolls it"
        page.click("nav button[data-chapter='3']")
        wait_until(page, "window.scrolls.length > 0")
        wait_until(page, "window.scrollY > 300")
        expected = "auto" if motion == "reduce" else "smooth"
        assert set(page.evaluate("window.scrolls")) == {expected}
    finally:
        context.close()


def _settled_scroll(page, timeout: float = 5.0) -> float:
    """Where a smooth scroll comes to rest: the same position twice, 0.2 s apart."""
    deadline = time.monotonic() + timeout
    last = page.js("window.scrollY")
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = page.js("window.scrollY")
        if now == last:
            return now
        last = now
    raise AssertionError(f"the page was still scrolling after {timeout} s")


@slow
def test_following_stops_when_the_user_scrolls_or_moves_focus(episodes, opened):
    episode = episodes["harbour"]
    page = opened(episode, viewport={"width": 1280, "height": 720})
    page.page.click("nav button[data-chapter='3']")
    page.wait("window.scrollY > 300")
    page.page.mouse.move(900, 400)
    page.page.mouse.wheel(0, -120)
    page.wait("!document.getElementById('follow').checked")
    page.js("document.getElementById('episode-audio').pause()")
    resting = _settled_scroll(page)
    # Playback jumps far away (not by the user): the view stays where the user put it.
    page.js("""() => {
      const audio = document.getElementById('episode-audio');
      audio.currentTime = 1; return audio.play(); }""")
    wait_until(page.page, "document.querySelector('.s[aria-current=true]')?.id === 's1'")
    time.sleep(0.8)  # what must not happen (a scroll to the sentence) has had its time
    assert page.js("document.querySelector('.s[aria-current=true]').id") == "s1"
    assert page.js("window.scrollY") == resting
    # Ticking the box follows again.
    page.page.check("#follow")
    page.wait("window.scrollY < 200")
    # Moving focus into the transcript stops it too.
    tab_until(page, lambda a: a["role"] == "button")
    assert page.js("document.getElementById('follow').checked") is False


def test_works_from_file_and_fetches_nothing(episodes, opened):
    episode = episodes["courier"]
    page = opened(episode)
    page.page.click("nav button[data-chapter='1']")
    page.wait("document.getElementById('episode-audio').currentTime > 0")
    assert page.requests and all(url.startswith("file://") for url in page.requests)
    assert any(url.endswith(episode.mp3.name) for url in page.requests)


@slow
def test_hostile_text_runs_nothing(episodes, opened, tmp_path: Path):
    """The hostile document of test_page, in a browser: no dialog, no error, our script runs
    (the policy's hashes are right) and the title reads as the text it is."""
    from audionews.render.page import render_page
    from test_page import hostile_document

    doc = hostile_document()
    shutil.copyfile(episodes["harbour"].mp3, tmp_path / doc.audio)
    page_file = tmp_path / "hostile.html"
    page_file.write_text(render_page(doc), encoding="utf-8")
    page = opened(page_file.as_uri())
    assert page.js("document.title") == doc.title + " – <i>Show</i>"
    assert page.js("document.querySelectorAll('script').length") == 2
    assert page.js("document.querySelectorAll('.s[role=button]').length") == 6
    page.page.click("nav button[data-chapter='1']")
    page.wait("!document.getElementById('episode-audio').paused")
    assert page.js("document.getElementById('now-chapter').textContent").endswith(
        doc.chapters[1].title
    )


# ---- What a person sees -------------------------------------------------------------------

VIEWS = {
    "light": {"viewport": {"width": 1280, "height": 900}},
    "dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    # 200% zoom of a 1280x800 window: half as many CSS pixels, each drawn twice as large.
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
    "narrow320": {"viewport": {"width": 320, "height": 640}},
}


@slow
@pytest.mark.parametrize("view", VIEWS)
def test_layout_reflows_and_marks_what_is_current(episodes, opened, view, tmp_path: Path):
    episode = episodes["harbour"]
    page = opened(episode, **VIEWS[view])
    # Reflow (WCAG 1.4.10): nothing scrolls sideways, at 320 CSS pixels or 200% zoom.
    assert page.js("document.documentElement.scrollWidth <= window.innerWidth")
    folder = Path(os.environ.get("AUDIONEWS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(folder / f"{view}-top.png"))
    # A sentence in a quotation being heard, and another one focused by the keyboard.
    tab_until(page, lambda a: a["role"] == "button")
    for _ in range(13):
        page.page.keyboard.press("ArrowDown")
    page.page.keyboard.press("Enter")
    page.js("document.getElementById('episode-audio').pause()")
    page.page.keyboard.press("ArrowDown")
    current = page.js("document.querySelector('.s[aria-current=true]')")
    assert current is not None
    # The spoken sentence has a ring (box-shadow) as well as a colour; focus an outline.
    style = page.js("""() => {
      const c = getComputedStyle(document.querySelector('.s[aria-current=true]'));
      const f = getComputedStyle(document.activeElement);
      return {ring: c.boxShadow, outline: f.outlineStyle, width: f.outlineWidth};
    }""")
    assert style["ring"] not in ("", "none")
    assert style["outline"] == "solid" and style["width"] == "3px"
    assert page.js("document.documentElement.scrollWidth <= window.innerWidth")
    page.page.screenshot(path=str(folder / f"{view}-reading.png"))
