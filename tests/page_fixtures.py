"""Fixtures for the episode-page tests: the real episodes of conftest.py (built once per
session with the CLI as a user runs it, with ``--page``), the pages that build wrote, and a
headless Debian chromium driven by Playwright.

Test modules import the fixtures they use from here (``from page_fixtures import …``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ffprobe

# The plain-text example, an HTML page (a figure, a block quote, a list and a table), a French
# page (the narrator's French phrases and the page's French words), and the seed article: the
# conftest fixture that builds each.
NAMES = ("harbour", "courier", "marche", "seed")
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


_made: dict[str, Episode] = {}


class _Episodes:
    """Each episode by name, built (by its conftest fixture) only when a test first asks."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.made = _made

    def __getitem__(self, name: str) -> Episode:
        if name not in self.made:
            assert name in NAMES, name
            mp3 = self.request.getfixturevalue(name).mp3
            page = mp3.with_suffix(".html")
            assert page.is_file(), "build --page wrote no page"
            probed = ffprobe(mp3, "-show_chapters")["chapters"]
            chapters = [(c["tags"]["title"], round(float(c["start_time"]) * 1000)) for c in probed]
            cues = parse_vtt(mp3.with_suffix(".vtt"))
            self.made[name] = Episode(name, mp3, page, chapters, cues)
        return self.made[name]


@pytest.fixture
def episodes(request: pytest.FixtureRequest) -> _Episodes:
    """The episodes of conftest.py and the pages ``build --page`` wrote beside them."""
    return _Episodes(request)


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
