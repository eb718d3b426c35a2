"""DAISY 2.02 books of real episodes (the plain-text example and an HTML page), built with
today's CLI: every rule of tests/daisy202.py, every clip against the WebVTT cue of the same
sentence (read with webvtt-py), and Debian's daisy-player opening the book under tmux."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from audionews.render.daisy import write_daisy
from daisy202 import check_book, element_text, ncc_clips
from talkingbook_helpers import ROOT, build_episode, document_from_episode, read_cues

pytestmark = [pytest.mark.talkingbook, pytest.mark.e2e]

ARTICLES = [
    pytest.param(ROOT / "examples" / "harbour-flood-barrier.txt", id="text"),
    pytest.param(ROOT / "tests" / "fixtures" / "courier-bridge.html", id="html"),
]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("episodes")


@pytest.mark.parametrize("article", ARTICLES)
def test_a_real_episode_makes_a_valid_book_whose_clips_are_its_cues(
    article: Path, work: Path, tmp_path: Path
) -> None:
    mp3 = build_episode(article, work)
    doc = document_from_episode(mp3)
    book = write_daisy(doc, mp3, tmp_path / "episode.daisy")
    assert check_book(book.folder) == []

    cues = read_cues(mp3.with_suffix(".vtt"))
    clips = ncc_clips(book.folder)
    pars = list(dict.fromkeys(c.text_src for c in clips))
    assert len(pars) == len(cues)
    for (start, end, text, _speaker), src in zip(cues, pars, strict=True):
        spans = [(c.begin_ms, c.end_ms) for c in clips if c.text_src == src]
        assert (start, end) in spans, (src, start, end, spans)
        assert element_text(book.folder, src) == text
    assert clips[-1].end_ms == doc.chapters[-1].end_ms


def _screen(server: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", server, "capture-pane", "-p"], capture_output=True, text=True, timeout=10
    )
    return result.stdout


def _fake_sound_card(tmp_path: Path) -> dict[str, str]:
    """daisy-player stops when /proc/asound/cards is missing (no sound hardware, as in a
    container); a tiny LD_PRELOAD shim answers for that one file. Nothing is played."""
    if Path("/proc/asound/cards").exists():
        return {}
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no sound card and no C compiler to build the stand-in for one")
    shim = tmp_path / "fake_asound.so"
    source = ROOT / "tests" / "fixtures" / "fake_asound.c"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(shim), str(source), "-ldl"],
        check=True,
        timeout=120,
    )
    return {"LD_PRELOAD": str(shim)}


def test_daisy_player_opens_the_book_and_lists_its_headings(work: Path, tmp_path: Path) -> None:
    for program in ("daisy-player", "tmux"):
        assert shutil.which(program), f"{program} is not installed; run scripts/setup"
    mp3 = build_episode(ARTICLES[0].values[0], work)
    doc = document_from_episode(mp3)
    book = write_daisy(doc, mp3, tmp_path / "episode.daisy")
    home = tmp_path / "home"  # daisy-player keeps bookmarks and settings in $HOME
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TERM": "xterm", **_fake_sound_card(tmp_path)}
    server = f"audionews-daisy-{os.getpid()}"
    command = f"daisy-player {book.folder} -i -n -d default:alsa"
    subprocess.run(
        ["tmux", "-L", server, "new-session", "-d", "-x", "80", "-y", "24", command],
        env=env,
        check=True,
        timeout=10,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            screen = _screen(server)
            if "What Happens Next?" in screen:
                break
            time.sleep(0.2)
        print(screen)
        lines = screen.splitlines()
        assert doc.title in lines[0]
        assert "level: 1 of 2" in lines[1]
        seconds = book.duration_ms // 1000  # daisy-player shows whole seconds, cut short
        shown = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        assert f"total length: {shown}" in lines[1]
        listed = [line.strip().split("  ")[0].rstrip(" .") for line in lines[2:6]]
        titles = [c.title for c in doc.chapters]
        assert listed[0] == titles[0][: len(listed[0])]
        assert listed[1:] == titles[1:]
        subprocess.run(["tmux", "-L", server, "send-keys", "q"], timeout=10, check=False)
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], timeout=10, check=False)
