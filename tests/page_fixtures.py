"""Fixtures for the episode-page tests: real episodes, built once per session with the CLI as
a user runs it, their pages, and a headless Debian chromium driven by Playwright.

Test modules import the fixtures they use from here (``from page_fixtures import …``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from audionews.render.from_sidefiles import document_from_episode
from audionews.render.page import render_page
from conftest import EXAMPLES, ROOT, audio_cli, ffprobe

# The seed example (plain text), an HTML page with a figure, a block quote, a list and a
# table, and a French page.
ARTICLES = {
    "harbour": EXAMPLES / "harbour-flood-barrier.txt",
    "courier": ROOT / "tests" / "fixtures" / "courier-bridge.html",
    # French, in ISO-8859-1: the narrator's French phrases and the page's French words.
    "marche": ROOT / "tests" / "fixtures" / "marche-vendredi.html",
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags known to work headless here; Playwright gives every launch a fresh profile of its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class VttCue:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Episode:
    """A built episode and what independent readers (ffprobe, a plain VTT parse) say of it."""

    name: str
    mp3: Path
    page: Path
    chapters: list[tuple[str, int]]  # (title, start_ms) as ffprobe lists them
    cues: list[VttCue]

    @property
    def url(self) -> str:
        return self.page.as_uri()


def _ms(stamp: str) -> int:
    hours, minutes, rest = stamp.split(":")
    seconds, millis = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_vtt(path: Path) -> list[VttCue]:
    """The cues of our WebVTT, read by hand: times, and text without tags or entities."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")[1:]
    cues = []
    for block in blocks:
        lines = block.strip().splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        start, end = (part.strip() for part in lines[timing].split("-->"))
        text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines[timing + 1 :])
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(VttCue(_ms(start), _ms(end), text))
    return cues


@pytest.fixture(scope="session")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Episode]:
    """Each article built once with ``audionews build --json``, and its page beside it."""
    out = tmp_path_factory.mktemp("episodes")
    built = {}
    for name, article in ARTICLES.items():
        result = subprocess.run(
            [audio_cli(), "build", str(article), "-o", str(out), "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        mp3 = Path(json.loads(result.stdout)["mp3"])
        page = mp3.with_suffix(".html")
        page.write_text(render_page(document_from_episode(mp3)), encoding="utf-8")
        probed = ffprobe(mp3, "-show_chapters")["chapters"]
        chapters = [(c["tags"]["title"], round(float(c["start_time"]) * 1000)) for c in probed]
        built[name] = Episode(name, mp3, page, chapters, parse_vtt(mp3.with_suffix(".vtt")))
    return built


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, headless; skipped only where it is not installed (CI installs it)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: scripts/setup installs it as root")
        pytest.skip("Debian's chromium is not installed (sudo apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()
